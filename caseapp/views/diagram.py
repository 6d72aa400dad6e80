"""The process picture of a case as an SVG document."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from markupsafe import Markup

from caseapp.services import diagram
from caseapp.web.request_context import svc

bp = Blueprint("diagram", __name__)


@bp.get("/cases/<int:case_id>/process.svg")
@login_required
def case_picture(case_id: int):
    """The case's process picture on its own (an SVG file): how far the case got."""
    svg = diagram.case_picture(svc(), current_user, case_id, translate=gettext)
    # Opened on its own, the picture still gets its look (inlined in a page, the page's
    # link to diagram.css does that and this instruction is not part of the markup).
    stylesheet = url_for("static", filename="diagram.css")
    body = f'<?xml-stylesheet type="text/css" href="{stylesheet}"?>\n{svg}'
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cases/<int:case_id>/process")
@login_required
def case_process_page(case_id: int):
    """The picture inlined in a page (so its stylesheet applies), with a legend."""
    svg = diagram.case_picture(svc(), current_user, case_id, translate=gettext)
    return render_template("diagram/process_picture.html", svg=Markup(svg), case_id=case_id)

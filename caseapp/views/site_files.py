"""Files a browser asks every site for by a fixed address, whatever the page links."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

bp = Blueprint("site_files", __name__)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico where no page names an icon (a PDF, a JSON answer)."""
    return redirect(url_for("static", filename="favicon.svg"))

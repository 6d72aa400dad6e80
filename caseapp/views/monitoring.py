"""Bildungsmonitoring: the dashboard, the printable demand report and a CSV per indicator,
for team leads, admins and the education coordination (aggregates only)."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from caseapp.services import monitoring
from caseapp.services.errors import InvalidInput
from caseapp.web import monitoring_labels
from caseapp.web.i18n import translate_error
from caseapp.web.request_context import svc
from domain.vocabulary import MONITORING_ROLES

from .access import roles_required

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")


def _query() -> monitoring.Query:
    args = request.args
    return monitoring.Query(start=args.get("from", ""), end=args.get("to", ""),
                            team=args.get("team", ""), municipality=args.get("municipality", ""))


def _page(page: str):
    """The page for the filters asked for; a filter that is no filter is said atop the
    form, which keeps what was typed (422)."""
    try:
        board = monitoring.dashboard(svc(), current_user, _query())
    except InvalidInput as exc:
        return render_template(page, board=None, error=translate_error(exc),
                               asked=request.args, m=monitoring_labels,
                               indicators=monitoring.INDICATORS, district=monitoring.DISTRICT,
                               choices=monitoring.filter_choices(svc(), current_user)), 422
    return render_template(page, board=board, error=None, asked=request.args,
                           m=monitoring_labels, indicators=monitoring.INDICATORS,
                           district=monitoring.DISTRICT, choices=board.choices)


@bp.get("/")
@roles_required(*MONITORING_ROLES)
def dashboard():
    """Every indicator as a table with its chart beside it, for a period, team and place."""
    return _page("monitoring/dashboard.html")


@bp.get("/report")
@roles_required(*MONITORING_ROLES)
def report():
    """The printable demand report for the steering group: key figures, charts, definitions."""
    return _page("monitoring/report.html")


@bp.get("/<indicator>.csv")
@roles_required(*MONITORING_ROLES)
def indicator_csv(indicator: str):
    """One indicator's table as CSV (UTF-8, header row), with the same suppressed cells."""
    if indicator not in monitoring.INDICATORS:
        abort(404)
    board = monitoring.dashboard(svc(), current_user, _query(), exported=indicator)
    out = io.StringIO()
    csv.writer(out).writerows(monitoring_labels.rows_of(board.tables[indicator]))
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={indicator}.csv"})

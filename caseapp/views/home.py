"""The home page: what each role sees first."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from caseapp.services import home_page, team
from caseapp.services.admin import admin_overview
from caseapp.web.request_context import svc
from domain.vocabulary import Role

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """The first page, by role: own work, the team board, a provider's courses, the
    monitoring (coordination), every case (auditors), admin figures."""
    role = current_user.role
    if role == Role.COUNSELLOR:
        return render_template("home/counsellor.html", home=home_page.home(svc(), current_user))
    if role == Role.TEAM_LEAD:  # the unfiltered team board
        return render_template("team/board.html", filters=team.BoardFilters(), state={},
                               board=team.board(svc(), current_user, team.BoardFilters()))
    if role == Role.PROVIDER:  # a course provider's staff: their courses
        return redirect(url_for("provider.courses"))
    if role == Role.COORDINATION:  # the education coordination: the monitoring
        return redirect(url_for("monitoring.dashboard"))
    if role == Role.AUDITOR:
        return render_template("home/auditor.html", cases=home_page.all_cases(svc(), current_user))
    return render_template("home/admin.html", overview=admin_overview(svc(), current_user))

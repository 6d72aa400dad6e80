from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from caseapp.services import queues
from caseapp.services.admin import admin_overview

from . import team
from .common import login_required, svc

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    role = current_user.role
    if role == "counsellor":
        return render_template("home_counsellor.html", home=queues.home(svc(), current_user))
    if role == "team_lead":
        return team.render_board()
    if role == "auditor":
        return render_template("home_auditor.html", cases=queues.all_cases(svc(), current_user))
    return render_template("home_admin.html", overview=admin_overview(svc(), current_user))

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from caseapp.services import audit_review

from .common import roles_required, svc

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/verify")
@roles_required("auditor")
def verify():
    return render_template("audit_verify.html",
                           report=audit_review.verify(svc(), current_user))

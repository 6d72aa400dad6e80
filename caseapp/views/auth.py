"""Logging in and out, and the reader's choice of language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from caseapp.services import login_sessions, users
from caseapp.services.errors import ServiceError
from caseapp.web.i18n import request_languages, translate_error
from caseapp.web.request_context import start_session, svc

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, host, '//' or backslash (browsers read '/\\x' as
    '//x'), no control characters."""
    if (target and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and target.isprintable()
            and not urlsplit(target).netloc and not urlsplit(target).scheme):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in: a fresh session (no fixation) in the user's language; a refusal keeps the name."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    error = None
    if request.method == "POST":
        try:
            done = users.authenticate(svc(), request.form.get("username", ""),
                                      request.form.get("password", ""))
        except ServiceError as exc:
            error = translate_error(exc)
        else:
            session.clear()
            login_user(done.actor)
            start_session(done.session_token)
            if done.actor.locale:
                session["locale"] = done.actor.locale
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error,
                           username=request.form.get("username", "")), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    """Log out (recorded in the audit trail): the session ends in the database too, so the
    cookie opens nothing even if replayed; the chosen language goes with it."""
    login_sessions.log_out(svc(), current_user, str(session.get("session_token", "")))
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    """End every session of one's own account, on every device (audited)."""
    login_sessions.log_out_everywhere(svc(), current_user)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/session/alive")
@login_required
def session_alive():
    """The "stay logged in" of the warning before the idle limit: the request itself keeps
    the session (its last-seen time is renewed as it is loaded)."""
    return "", 204, {"Cache-Control": "no-store"}


@bp.post("/language")
def language():
    """Switch the page language; a logged-in user keeps it for the next login too."""
    locale = request.form.get("locale")
    if locale in request_languages():
        session["locale"] = locale
        if current_user.is_authenticated:
            users.set_locale(svc(), current_user, locale)
    return redirect(_safe_next(request.form.get("next")))

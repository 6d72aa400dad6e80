"""The service context of a request (one database session per request) and the login that
loads who is acting: only from a live session row, and only while not idle too long."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app, g, session
from flask_login import LoginManager

from caseapp.services import login_sessions
from caseapp.services.actor import Actor
from caseapp.services.context import ServiceContext

if TYPE_CHECKING:
    from caseapp.composition import Runtime

login_manager = LoginManager()
# The cookie's last-seen time is renewed at most this often (a cookie is sent back then).
SEEN_RESOLUTION_SECONDS = 60
SESSION_KEYS = ("_user_id", "_id", "_fresh", "session_token", "seen")


def current_runtime() -> Runtime:
    """What this application process holds (database, engine, settings)."""
    return current_app.extensions["ankommen"]


def svc() -> ServiceContext:
    """The service context of the current request, made once per request."""
    if "service_context" not in g:
        g.db_session = current_runtime().sessions()
        g.service_context = current_runtime().context(g.db_session)
    return g.service_context


def start_session(token: str) -> None:
    """After a login: the new session's token and the time it was last used."""
    session["session_token"] = token
    session["seen"] = int(svc().now().timestamp())


def _session_actor(user_id: str) -> Actor | None:
    """The user of a live, not idle session; anything else is logged out (its keys go, the
    chosen language stays)."""
    ctx = svc()
    now = int(ctx.now().timestamp())
    seen = session.get("seen")
    actor = None
    if isinstance(seen, int) and now - seen <= ctx.settings.session_idle.total_seconds():
        actor = login_sessions.session_actor(ctx, int(user_id),
                                             str(session.get("session_token", "")))
    if actor is None:
        for key in SESSION_KEYS:
            session.pop(key, None)
    elif now - seen >= SEEN_RESOLUTION_SECONDS:
        session["seen"] = now
    return actor


def init_app(app: Flask) -> None:
    """The login loads the user with the request's database session; it closes with the request."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    login_manager.user_loader(_session_actor)

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

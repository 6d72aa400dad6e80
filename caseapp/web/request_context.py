"""The service context of a request (one database session per request) and the login that
loads who is acting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app, g
from flask_login import LoginManager

from caseapp.services.actor import load_actor
from caseapp.services.context import ServiceContext

if TYPE_CHECKING:
    from caseapp.composition import Runtime

login_manager = LoginManager()


def current_runtime() -> Runtime:
    """What this application process holds (database, engine, settings)."""
    return current_app.extensions["ankommen"]


def svc() -> ServiceContext:
    """The service context of the current request, made once per request."""
    if "service_context" not in g:
        g.db_session = current_runtime().sessions()
        g.service_context = current_runtime().context(g.db_session)
    return g.service_context


def init_app(app: Flask) -> None:
    """The login loads the user with the request's database session; it closes with the request."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(user_id: str):
        return load_actor(svc().session, int(user_id))

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

"""The domain's words in every template, so pages compare roles by name, not by string."""

from __future__ import annotations

from flask import Flask

from domain.vocabulary import MONITORING_ROLES, TEAM_ROLES, Role


def init_app(app: Flask) -> None:
    """Make ``Role``, the role groups and the session's idle limit known to every template."""

    def session_idle_seconds() -> int:
        return int(app.extensions["ankommen"].settings.session_idle.total_seconds())

    app.jinja_env.globals.update(Role=Role, TEAM_ROLES=TEAM_ROLES,
                                 MONITORING_ROLES=MONITORING_ROLES,
                                 session_idle_seconds=session_idle_seconds)

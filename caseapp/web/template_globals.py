"""The domain's words in every template, so pages compare roles by name, not by string."""

from __future__ import annotations

from flask import Flask

from domain.vocabulary import TEAM_ROLES, Role


def init_app(app: Flask) -> None:
    """Make ``Role`` and ``TEAM_ROLES`` known to every template."""
    app.jinja_env.globals.update(Role=Role, TEAM_ROLES=TEAM_ROLES)

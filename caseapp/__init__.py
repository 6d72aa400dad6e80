"""Ankommen: case management for the intake desk of a municipal migration centre."""

from __future__ import annotations

from importlib.resources import files

from flask import Flask

from .config import config_from_environment


def create_app(config: object | None = None, **overrides) -> Flask:
    """Build the web application. ``config`` defaults to ANKOMMEN_ENV (development)."""
    app = Flask(__name__, instance_relative_config=False)
    if config is None:
        config = config_from_environment()
    app.config.from_object(config)
    app.config.setdefault("BPMN_DIR", str(files("bpmn")))
    app.config.update(overrides)

    from . import cli, logs, proxy, runtime, web

    logs.install()
    proxy.init_app(app)
    runtime.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app

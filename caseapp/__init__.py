"""Ankommen: case management for the intake desk of a municipal migration centre."""

from __future__ import annotations

import os
from importlib.resources import files

from flask import Flask

from .config import CONFIGS


def create_app(config: object | None = None, **overrides) -> Flask:
    """Build the web application. ``config`` defaults to ANKOMMEN_ENV (development)."""
    app = Flask(__name__, instance_relative_config=False)
    if config is None:
        config = CONFIGS[os.environ.get("ANKOMMEN_ENV", "development")]()
    app.config.from_object(config)
    app.config.setdefault("BPMN_DIR", str(files("bpmn")))
    app.config.update(overrides)

    from . import cli, runtime, web

    runtime.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app

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
    app.config.update(overrides)
    if not app.config.get("BPMN_DIR"):
        app.config["BPMN_DIR"] = str(files("bpmn"))

    from . import cli, composition, logs
    from .views import BLUEPRINTS
    from .web import (
        csrf,
        error_pages,
        headers,
        i18n,
        input_guard,
        int_params,
        labels,
        newcomer_texts,
        outage,
        proxy,
        rate_limits,
        request_context,
        template_globals,
    )

    logs.install()
    proxy.init_app(app)
    composition.init_app(app)
    outage.init_app(app)  # first: it loads the user before CSRF's check may render a page
    rate_limits.init_app(app)  # counts the logged-in account, and forged posts too
    csrf.init_app(app)
    int_params.init_app(app)  # before the blueprints: their rules bind the converters
    input_guard.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)
    newcomer_texts.init_app(app)
    request_context.init_app(app)
    error_pages.init_app(app)
    headers.init_app(app)
    template_globals.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    cli.init_app(app)
    return app

"""Behind a TLS-terminating reverse proxy: trust its X-Forwarded-* headers, and only then."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """ANKOMMEN_PROXY_COUNT proxies set the client's scheme and host (0: headers ignored)."""
    count = app.config["PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, session

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def init_app(app: Flask) -> None:
    """Security headers on every response; nothing a logged-in user sees is cached."""
    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if app.config["HSTS"]:
            response.headers["Strict-Transport-Security"] = app.config["HSTS"]
        # A logged-in session, read from the cookie: loading the user would need the database.
        if session.get("_user_id") is not None:
            # Case data must not stay in shared browser caches or reappear after logout.
            response.headers["Cache-Control"] = "no-store"
        return response

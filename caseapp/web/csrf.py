"""CSRF protection of every form (one global check), and its refusal page."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext
from flask_wtf.csrf import CSRFError, CSRFProtect

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Check the CSRF token of every form sent; a failed check gets a page saying what to do."""
    csrf.init_app(app)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return render_template("error.html", message=gettext(
            "The form had expired or came from elsewhere. "
            "Please go back, reload the page and send it again.")), 400

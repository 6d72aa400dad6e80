"""Error pages: a service's refusal, a role's limits, a missing page, a failure."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import gettext

from caseapp.services.errors import ServiceError

from .i18n import translate_error


def init_app(app: Flask) -> None:
    """Answer refusals and missing pages with the error page, in the reader's language."""
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return render_template("error.html", message=translate_error(exc)), exc.status

    @app.errorhandler(403)
    def _forbidden(_exc):
        return render_template("error.html", message=gettext("Your role may not do this.")), 403

    @app.errorhandler(404)
    def _not_found(_exc):
        return render_template("error.html", message=gettext("Page not found.")), 404

    @app.errorhandler(405)
    def _not_allowed(_exc):
        return render_template("error.html",
                               message=gettext("This action is not possible here.")), 405

    @app.errorhandler(500)
    def _server_error(exc):
        # Flask has logged the traceback (without the exception's text, caseapp/logs.py);
        # this line names the route, never the query, the user or the exception's text.
        original = getattr(exc, "original_exception", None)
        current_app.logger.error("Server error (%s): 500 for %s %s",
                                 type(original or exc).__name__, request.method,
                                 request.url_rule or "-")
        return render_template("error.html", message=gettext(
            "Something went wrong on our side. Please try again; if it happens again, tell "
            "the administration.")), 500

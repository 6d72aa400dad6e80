"""Wiring of the web layer: login, CSRF, i18n, security headers, error pages."""

from __future__ import annotations

from flask import Flask, render_template, request, session
from flask_babel import Babel, gettext
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from domain.vocabulary import task_lane
from forms.choices import LANE_LABELS, OFFER_LABELS
from forms.i18n import request_translations

from . import input_guard, int_params, outage
from .runtime import request_context
from .services.actor import load_actor
from .services.errors import ServiceError

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def select_locale() -> str:
    languages = request_languages()
    chosen = session.get("locale") or getattr(current_user, "locale", None)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def request_languages() -> tuple[str, ...]:
    from flask import current_app
    return current_app.config["LANGUAGES"]


def _install_request_translations(app: Flask) -> None:
    """Templates call _() hundreds of times per page: resolve the catalog once per request."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True)


def translate_error(exc: ServiceError) -> str:
    """The service's message in the reader's language (step titles included)."""
    params = {k: gettext(v) if isinstance(v, str) else v for k, v in exc.params.items()}
    return gettext(exc.template, **params)


def init_app(app: Flask) -> None:
    outage.init_app(app)  # first: it loads the user before CSRF's check may render a page
    csrf.init_app(app)
    int_params.init_app(app)
    input_guard.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    _install_request_translations(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(user_id: str):
        return load_actor(request_context().session, int(user_id))

    from .views import admin, audit, auth, cases, diagram, health, home, referrals, team

    for module in (auth, home, cases, audit, referrals, admin, team, diagram, health):
        app.register_blueprint(module.bp)

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

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return render_template("error.html", message=translate_error(exc)), exc.status

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return render_template("error.html", message=gettext(
            "The form had expired or came from elsewhere. "
            "Please go back, reload the page and send it again.")), 400

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

    @app.context_processor
    def _globals():
        return {"languages": request_languages(), "current_locale": select_locale(),
                "offer_label": lambda code: OFFER_LABELS.get(code, code),
                "lane_label": lambda lane: LANE_LABELS.get(task_lane(lane), lane)}

"""The reader's language: chosen per request, templates translated with the catalog looked
up once, and service messages translated for the reader."""

from __future__ import annotations

from datetime import date, datetime

from babel import dates, numbers
from flask import Flask, current_app, request, session
from flask_babel import Babel, get_locale, gettext, to_user_timezone
from flask_login import current_user

from caseapp.services.errors import ServiceError
from domain.vocabulary import task_lane
from forms.choices import ADMISSION_ROUTE_LABELS, LANE_LABELS, OFFER_LABELS
from forms.i18n import request_translations

babel = Babel()


def request_languages() -> tuple[str, ...]:
    """The languages offered (``LANGUAGES``), the fallback first."""
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """The session's choice, else the user's setting, else the browser's, else the first."""
    languages = request_languages()
    chosen = session.get("locale") or getattr(current_user, "locale", None)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def _formatting_locale() -> str:
    """The locale dates are written in: the reader's, but day first in English too (the
    office is German; "1/12/27, 4:06 PM" reads as January there)."""
    locale = str(get_locale() or "de")
    return "en_GB" if locale.split("_")[0] == "en" else locale


def format_when(value: datetime | None, format: str = "medium") -> str:
    """A moment in the office's time zone (BABEL_DEFAULT_TIMEZONE), day first."""
    if value is None:
        return ""
    return dates.format_datetime(to_user_timezone(value), format, locale=_formatting_locale())


def format_day(value: date | datetime | None, format: str = "medium") -> str:
    """A calendar day, day first; of a moment, its day in the office's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return dates.format_date(value, format, locale=_formatting_locale())


def format_number(value: float | int | None) -> str:
    """A number as the reader writes it: "11,5" on a German page, "11.5" on an English one."""
    if value is None:
        return ""
    return numbers.format_decimal(value, locale=_formatting_locale())


def _shown_params(exc: ServiceError) -> dict:
    """A message's parameters for the reader: texts translated, moments in the office's
    time zone, days day first."""
    return {k: gettext(v) if isinstance(v, str)
            else format_when(v, "short") if isinstance(v, datetime)
            else format_day(v) if isinstance(v, date) else v
            for k, v in exc.params.items()}


def translate_error(exc: ServiceError) -> str:
    """The service's message in the reader's language (step titles included, moments in
    the office's time zone)."""
    return gettext(exc.template, **_shown_params(exc))


def field_errors_onto(form, exc: ServiceError) -> bool:
    """Put the service's field errors beside the form's fields; False if none had a place
    there (the caller then shows the message on its own)."""
    placed = False
    for name, messages in getattr(exc, "field_errors", {}).items():
        if name in form:
            form[name].errors = [*form[name].errors,
                                 *(gettext(m, **_shown_params(exc)) for m in messages)]
            placed = True
    return placed


def init_app(app: Flask) -> None:
    """Flask-Babel, and templates translated with the catalog looked up once per request."""
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    # Templates call _() hundreds of times per page: resolve the catalog once per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.filters.update(datetimeformat=format_when, dateformat=format_day,
                                  number=format_number)

    @app.context_processor
    def _globals():
        return {"languages": request_languages(), "current_locale": select_locale(),
                "offer_label": lambda code: OFFER_LABELS.get(code, code),
                "admission_route_label": lambda code: ADMISSION_ROUTE_LABELS.get(code, code),
                "lane_label": lambda lane: LANE_LABELS.get(task_lane(lane), lane)}

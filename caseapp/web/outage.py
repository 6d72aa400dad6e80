"""While the database cannot be reached: a 503 page that needs no database and keeps the input.

The page is rendered without the login (loading the user needs the database) and without
the context processors and base template (they read the user): the language comes from
the session or the browser. A form that was being sent comes back as a form with the same
fields, so "Send again" works once the database is back; passwords are asked for again,
never echoed. Autosave requests get JSON, whose message the page script shows.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, request, session
from flask_babel import force_locale, gettext
from flask_login import current_user
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.datastructures import MultiDict

from forms import TASK_FORMS
from forms.users import PASSWORD_FIELDS

# What SQLAlchemy raises while the server is down, restarting or out of connections.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeoutError)
RETRY_AFTER_SECONDS = 30
TEMPLATE = "unavailable.html"
# Endpoints that answer without the user (and so without the database).
WITHOUT_USER = frozenset({"static", "site_files.favicon", "health.alive", "health.ready"})


def init_app(app: Flask) -> None:
    """Call before anything else registers a ``before_request`` (CSRF's renders pages too)."""
    app.before_request(_load_user_first)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, unavailable)


def _load_user_first() -> None:
    """Load the logged-in user before anything else, so an unreachable database is met here
    and not inside an error page (they all show the user)."""
    if request.endpoint not in WITHOUT_USER:
        current_user._get_current_object()


def unavailable(exc: Exception) -> Response:
    """The 503 answer: logged in one line, a page that keeps what was sent (autosave: JSON)."""
    # One line, no statement, no parameters, no user: what failed and where.
    current_app.logger.warning("Database unavailable (%s): 503 for %s %s", type(exc).__name__,
                               request.method, request.url_rule or "-")
    locale = _locale()
    with force_locale(locale):
        if request.args.get("autosave") == "1":
            response = jsonify(saved=False, message=gettext(
                "Not saved: the database cannot be reached right now. Your input stays on "
                "this page; saving is tried again with your next change."))
        else:
            response = Response(_page(locale), mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"  # it may show what was typed
    return response


def _locale() -> str:
    """The reader's language as ``web.select_locale`` picks it, without the user's setting."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def _page(locale: str) -> str:
    query = request.query_string.decode()
    here = request.path + (f"?{query}" if query else "")
    sent = request.form if request.method == "POST" else None
    context = {"locale": locale, "here": here, "sent": sent is not None}
    if sent is not None:
        context.update(
            hidden=[(name, value) for name, value in sent.items(multi=True)
                    if name not in PASSWORD_FIELDS],
            passwords=[(name, label) for name, label in PASSWORD_FIELDS.items()
                       if name in sent],
            readable=_readable(sent))
    return current_app.jinja_env.get_template(TEMPLATE).render(context)


def _readable(sent: MultiDict) -> list[tuple[str, str]]:
    """(label, value) of each filled-in field: labelled as on the step's form where the
    request names one, by field name otherwise."""
    form_class = TASK_FORMS.get(sent.get("form_key", ""))
    if form_class is None:
        return [(name, value) for name, value in sent.items(multi=True)
                if name != "csrf_token" and name not in PASSWORD_FIELDS and value.strip()]
    rows = []
    for field in form_class(sent):
        values = [value for value in sent.getlist(field.name) if value.strip()]
        if not values:
            continue
        if hasattr(field, "iter_choices"):
            values = [str(choice.label) for choice in field.iter_choices()
                      if choice.selected] or values
        rows.append((str(field.label.text), "\n".join(values)))
    return rows

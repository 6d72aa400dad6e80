"""Refusals of malformed requests before a view runs, and the one way every refusal of bad
input answers: a page in the reader's language, or JSON for the page script's autosave.

Form fields are checked by their WTForms forms (a field error beside the kept input); a
view marks the forms it validates with :func:`fields_checked_by`. Every other parameter
(reasons, notes, ids, filters) is checked here, so no route can forget it.
"""

from __future__ import annotations

from functools import cache

from flask import Flask, abort, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from forms.control_characters import has_control_characters


def autosave_request() -> bool:
    """The page script's autosave (``?autosave=1``) reads JSON, not pages."""
    return request.args.get("autosave") == "1"


def answer(message: str, status: int):
    """A refusal as the request expects it: an error page, or JSON for the autosave."""
    if autosave_request():
        return jsonify(saved=False, message=message), status
    return render_template("error.html", message=message), status


def refuse(message: str, status: int = 400):
    """End the request with ``answer`` (raises)."""
    abort(make_response(answer(message, status)))


def fields_checked_by(*form_classes):
    """Mark a view whose forms check these fields themselves."""

    def mark(view):
        view.checked_by_forms = form_classes
        return view
    return mark


@cache
def _form_fields(form_classes: tuple) -> frozenset[str]:
    return frozenset(field.name for form_class in form_classes for field in form_class())


def _refuse_control_characters():
    view = current_app.view_functions.get(request.endpoint)
    checked = _form_fields(getattr(view, "checked_by_forms", ()))
    for parameters, status in ((request.args, 400), (request.form, 422)):
        for name, values in parameters.lists():
            if has_control_characters(name, multiline=False) or (
                    name not in checked
                    and any(has_control_characters(v, multiline=True) for v in values)):
                return answer(gettext(
                    "The request contained invisible control characters. Nothing was "
                    "saved: please go back, remove them and send it again."), status)
    return None


def init_app(app: Flask) -> None:
    """Refuse control characters outside form fields; answer oversized or malformed requests."""
    app.before_request(_refuse_control_characters)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc):
        megabytes = app.config["MAX_CONTENT_LENGTH"] / 2**20
        return answer(gettext(
            "What was sent is too large (more than %(size)s MB). Nothing was saved: please "
            "shorten long texts and send it again.", size=format(megabytes, "g")), 413)

    @app.errorhandler(BadRequest)
    def _bad_request(_exc):
        return answer(gettext(
            "The request was incomplete or malformed. Nothing was changed: please go back, "
            "reload the page and try again."), 400)

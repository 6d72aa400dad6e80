"""Labels and messages translated with the catalog looked up once per request.

Flask-Babel looks the catalog up again for every lazy string it renders, and a case page
renders some hundred labels and choices; this keeps the lookup once per request (or CLI
command) and is otherwise Flask-Babel's own ``lazy_gettext``.
"""

from __future__ import annotations

from flask import g, has_app_context
from flask_babel import get_translations
from flask_babel.speaklater import LazyString

from domain.vocabulary import N_

__all__ = ["N_", "gettext", "lazy_gettext", "request_translations"]


def request_translations():
    """This request's catalog, looked up once and kept on ``g`` (no app: English)."""
    if not has_app_context():
        return get_translations()
    translations = g.get("_translations")
    if translations is None:
        translations = g._translations = get_translations()
    return translations


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext``, with the request's catalog looked up once."""
    text = request_translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    """Flask-Babel's ``lazy_gettext``, with the request's catalog looked up once."""
    return LazyString(gettext, string, **variables)


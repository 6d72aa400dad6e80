"""Stored values as text in the reader's language: the one place pages turn a code, a
flag, a date or a key into what a person reads (the labels come from forms/labels.py).

Templates use the filter ``shown`` and the globals ``label_of``, ``answer`` and
``key_label``; views use the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask import Flask

from forms.labels import FLAG_LABELS, code_label, field_value, key_label

from .i18n import format_day, format_when

EMPTY = "—"


def shown(value: Any) -> str:
    """Any value as text: nothing as "—", a flag as Yes/No, a moment or a day day-first,
    a list joined, a label translated."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return str(FLAG_LABELS[value])
    if isinstance(value, datetime):
        return format_when(value)
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, list | tuple):
        return ", ".join(shown(item) for item in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {shown(item)}" for key, item in value.items())
    return str(value)


def moment(value: Any) -> Any:
    """A moment stored as ISO text (in audit details) as a moment, else as it is."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def label_of(vocabulary: str, code: Any) -> str:
    """A code of a vocabulary (``case_status``, ``role``, ``outcome``, ...) as text."""
    return shown(code_label(vocabulary, code))


def answer(name: str, value: Any, form_key: str | None = None) -> str:
    """A stored answer of a form field as text (choices by label, dates day-first)."""
    return shown(field_value(name, value, form_key))


def init_app(app: Flask) -> None:
    """Make the labels known to every template."""
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.globals.update(label_of=label_of, answer=answer,
                                 key_label=lambda key, form_key=None: str(
                                     key_label(key, form_key)))

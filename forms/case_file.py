"""The read-only case file: a completed step's answers under their labels.

Built from the stored answers and each form's fields, read once per form key, so a case
page with many completed steps does not build a whole form per step to show them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from wtforms import SelectField

from . import TASK_FORMS


@dataclass(frozen=True)
class CaseFileField:
    """What the case file needs of a form field: its name, label and choice labels."""

    name: str
    label: Any  # a lazy string: translated when shown
    choices: Mapping[str, Any] | None  # value -> label, for fields with choices


@cache
def file_fields(form_key: str) -> tuple[CaseFileField, ...]:
    """A form's fields as the case file shows them, read once per form key."""
    return tuple(
        CaseFileField(field.name, field.label.text,
                  {str(value): label for value, label, *_ in field.iter_choices()}
                  if isinstance(field, SelectField) else None)
        for field in TASK_FORMS[form_key]())


def file_entries(form_key: str, answers: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """(label, shown value) of every answered field, in the form's order."""
    entries = []
    for field in file_fields(form_key):
        value = answers.get(field.name)
        if value in (None, "", []):
            continue
        if field.choices is not None:
            value = field.choices.get(str(value), value)
        entries.append((field.label, value))
    return entries


def form_entries(form) -> list[tuple[Any, Any]]:
    """The same for input of a step form that was not saved (shown so it can be copied)."""
    form_key = next(key for key, form_class in TASK_FORMS.items()
                    if type(form) is form_class)
    return file_entries(form_key, form.data)

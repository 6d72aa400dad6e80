"""The read-only case file: a completed step's answers under their labels.

Built from the stored answers and each form's fields (forms/labels.py reads each form once),
so a case page with many completed steps does not build a whole form per step to show them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import TASK_FORMS
from .labels import field_value, form_fields


def file_entries(form_key: str, answers: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """(label, value as a page shows it) of every answered field, in the form's order:
    a choice by its label, a date as a date."""
    entries = []
    for field in form_fields(form_key).values():
        value = answers.get(field.name)
        if value in (None, "", []):
            continue
        entries.append((field.label, field_value(field.name, value, form_key)))
    return entries


def form_entries(form) -> list[tuple[Any, Any]]:
    """The same for input of a step form that was not saved (shown so it can be copied)."""
    form_key = next(key for key, form_class in TASK_FORMS.items()
                    if type(form) is form_class)
    return file_entries(form_key, form.data)

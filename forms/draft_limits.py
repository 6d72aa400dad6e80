"""Drafts keep unvalidated input, but no more of it than the validated form would accept."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wtforms import Field, Form, TextAreaField
from wtforms.validators import Length

from .control_characters import has_control_characters

# A field without a Length validator holds a choice's code, a date or a number.
SHORT_VALUE_MAX = 100


@dataclass(frozen=True)
class DraftRefusal:
    """Why a draft is not kept: an English template and its parameters, to translate."""

    template: str  # English: the service raises it, the web layer translates it
    params: dict[str, Any]  # "field" is the field's (lazy) label


def max_length(field: Field) -> int:
    """The longest value the field's Length allows (else ``SHORT_VALUE_MAX``): a draft's limit."""
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max >= 0]
    return min(limits) if limits else SHORT_VALUE_MAX


def draft_refusal(form: Form, draft: Mapping[str, str]) -> DraftRefusal | None:
    """Why ``draft`` (field name -> posted text) cannot be kept, or None if it can."""
    for field in form:
        value = draft.get(field.name)
        if value is None:
            continue
        limit = max_length(field)
        if len(value) > limit:
            return DraftRefusal("“%(field)s” is too long to be kept as a draft (at most "
                                "%(max)s characters). Nothing was saved.",
                                {"field": field.label.text, "max": limit})
        if has_control_characters(value, multiline=isinstance(field, TextAreaField)):
            return DraftRefusal("“%(field)s” contains invisible control characters: please "
                                "remove them. Nothing was saved.", {"field": field.label.text})
    return None

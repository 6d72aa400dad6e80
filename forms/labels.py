"""Every stored code with its label, found in one place: field labels, choice labels and
the kind of each field from the forms (so a field or choice a form gains is labelled as
soon as the form has it), the domain's states and roles from domain/vocabulary.py.

Labels are lazy: they are translated where a page shows them (caseapp/web/labels.py
turns what this module gives into text in the reader's language).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from flask_babel.speaklater import LazyString
from wtforms import BooleanField, DateField, IntegerField, SelectField
from wtforms import Form as WTForm

from domain.vocabulary import (
    ERASURE_CAUSE_LABELS,
    REFERRAL_KIND_LABELS,
    ROLE_LABELS,
    SEAT_CHANGE_REASON_LABELS,
    TASK_STATE_LABELS,
    CaseStatus,
    OfferStatus,
    SeatStatus,
)

from . import TASK_FORMS
from .case_forms import NewCaseForm
from .catalogue import SCHEDULES, TIMES_OF_DAY
from .choices import COURSE_RESULTS, LANE_LABELS, OFFER_LABELS, YES_NO
from .i18n import lazy_gettext as _l
from .network_offers import NETWORK_OFFER_KINDS
from .provider import CIVIC_TEST_RESULTS, DROP_OUT_REASONS

# The forms whose fields stored answers and change records name: every step's, and the
# identity basics a case is opened with.
NEW_CASE = "new_case"
FORMS: dict[str, type[WTForm]] = {**TASK_FORMS, NEW_CASE: NewCaseForm}

# The first part of a dotted key in a change record ("person.birth_date"): its label and
# the form that labels the rest.
GROUPS = {"person": (_l("Person"), NEW_CASE)}
# Between the parts of a dotted key as a page shows it ("Person › Date of birth").
KEY_SEPARATOR = " › "

CHOICE, DATE, NUMBER, FLAG, TEXT = "choice", "date", "number", "flag", "text"
FLAG_LABELS = {True: YES_NO[0].label, False: YES_NO[1].label}


@dataclass(frozen=True)
class FieldLabel:
    """What a page needs to show a stored answer of a form field."""

    name: str
    label: Any  # lazy
    kind: str  # CHOICE, DATE, NUMBER, FLAG or TEXT
    choices: Mapping[str, Any]  # code -> lazy label (choice fields only)


def _kind(field) -> str:
    if isinstance(field, SelectField):
        return CHOICE
    if isinstance(field, DateField):
        return DATE
    if isinstance(field, IntegerField):
        return NUMBER
    if isinstance(field, BooleanField):
        return FLAG
    return TEXT


@cache
def form_fields(form_key: str) -> dict[str, FieldLabel]:
    """A form's fields by name, read once per form."""
    form_class = FORMS.get(form_key)
    if form_class is None:
        return {}
    return {field.name: FieldLabel(
        field.name, field.label.text, _kind(field),
        {str(value): label for value, label, *_ in field.iter_choices() if value != ""}
        if isinstance(field, SelectField) else {}) for field in form_class()}


def form_field(name: str, form_key: str | None = None) -> FieldLabel | None:
    """A field by name: in the form of ``form_key`` if given, else in the first form that
    has it (the steps in process order, then the new-case form)."""
    if form_key is not None and form_key in FORMS:
        return form_fields(form_key).get(name)
    return next((fields[name] for fields in map(form_fields, FORMS) if name in fields), None)


def _joined(*parts: Any) -> str:
    return KEY_SEPARATOR.join(str(part) for part in parts)


def key_label(key: str, form_key: str | None = None) -> Any:
    """A stored key by its label: a field by its form's label, "person.birth_date" as
    "Person › Date of birth"; a key no form knows stays as it is."""
    group, dot, rest = key.partition(".")
    if dot and group in GROUPS:
        label, group_form = GROUPS[group]
        return LazyString(_joined, label, key_label(rest, group_form))
    field = form_field(key, form_key)
    return field.label if field else key


def field_value(name: str, value: Any, form_key: str | None = None) -> Any:
    """A stored answer as a page shows it: a choice by its label, a date as a date (stored
    as ISO text), a flag as Yes/No; anything else as it is."""
    group, dot, rest = name.partition(".")
    if dot and group in GROUPS:
        return field_value(rest, value, GROUPS[group][1])
    field = form_field(name, form_key)
    if field is None or value is None or value == "":
        return value
    if field.kind == CHOICE:
        return field.choices.get(str(value), value)
    if field.kind == DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if field.kind == FLAG and isinstance(value, bool):
        return FLAG_LABELS[value]
    return value


def _states(enum) -> dict[str, Any]:
    """States whose code is their own English word (marked with N_ where defined)."""
    return {member.value: _l(member.value) for member in enum}


def _lazy(labels: Mapping) -> dict[str, Any]:
    return {str(code): _l(label) for code, label in labels.items()}


# Vocabularies: which codes a stored value may hold, each with its label.
VOCABULARIES: dict[str, Mapping[str, Any]] = {
    "case_status": _states(CaseStatus),
    "seat_status": _states(SeatStatus),
    "offer_status": _states(OfferStatus),
    "referral_status": {**_states(SeatStatus), **_states(OfferStatus)},
    "task_state": _lazy(TASK_STATE_LABELS),
    "referral_kind": _lazy(REFERRAL_KIND_LABELS),
    "role": _lazy(ROLE_LABELS),
    "seat_change_reason": _lazy(SEAT_CHANGE_REASON_LABELS),
    "erasure_cause": _lazy(ERASURE_CAUSE_LABELS),
    "lane": dict(LANE_LABELS),
    "offer": dict(OFFER_LABELS),  # course types and other offers
    "schedule": {choice.value: choice.label for choice in SCHEDULES},
    "time_of_day": {choice.value: choice.label for choice in TIMES_OF_DAY},
    "network_offer_kind": {choice.value: choice.label for choice in NETWORK_OFFER_KINDS},
    "flag": {str(code).lower(): label for code, label in FLAG_LABELS.items()},
    "drop_out_reason": {choice.value: choice.label for choice in DROP_OUT_REASONS},
    "dtz_result": {choice.value: choice.label for choice in COURSE_RESULTS},
    "civic_test_result": {choice.value: choice.label for choice in CIVIC_TEST_RESULTS},
}


# Vocabularies a form field defines, as (form key, field name): the follow-up's answer is
# the case's outcome, the self-reported level the case's German level.
FIELD_VOCABULARIES = {"outcome": ("follow_up", "follow_up_result"),
                      "german_level": ("language_literacy", "german_level"),
                      "literacy": ("language_literacy", "literacy"),
                      "course_type": ("referral", "course_type")}


def code_label(vocabulary: str, code: Any) -> Any:
    """A code's label in ``vocabulary`` (lazy); a code it does not know stays as it is."""
    if code is None:
        return None
    if vocabulary in FIELD_VOCABULARIES:
        form_key, name = FIELD_VOCABULARIES[vocabulary]
        field = form_field(name, form_key)
        return field.choices.get(str(code), code) if field else code
    return VOCABULARIES.get(vocabulary, {}).get(str(code), code)

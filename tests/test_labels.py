"""Stored values are shown by their labels in the reader's language on every page: codes
of choices and states, flags, dates, keys of change records, the chain check's reasons."""

from __future__ import annotations

from datetime import date

import pytest

from forms import TASK_FORMS
from forms.labels import CHOICE, DATE, code_label, field_value, form_fields, key_label
from tests.worked_case import (
    PageText,
    other_language_messages,
    pages,
    problems,
    raw_codes,
    worked_case,
)


@pytest.fixture
def worked(ctx, people, places, clock):
    return worked_case(ctx, people, places, clock)


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_page_of_a_worked_case_shows_labels_in_one_language(ctx, login, worked,
                                                                  language):
    """No stored code and no message of the other language on any page of the case."""
    codes = raw_codes(ctx.session, worked.case_id, language)
    # what the case stores (English words among them are no code on an English page)
    assert {"female", "auslaenderbehoerde", "full_time", "latin", "person.birth_date",
            "Task_referral", "referral_status_changed"} <= codes
    if language == "de":
        assert {"none", "no", "open", "accepted", "started", "seeking", "obliged"} <= codes
    messages = other_language_messages(language)
    found = {}
    for user, paths in pages(worked).items():
        client = login(user, language=language)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            wrong = problems(PageText.of(response.text, language), language, codes, messages)
            if wrong:
                found[f"{user} {path}"] = wrong
    assert found == {}


def test_every_choice_of_every_step_is_shown_by_its_label_in_german(app):
    """Labelled from the forms themselves: a field or choice a form gains needs nothing
    more to be shown by its label."""
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        checked = 0
        for form_key in TASK_FORMS:
            for field in form_fields(form_key).values():
                assert str(key_label(field.name, form_key)) == str(field.label), field.name
                if field.kind == CHOICE:
                    for code, label in field.choices.items():
                        assert str(field_value(field.name, code, form_key)) == str(label)
                        checked += 1
        assert checked > 80
        assert str(field_value("sex", "female", "person")) == "Weiblich"
        assert str(field_value("german_level", "none")) == "Keine Deutschkenntnisse"


def test_dates_and_dotted_keys_are_shown_by_their_form(app):
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert str(key_label("person.birth_date")) == "Person › Geburtsdatum"
        assert field_value("person.birth_date", "1991-04-12") == date(1991, 4, 12)
        kinds = form_fields("person")
        assert kinds["data_protection_notice_given"].kind == DATE
        assert str(code_label("outcome", "started")) == "Begonnen"
        assert str(code_label("role", "team_lead")) == "Teamleitung"
        assert str(code_label("referral_status", "accepted")) == "angenommen"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert str(key_label("person.birth_date")) == "Person › Date of birth"
        assert str(code_label("outcome", "not_started")) == "Not started"
    # a code nobody labels is shown as it is, never refused
    assert code_label("outcome", "something_new") == "something_new"
    assert str(key_label("no_such_field")) == "no_such_field"

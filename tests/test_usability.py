"""Findings of a walk through the app as its users: each one stays fixed."""

from __future__ import annotations

from datetime import date

from caseapp.services import cases, referrals
from tests.conftest import csrf_token
from tests.factories import posted
from tests.helpers import add_course, at_referral, open_case, ready_task


def test_revisiting_a_step_address_leads_to_the_case(login, ctx, people):
    case_id = open_case(ctx, people["anna"]).id
    task_id = ready_task(ctx, case_id).id
    response = login("anna").get(f"/cases/{case_id}/tasks/{task_id}")
    assert response.status_code == 302 and response.location.startswith(f"/cases/{case_id}")


def test_switching_language_after_a_refused_step_returns_to_the_case(login, ctx, people):
    case_id = open_case(ctx, people["anna"]).id
    client = login("anna")
    page = client.get(f"/cases/{case_id}").text
    action = f"/cases/{case_id}/tasks/{ready_task(ctx, case_id).id}"
    refused = client.post(action, data={"csrf_token": csrf_token(page), **posted(
        "person", sex="")}, headers={"Referer": f"http://localhost/cases/{case_id}"})
    assert refused.status_code == 422
    assert f'name="next" value="/cases/{case_id}"' in refused.text


def test_contact_details_from_the_new_case_are_not_asked_twice(login, ctx, people):
    case = cases.open_case(ctx, people["anna"], cases.NewCase(
        given_names="Amina", family_name="Haddad", birth_date=date(1991, 4, 12),
        municipality="Hildesheim", phone="0151 2345678", email="amina@example.org"))
    page = login("anna").get(f"/cases/{case.id}").text
    assert 'value="0151 2345678"' in page and 'value="amina@example.org"' in page


def test_the_referral_step_defaults_to_the_booked_course(login, ctx, people, places):
    course = add_course(ctx, places["vhs"], course_type="intensivkurs")
    case_id = at_referral(ctx, people["anna"])
    referrals.book_seat(ctx, people["anna"], case_id, course)
    page = login("anna").get(f"/cases/{case_id}").text
    assert '<option selected value="intensivkurs">' in page or \
        '<option value="intensivkurs" selected>' in page


def test_form_messages_and_fields_speak_german_and_carry_no_empty_aria(login, ctx, people):
    case_id = open_case(ctx, people["anna"]).id
    client = login("anna", language="de")
    page = client.get(f"/cases/{case_id}").text
    assert 'aria-describedby="None"' not in page and 'aria-invalid="None"' not in page
    action = f"/cases/{case_id}/tasks/{ready_task(ctx, case_id).id}"
    refused = client.post(action, data={"csrf_token": csrf_token(page), "form_key": "person"})
    assert "Dieses Feld wird benötigt." in refused.text
    assert "This field is required." not in refused.text


def test_the_process_picture_speaks_the_readers_language(login, ctx, people):
    case_id = open_case(ctx, people["anna"]).id
    german = login("anna", language="de").get(f"/cases/{case_id}/process").text
    assert "Situationsanalyse" in german
    assert "Neuzugewanderte Person kommt" in german and "Newcomer arrives" not in german
    english = login("anna").get(f"/cases/{case_id}/process").text
    assert "Newcomer arrives" in english


def test_every_interview_field_has_label_and_help_in_german_and_english(app):
    from forms import TASK_FORMS

    texts = {}
    for language in ("en", "de"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            texts[language] = {(key, field.name): (str(field.label.text), str(field.description))
                               for key, form_class in TASK_FORMS.items()
                               for field in form_class()}
    for field, (label, help_text) in texts["en"].items():
        german_label, german_help = texts["de"][field]
        assert label and help_text, field
        assert german_help != help_text, f"{field}: help text not translated"
        assert german_label != label or label in {"A1", "E-mail"}, f"{field}: label not translated"

"""Hostile input answers a clear 4xx, never a 5xx, and a refusal commits nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from caseapp.models import AuditEvent, Case, Referral
from caseapp.services import referrals
from forms import NewCaseForm
from forms.catalogue import CourseForm
from forms.interview import GoalsPlanForm, PersonForm, PracticalForm
from tests.conftest import csrf_token
from tests.helpers import add_course, at_referral, open_case, ready_task

# --- the tester's findings, one by one ------------------------------------------------


def test_an_id_beyond_the_database_range_is_not_found(login, ctx, people):
    case = open_case(ctx, people["anna"])
    client = login("anna")
    assert client.get(f"/cases/{case.id}").status_code == 200
    for huge in (2**31, 2**63 + 1, 10**30):
        response = client.get(f"/cases/{huge}")
        assert response.status_code == 404, huge
        assert "Page not found." in response.text
    board = login("lea").get("/team/", query_string={"assignee": str(2**63 + 1)})
    assert board.status_code == 200


def test_nul_in_a_name_is_a_field_error_and_the_input_is_kept(login, ctx, people):
    client = login("anna")
    token = csrf_token(client.get("/cases/new").text)
    response = client.post("/cases/new", data={
        "csrf_token": token, "given_names": "Am\x00ina", "family_name": "Haddad",
        "birth_date": "1991-04-12", "municipality": "Hildesheim"})
    assert response.status_code == 422
    assert 'id="given_names-error"' in response.text
    assert "Please remove invisible control characters from this field." in response.text
    assert 'value="Haddad"' in response.text and 'value="1991-04-12"' in response.text
    assert ctx.session.scalar(select(func.count()).select_from(Case)) == 0


def test_control_characters_message_is_in_german_too(login, ctx, people):
    client = login("anna", language="de")
    token = csrf_token(client.get("/cases/new").text)
    response = client.post("/cases/new", data={
        "csrf_token": token, "given_names": "Amina\x1b", "family_name": "Haddad",
        "birth_date": "1991-04-12", "municipality": "Hildesheim"})
    assert "Bitte entfernen Sie unsichtbare Steuerzeichen aus diesem Feld." in response.text


def test_a_reason_with_a_nul_byte_is_refused_and_nothing_changes(login, ctx, people, places):
    course = add_course(ctx, places["vhs"])
    case_id = at_referral(ctx, people["anna"])
    booked = referrals.book_seat(ctx, people["anna"], case_id, course)
    client = login("anna", language="de")
    token = csrf_token(client.get(f"/cases/{case_id}").text)
    response = client.post(f"/referrals/{booked.id}/cancel", data={
        "csrf_token": token, "case_id": case_id, "reason": "Umzug\x00"})
    assert response.status_code == 422
    assert "unsichtbare Steuerzeichen" in response.text
    ctx.session.rollback()
    assert ctx.session.get(Referral, booked.id).status == "booked"


def test_layout_characters_stay_allowed_only_in_multi_line_text():
    form = PracticalForm(MultiDict({"availability": "part_time", "time_of_day": "mornings",
                                    "benefits": "sgb2", "notes": "Montags:\tfrei\r\nsonst: nie"}))
    assert form.validate(), form.errors
    person = PersonForm(MultiDict({"place_of_birth": "Aleppo\tSyrien"}))
    person.validate()
    assert "Please remove invisible control characters from this field." \
        in person.place_of_birth.errors


def test_dates_far_off_are_refused_in_forms():
    new_case = NewCaseForm(MultiDict({"given_names": "A", "family_name": "B",
                                      "birth_date": "0001-01-01", "municipality": "C"}))
    assert not new_case.validate()
    assert new_case.birth_date.errors == ["This date lies too far in the past."]
    goals = GoalsPlanForm(MultiDict({"goals_own_words": "a", "agreed_plan": "b",
                                     "next_appointment": "9999-12-31"}))
    assert not goals.validate()
    assert goals.next_appointment.errors == ["This date lies too far in the future."]
    course = CourseForm(MultiDict({"start_date": "9999-12-31"}))
    course.provider_id.choices = []
    course.validate()
    assert course.start_date.errors == ["This date lies too far in the future."]


def test_an_export_over_year_1_to_9999_is_refused_clearly(login, people):
    client = login("ida")
    dates = {"from": "0001-01-01", "to": "9999-12-31"}
    for export in ("/audit/events.csv", "/audit/events.json"):
        response = client.get(export, query_string=dates)
        assert response.status_code == 422
        assert "“0001-01-01” lies outside the dates that can be searched" in response.text
        assert "“9999-12-31” lies outside" in response.text
        assert "Nothing was exported." in response.text
    page = client.get("/audit/events", query_string=dates)
    assert page.status_code == 200 and "lies outside the dates" in page.text
    exported = client.get("/audit/events.csv", query_string={"from": "2026-01-01"})
    assert exported.status_code == 200


def test_offer_status_without_its_case_is_refused_before_anything_changes(
        login, ctx, people):
    case_id = at_referral(ctx, people["anna"])
    offer = referrals.refer_offer(ctx, people["anna"], case_id, "kita")
    client = login("anna")
    token = csrf_token(client.get(f"/cases/{case_id}").text)
    response = client.post(f"/referrals/{offer.id}/status",
                           data={"csrf_token": token, "status": "done"})
    assert response.status_code == 400
    assert "The request did not say which case it belongs to." in response.text
    ctx.session.rollback()
    assert ctx.session.get(Referral, offer.id).status == "open"
    assert not ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.type == "referral_status_changed")).all()
    done = client.post(f"/referrals/{offer.id}/status",
                       data={"csrf_token": token, "status": "done", "case_id": case_id})
    assert done.status_code == 302 and done.location == f"/cases/{case_id}"


def test_a_body_over_a_megabyte_is_refused(login, ctx, people):
    case = open_case(ctx, people["anna"])
    task = ready_task(ctx, case.id)
    client = login("anna")
    token = csrf_token(client.get(f"/cases/{case.id}").text)
    big = "x" * (20 * 2**20)
    page = client.post("/cases/new", data={"csrf_token": token, "given_names": big})
    assert page.status_code == 413
    assert "too large (more than 1 MB)" in page.text
    autosave = client.post(f"/cases/{case.id}/tasks/{task.id}/draft?autosave=1",
                           data={"csrf_token": token, "form_key": "person",
                                 "place_of_birth": big})
    assert autosave.status_code == 413
    assert autosave.json["saved"] is False and "too large" in autosave.json["message"]
    assert ready_task(ctx, case.id).draft_json is None


def test_an_oversized_draft_field_is_refused_and_not_stored(login, ctx, people):
    case = open_case(ctx, people["anna"])
    task = ready_task(ctx, case.id)
    client = login("anna")
    token = csrf_token(client.get(f"/cases/{case.id}").text)
    draft = f"/cases/{case.id}/tasks/{task.id}/draft"
    data = {"csrf_token": token, "form_key": "person", "nationalities": "syrisch"}
    too_long = client.post(draft + "?autosave=1", data={**data, "place_of_birth": "x" * 201})
    assert too_long.status_code == 422 and too_long.json["saved"] is False
    assert too_long.json["message"] == ("“Place of birth” is too long to be kept as a draft "
                                        "(at most 200 characters). Nothing was saved.")
    choice = client.post(draft + "?autosave=1", data={**data, "sex": "f" * 101})
    assert choice.status_code == 422 and "“Sex”" in choice.json["message"]
    explicit = client.post(draft, data={**data, "address": "Marktstr. 1\x00"})
    assert explicit.status_code == 422
    assert "“Address” contains invisible control characters" in explicit.text
    assert 'value="syrisch"' in explicit.text  # the input is shown again
    assert ready_task(ctx, case.id).draft_json is None
    german = login("anna", language="de")
    data["csrf_token"] = csrf_token(german.get(f"/cases/{case.id}").text)
    german = german.post(draft + "?autosave=1", data={**data, "place_of_birth": "x" * 201})
    assert german.json["message"].startswith("„Geburtsort“ ist zu lang")


def test_a_waiting_list_needs_a_known_provider_and_course_type(login, ctx, people, places):
    case_id = at_referral(ctx, people["anna"])
    client = login("anna")
    token = csrf_token(client.get(f"/cases/{case_id}").text)
    for provider, course_type in ((places["vhs"], "x" * 50), (99999, "integrationskurs")):
        response = client.post(f"/cases/{case_id}/referrals/wait", follow_redirects=True,
                               data={"csrf_token": token, "provider_id": provider,
                                     "course_type": course_type})
        assert "Choose a course, or a provider and a course type." in response.text
    ctx.session.rollback()
    assert not ctx.session.scalars(select(Referral)).all()


def test_a_malformed_request_is_explained_in_the_readers_language(login, people):
    client = login("adam", language="de")
    token = csrf_token(client.get("/admin/users").text)
    response = client.post(f"/admin/users/{people['anna'].id}/active",
                           data={"csrf_token": token, "active": "maybe"})
    assert response.status_code == 400
    assert "Die Anfrage war unvollständig oder fehlerhaft." in response.text
    expired = client.post(f"/admin/users/{people['anna'].id}/active", data={"active": "1"})
    assert expired.status_code == 400
    assert "Das Formular war abgelaufen" in expired.text

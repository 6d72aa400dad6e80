"""Referral and catalogue through the web layer (Flask test client)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from caseapp.models import Course
from caseapp.services import referrals, timers
from tests.conftest import csrf_token
from tests.factories import person
from tests.helpers import add_course, at_referral, complete, complete_until, open_case


def test_counsellor_sees_the_rule_books_a_seat_and_prints_the_slip(login, ctx, people, places):
    course = add_course(ctx, places["vhs"], seats=5, title="Integrationskurs vormittags")
    case_id = at_referral(ctx, people["anna"])
    client = login("anna")
    page = client.get(f"/cases/{case_id}").text
    assert "General integration course" in page
    assert "literate in Latin script, below B1, a route into an integration course" in page
    assert f'<tr data-course="{course}">' in page and "recommended course type" in page
    booked = client.post(f"/cases/{case_id}/referrals/book",
                         data={"csrf_token": csrf_token(page), "course_id": course})
    assert booked.status_code == 302
    page = client.get(booked.location).text
    assert "Seat booked." in page and '<td class="status">booked</td>' in page
    slip_url = re.search(r'href="(/referrals/\d+/slip)"', page).group(1)
    slip = client.get(slip_url).text
    name = f"{person()['given_names']} {person()['family_name']}"
    for expected in (name, "Integrationskurs vormittags", "Pfaffenstieg 4", "Pass"):
        assert expected in slip


def test_the_referral_step_defaults_to_the_booked_course(login, ctx, people, places):
    """Once a seat is booked, the referral step proposes that course's type."""
    course = add_course(ctx, places["vhs"], course_type="intensivkurs")
    case_id = at_referral(ctx, people["anna"])
    referrals.book_seat(ctx, people["anna"], case_id, course)
    page = login("anna").get(f"/cases/{case_id}").text
    assert '<option selected value="intensivkurs">' in page or \
        '<option value="intensivkurs" selected>' in page


def test_the_last_seat_taken_meanwhile_is_a_clear_message(login, ctx, people, places):
    course = add_course(ctx, places["vhs"], seats=1)
    case_id = at_referral(ctx, people["anna"])
    client = login("anna")
    page = client.get(f"/cases/{case_id}").text
    other = at_referral(ctx, people["anna"], family_name="Zwei")
    referrals.book_seat(ctx, people["anna"], other, course)
    response = client.post(f"/cases/{case_id}/referrals/book",
                           data={"csrf_token": csrf_token(page), "course_id": course},
                           follow_redirects=True)
    assert "The last seat of this course was just taken" in response.text
    assert 'role="alert"' in response.text
    ctx.session.rollback()
    assert ctx.session.get(Course, course).seats_taken == 1


def test_auditor_sees_the_referral_without_actions(login, ctx, people, places):
    course = add_course(ctx, places["vhs"])
    case_id = at_referral(ctx, people["anna"])
    client = login("ida")
    page = client.get(f"/cases/{case_id}").text
    assert "Matching courses" in page and "Book seat" not in page
    response = client.post(f"/cases/{case_id}/referrals/book",
                           data={"csrf_token": csrf_token(page), "course_id": course})
    assert response.status_code == 403


def test_other_offer_and_its_status(login, ctx, people, places):
    case_id = at_referral(ctx, people["anna"])
    client = login("anna")
    page = client.get(f"/cases/{case_id}").text
    client.post(f"/cases/{case_id}/referrals/offer", data={
        "csrf_token": csrf_token(page), "offer": "kita", "note": "Kita Sonnenschein"})
    page = client.get(f"/cases/{case_id}").text
    referral_id = re.search(r'<tr data-referral="(\d+)">', page).group(1)
    client.post(f"/referrals/{referral_id}/status", data={
        "csrf_token": csrf_token(page), "status": "accepted", "case_id": case_id})
    page = client.get(f"/cases/{case_id}").text
    assert "Kita place (application)" in page and '<td class="status">accepted</td>' in page


def test_admin_adds_a_course_with_errors_shown_and_input_kept(login, ctx, people, places):
    client = login("adam")
    page = client.get("/admin/catalogue").text
    data = {"csrf_token": csrf_token(page), "provider_id": places["vhs"],
            "course_type": "integrationskurs", "title": "Abendkurs", "target_level": "B1",
            "start_date": "2026-04-01", "schedule": "part_time", "time_of_day": "evenings",
            "location": "Pfaffenstieg 4", "seats_total": "0", "what_to_bring": "Pass"}
    refused = client.post("/admin/courses", data=data)
    assert refused.status_code == 422
    assert 'id="seats_total-error"' in refused.text and 'value="Abendkurs"' in refused.text
    created = client.post("/admin/courses", data={**data, "seats_total": "12"})
    assert created.status_code == 302
    assert ctx.session.scalars(select(Course.title)).all() == ["Abendkurs"]
    assert login("anna").get("/admin/catalogue").status_code == 403


def test_team_lead_reopens_a_closed_case(login, ctx, people, clock):
    from caseapp.services import timers
    from tests.helpers import complete
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    complete(ctx, people["anna"], case.id, "follow_up")
    client = login("lea")
    page = client.get(f"/cases/{case.id}").text
    assert "Reopen case" in page and "Started" in page
    client.post(f"/cases/{case.id}/reopen", data={"csrf_token": csrf_token(page),
                                                  "reason": "Kurs abgebrochen"})
    page = client.get(f"/cases/{case.id}").text
    assert "Reopen case" not in page and 'aria-current="step"' in page


@pytest.mark.parametrize("outcome", ["not_started", "dropped_out"])
def test_a_closed_case_tells_the_counsellor_how_to_go_on(login, ctx, people, clock, outcome):
    """Not "No step is open": the outcome, and which team lead can reopen the case."""
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    complete(ctx, people["anna"], case.id, "follow_up", follow_up_result=outcome,
             reason="Kind krank")
    page = login("anna", "de").get(f"/cases/{case.id}").text
    said = re.search(r'<p class="closed-next">(.*?)</p>', page, re.S).group(1)
    label = {"not_started": "Nicht begonnen", "dropped_out": "Abgebrochen"}[outcome]
    assert f"Der Fall ist abgeschlossen (Ergebnis: {label})." in said
    assert "Für eine neue Vermittlung kann eine Teamleitung den Fall wieder öffnen: Lea." \
        in " ".join(said.split())
    assert "Derzeit ist kein Schritt offen." not in page
    lead = login("lea", "de").get(f"/cases/{case.id}").text
    assert "mit „Fall wieder öffnen“" in lead and 'class="inline-form reopen"' in lead



def selected(page: str, select_name: str) -> list[str]:
    """The values a select of the page starts with (what one click would send)."""
    select = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', page, re.S)
    return [a or b for a, b in re.findall(
        r'<option (?:selected value="([^"]*)"|value="([^"]*)" selected)', select.group(1))]


def at_referral_with(ctx, actor, **answers_by_step) -> int:
    case = open_case(ctx, actor)
    complete_until(ctx, actor, case.id, "language_literacy", **answers_by_step)
    return case.id


def test_the_referral_step_proposes_the_recommendation_when_nothing_is_booked(login, ctx,
                                                                              people):
    """Someone not literate in any script is recommended a literacy course: the step
    proposes that, so completing it needs no reason for deviating."""
    case_id = at_referral_with(ctx, people["anna"],
                               language_literacy={"literacy": "none", "german_level": "none"})
    page = login("anna", language="de").get(f"/cases/{case_id}").text
    assert selected(page, "course_type") == ["alphabetisierung"]


def test_other_offers_start_unchosen_with_the_recommended_ones_marked(login, ctx, people):
    """One clear choice: nothing preselected; what the rules recommend says so."""
    case_id = at_referral_with(ctx, people["anna"],
                               education_work={"qualification_abroad": "yes"})
    page = login("anna", language="de").get(f"/cases/{case_id}").text
    assert selected(page, "offer") == []
    offers = page.split('name="offer"', 1)[1].split("</select>", 1)[0]
    assert " – empfohlen</option>" in offers and "(empfohlen)" not in offers


def test_schedule_and_time_of_day_are_joined_not_run_into_a_sentence(login, ctx, people,
                                                                      places):
    """ "Teilzeit · Vormittags": two labels side by side, not "Teilzeit, Vormittags"."""
    course = add_course(ctx, places["vhs"], schedule="part_time")
    case_id = at_referral(ctx, people["anna"])
    client = login("anna", language="de")
    assert "Teilzeit · Vormittags" in client.get(f"/cases/{case_id}").text
    seat = referrals.book_seat(ctx, people["anna"], case_id, course).id
    assert "Teilzeit · Vormittags" in client.get(f"/referrals/{seat}/slip").text
    assert "Teilzeit · Vormittags" in login("adam", "de").get("/admin/catalogue").text


def test_the_follow_up_answer_starts_unanswered_and_must_be_given(login, ctx, people, clock):
    """No click records a start by default: the answer is chosen or the step is refused."""
    case_id = at_referral(ctx, people["anna"])
    complete(ctx, people["anna"], case_id, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    client = login("anna", language="de")
    page = client.get(f"/cases/{case_id}").text
    assert selected(page, "follow_up_result") == []  # the blank choice, nothing picked
    action = re.search(r'action="(/cases/\d+/tasks/\d+)"', page).group(1)
    row_version = re.search(r'name="row_version" value="(\d+)"', page).group(1)
    refused = client.post(action, data={"csrf_token": csrf_token(page),
                                        "form_key": "follow_up", "row_version": row_version,
                                        "follow_up_result": "", "reason": ""})
    assert refused.status_code == 422
    assert "Dieses Feld wird benötigt." in refused.text


def test_the_recommendation_shows_the_admission_route_and_the_next_step(login, ctx, people):
    """Admission on application is shown as not admitted, with the application to BAMF as
    the integration course's next step, and the EOK as what to book meanwhile (in German)."""
    case_id = at_referral_with(ctx, people["anna"], residence={
        "residence_document": "aufenthaltsgestattung", "course_status": "admission_possible",
        "admission_application": "not_applied", "course_issuer": ""})
    panel = login("anna", language="de").get(f"/cases/{case_id}").text.split(
        'class="referral-panel"', 1)[1].split("</section>", 1)[0]
    admission = panel.split('class="admission"', 1)[1].split("</p>", 1)[0]
    assert "Zulassung auf Antrag" in admission and "(noch) nicht zugelassen" in admission
    assert "Antrag auf Zulassung beim BAMF" not in admission  # the course says it, once
    items = re.findall(r"<li>(.*?)</li>", panel.split('class="recommendations"', 1)[1], re.S)
    course, bridge = items[0], items[1]
    assert "Allgemeiner Integrationskurs" in course
    assert "Antrag auf Zulassung beim BAMF" in course
    assert "Erstorientierungskurs" in bridge and "direkt beim Kursträger" in bridge


def test_an_entitled_person_is_not_shown_as_waiting_for_admission(login, ctx, people):
    case_id = at_referral(ctx, people["anna"])
    page = login("anna", language="de").get(f"/cases/{case_id}").text
    admission = page.split('class="admission"', 1)[1].split("</p>", 1)[0]
    assert "Teilnahmeberechtigt" in admission and "nicht zugelassen" not in admission
    course = page.split('class="recommendations"', 1)[1].split("</li>", 1)[0]
    assert "Bestätigung der Teilnahmeberechtigung" in course


def test_the_route_names_who_obliged_and_when(login, ctx, people):
    """Obliged by the Jobcenter on a day: the panel says so, day first, in German."""
    case_id = at_referral_with(ctx, people["anna"], residence={
        "course_status": "obliged", "course_issuer": "jobcenter",
        "course_decision_date": date(2022, 6, 1)})
    page = login("anna", language="de").get(f"/cases/{case_id}").text
    admission = page.split('class="admission"', 1)[1].split("</p>", 1)[0]
    assert "Zur Teilnahme verpflichtet" in admission
    assert "durch: Jobcenter, am 01.06.2022" in admission


def test_a_route_to_clarify_is_the_next_step_when_no_course_can_be_recommended(
        login, ctx, people):
    case_id = at_referral_with(ctx, people["anna"], residence={"course_status": "unknown",
                                                              "course_issuer": ""})
    page = login("anna", language="de").get(f"/cases/{case_id}").text
    admission = page.split('class="admission"', 1)[1].split("</p>", 1)[0]
    assert "Nächster Schritt:" in admission


def test_distances_are_written_as_the_reader_writes_numbers(login, ctx, people, places):
    """ "19,1 km" on a German page, "19.1 km" on an English one."""
    course = add_course(ctx, places["alfeld"])
    case_id = at_referral(ctx, people["anna"])
    row = rf'<tr data-course="{course}">.*?</tr>'
    german = re.search(row, login("anna", "de").get(f"/cases/{case_id}").text, re.S).group(0)
    english = re.search(row, login("anna").get(f"/cases/{case_id}").text, re.S).group(0)
    km = re.search(r"· (\d+,\d)&nbsp;km", german).group(1)
    assert f"· {km.replace(',', '.')}&nbsp;km" in english

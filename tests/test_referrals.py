"""Referral: ranking, seats (never overbooked), waiting lists, other offers, close, reopen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from caseapp.models import AuditEvent, Case, Course, Referral
from caseapp.services import cases, catalogue, course_ranking, referral_slip, referrals, timers
from caseapp.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.helpers import (
    add_course,
    at_referral,
    complete,
    complete_until,
    open_case,
    ready_task,
    run_concurrently,
)


def seats(ctx, course_id):
    ctx.session.rollback()
    course = ctx.session.get(Course, course_id)
    return course.seats_taken, course.seats_total


def statuses(ctx, case_id):
    ctx.session.rollback()
    return [r.status for r in ctx.session.scalars(
        select(Referral).where(Referral.case_id == case_id).order_by(Referral.id))]


def test_courses_are_ranked_by_fit_with_reasons(ctx, people, places):
    near = add_course(ctx, places["vhs"], title="near")
    full = add_course(ctx, places["vhs"], seats=1, title="full")
    far = add_course(ctx, places["alfeld"], title="far")
    other_type = add_course(ctx, places["vhs"], course_type="alphabetisierung")
    referrals.book_seat(ctx, people["anna"], at_referral(ctx, people["anna"], family_name="X"),
                        full)
    case_id = at_referral(ctx, people["anna"])
    ranked = course_ranking.rank_courses(ctx, people["anna"], case_id)
    order = [m.course.id for m in ranked]
    assert order[:3] == [near, far, full] and other_type not in order  # full courses last
    assert "free seats" in ranked[0].fits and ranked[0].mismatches == ()
    assert "farther than the person can travel" in ranked[1].mismatches
    assert ranked[1].distance_km > 10
    assert "full: waiting list only" in ranked[2].mismatches


def test_booking_counts_the_seat_and_is_audited(ctx, people, places):
    course = add_course(ctx, places["vhs"], seats=2)
    case_id = at_referral(ctx, people["anna"])
    referrals.book_seat(ctx, people["anna"], case_id, course)
    assert seats(ctx, course) == (1, 2)
    assert ctx.session.get(Case, case_id).referred_course_type == "integrationskurs"
    with pytest.raises(Conflict, match="already has a seat"):
        referrals.book_seat(ctx, people["anna"], case_id, course)
    assert seats(ctx, course) == (1, 2)
    assert ctx.session.scalars(select(AuditEvent.type).where(
        AuditEvent.case_id == case_id).order_by(AuditEvent.seq.desc())).first() == "seat_booked"


def test_race_for_the_last_seat_one_wins(runtime, people, places):
    setup = runtime.context(runtime.sessions())
    course = add_course(setup, places["vhs"], seats=1)
    first = at_referral(setup, people["anna"], family_name="Eins")
    second = at_referral(setup, people["lea"], family_name="Zwei")
    setup.session.close()
    outcomes = run_concurrently(
        runtime,
        lambda ctx: referrals.book_seat(ctx, people["anna"], first, course),
        lambda ctx: referrals.book_seat(ctx, people["lea"], second, course))
    assert sorted(kind for kind, _text in outcomes) == ["ok", "refused"], outcomes
    [refused] = [text for kind, text in outcomes if kind == "refused"]
    assert "last seat" in refused and "waiting list" in refused
    check = runtime.context(runtime.sessions())
    assert seats(check, course) == (1, 1)
    check.session.close()


def test_freed_seat_goes_to_who_waits_longest(ctx, people, places, clock):
    course = add_course(ctx, places["vhs"], seats=1)
    holder = at_referral(ctx, people["anna"], family_name="Eins")
    first_waiting = at_referral(ctx, people["anna"], family_name="Zwei")
    second_waiting = at_referral(ctx, people["anna"], family_name="Drei")
    booked = referrals.book_seat(ctx, people["anna"], holder, course)
    with pytest.raises(Conflict):
        referrals.book_seat(ctx, people["anna"], first_waiting, course)
    referrals.join_waiting_list(ctx, people["anna"], first_waiting, course_id=course)
    clock.advance(minutes=1)
    referrals.join_waiting_list(ctx, people["anna"], second_waiting, course_id=course)
    with pytest.raises(InvalidInput):
        referrals.cancel_seat(ctx, people["anna"], booked.id, "  ")
    referrals.cancel_seat(ctx, people["anna"], booked.id, "moved to Hannover")
    assert statuses(ctx, first_waiting) == ["offered"]
    assert statuses(ctx, second_waiting) == ["waiting"]
    assert seats(ctx, course) == (1, 1)  # held for the person it was offered to
    offered = ctx.session.scalars(select(Referral).where(
        Referral.case_id == first_waiting)).one()
    referrals.cancel_seat(ctx, people["anna"], offered.id, "declined the offer")
    assert statuses(ctx, second_waiting) == ["offered"]
    offered = ctx.session.scalars(select(Referral).where(
        Referral.case_id == second_waiting)).one()
    referrals.confirm_offered_seat(ctx, people["anna"], offered.id)
    assert statuses(ctx, second_waiting) == ["booked"] and seats(ctx, course) == (1, 1)


def test_a_closing_case_gives_up_its_waiting_places(ctx, people, places, clock):
    """A closed case leaves every waiting list, so a freed seat goes to an open case."""
    course = add_course(ctx, places["vhs"], seats=1)
    holder = at_referral(ctx, people["anna"], family_name="Eins")
    closing = open_case(ctx, people["anna"], family_name="Zwei")
    complete_until(ctx, people["anna"], closing.id, "language_literacy")
    still_open = at_referral(ctx, people["anna"], family_name="Drei")
    booked = referrals.book_seat(ctx, people["anna"], holder, course)
    referrals.join_waiting_list(ctx, people["anna"], closing.id, course_id=course)
    clock.advance(minutes=1)
    referrals.join_waiting_list(ctx, people["anna"], still_open, course_id=course)
    complete(ctx, people["anna"], closing.id, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    complete(ctx, people["anna"], closing.id, "follow_up", follow_up_result="not_started",
             reason="anderer Kurs")
    ctx.session.rollback()
    assert ctx.session.get(Case, closing.id).status == "closed"
    assert ctx.session.scalars(select(Referral.status).where(
        Referral.case_id == closing.id)).all() == ["cancelled"]
    referrals.cancel_seat(ctx, people["anna"], booked.id, "verzogen")
    ctx.session.rollback()
    assert ctx.session.scalars(select(Referral.status).where(
        Referral.case_id == still_open)).all() == ["offered"]


def test_a_new_matching_course_or_more_seats_are_offered_to_waiting_people(ctx, people, places):
    case_id = at_referral(ctx, people["anna"])
    referrals.join_waiting_list(ctx, people["anna"], case_id, provider_id=places["vhs"],
                                course_type="integrationskurs")
    add_course(ctx, places["vhs"], course_type="alphabetisierung")  # not matching
    assert statuses(ctx, case_id) == ["waiting"]
    new_course = add_course(ctx, places["vhs"], seats=3)
    assert statuses(ctx, case_id) == ["offered"] and seats(ctx, new_course) == (1, 3)

    other = at_referral(ctx, people["anna"], family_name="Zwei")
    full = add_course(ctx, places["alfeld"], seats=1)
    referrals.book_seat(ctx, people["anna"], other, full)
    third = at_referral(ctx, people["anna"], family_name="Drei")
    referrals.join_waiting_list(ctx, people["anna"], third, course_id=full)
    with pytest.raises(InvalidInput):
        catalogue.set_course_seats(ctx, people["adam"], full, 0)
    with pytest.raises(Forbidden):
        catalogue.set_course_seats(ctx, people["lea"], full, 2)
    catalogue.set_course_seats(ctx, people["adam"], full, 2)
    assert statuses(ctx, third) == ["offered"] and seats(ctx, full) == (2, 2)


def test_other_offers_are_recorded_with_status(ctx, people, places):
    case_id = at_referral(ctx, people["anna"])
    kita = referrals.refer_offer(ctx, people["anna"], case_id, "kita", "Kita Sonnenschein")
    with pytest.raises(InvalidInput):
        referrals.refer_offer(ctx, people["anna"], case_id, "spa")
    referrals.set_offer_status(ctx, people["anna"], kita.id, "accepted")
    with pytest.raises(InvalidInput):
        referrals.set_offer_status(ctx, people["anna"], kita.id, "maybe")
    assert statuses(ctx, case_id) == ["accepted"]
    changed = ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.type == "referral_status_changed")).one()
    assert changed.details == {"referral": kita.id, "from": "open", "to": "accepted"}


def test_writes_are_refused_to_auditors_and_other_teams(ctx, people, places):
    course = add_course(ctx, places["vhs"])
    case_id = at_referral(ctx, people["anna"])
    with pytest.raises(Forbidden):
        referrals.book_seat(ctx, people["ida"], case_id, course)
    with pytest.raises(NotFound):
        referrals.book_seat(ctx, people["sami"], case_id, course)
    with pytest.raises(Forbidden):
        referrals.book_seat(ctx, people["ben"], case_id, course)  # a colleague's case
    assert seats(ctx, course) == (0, 10)
    with pytest.raises(NotFound):
        referral_slip.referral_slip(ctx, people["anna"], 999)


def test_follow_up_closes_the_case_and_a_team_lead_reopens_it(ctx, people, clock):
    anna = people["anna"]
    case = open_case(ctx, anna)
    complete_until(ctx, anna, case.id, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    complete(ctx, anna, case.id, "follow_up", follow_up_result="dropped_out",
             reason="Umzug")
    ctx.session.rollback()
    closed = ctx.session.get(Case, case.id)
    assert (closed.status, closed.referral_outcome) == ("closed", "dropped_out")
    with pytest.raises(Forbidden):
        cases.reopen_case(ctx, anna, case.id, "zurück")
    with pytest.raises(InvalidInput):
        cases.reopen_case(ctx, people["lea"], case.id, "")
    cases.reopen_case(ctx, people["lea"], case.id, "zurück nach Hildesheim gezogen")
    ctx.session.rollback()
    reopened = ctx.session.get(Case, case.id)
    assert (reopened.status, reopened.referral_outcome, reopened.current_step) == (
        "open", None, "Task_referral")
    assert ready_task(ctx, case.id).assignee_id == anna.id
    complete(ctx, anna, case.id, "referral")
    ctx.session.rollback()
    assert ctx.session.get(Case, case.id).due_at == clock() + timedelta(days=42)
    types = list(ctx.session.scalars(select(AuditEvent.type).where(
        AuditEvent.case_id == case.id).order_by(AuditEvent.seq)))
    assert types.count("case_closed") == 1 and "case_reopened" in types


@pytest.mark.parametrize("outcome, seat_after, waiting_after", [
    ("not_started", "cancelled", "offered"), ("dropped_out", "cancelled", "offered"),
    ("started", "booked", "waiting")])
def test_a_course_that_did_not_start_gives_its_seat_to_who_waits(ctx, people, places, clock,
                                                                 outcome, seat_after,
                                                                 waiting_after):
    """Closing with "not started" or "dropped out" frees the booked seat and offers it to
    who waits longest; a course that started keeps its participant's seat."""
    course = add_course(ctx, places["vhs"], seats=1)
    holder = at_referral(ctx, people["anna"], family_name="Eins")
    waiting = at_referral(ctx, people["anna"], family_name="Zwei")
    referrals.book_seat(ctx, people["anna"], holder, course)
    referrals.join_waiting_list(ctx, people["anna"], waiting, course_id=course)
    complete(ctx, people["anna"], holder, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    complete(ctx, people["anna"], holder, "follow_up", follow_up_result=outcome,
             reason="" if outcome == "started" else "Kinderbetreuung fehlt")
    ctx.session.rollback()
    assert ctx.session.get(Case, holder).status == "closed"
    assert ctx.session.scalars(select(Referral.status).where(
        Referral.case_id == holder)).all() == [seat_after]
    assert ctx.session.scalars(select(Referral.status).where(
        Referral.case_id == waiting)).all() == [waiting_after]
    assert ctx.session.get(Course, course).seats_taken == 1  # given on, or still held


@pytest.mark.parametrize("outcome, seat_after, seats_taken", [
    ("started", "booked", 1), ("not_started", "cancelled", 0)])
def test_a_course_started_in_an_offered_seat_keeps_it(ctx, people, places, clock, login,
                                                      outcome, seat_after, seats_taken):
    """Offered from the waiting list and never confirmed on the page: "started" books the
    seat the person sits in; "not started" gives it on."""
    course = add_course(ctx, places["vhs"], seats=1, days=10)
    holder = at_referral(ctx, people["anna"], family_name="Eins")
    booked = referrals.book_seat(ctx, people["anna"], holder, course)
    waiting = at_referral(ctx, people["anna"], family_name="Zwei")
    referrals.join_waiting_list(ctx, people["anna"], waiting, course_id=course)
    complete(ctx, people["anna"], waiting, "referral")
    referrals.cancel_seat(ctx, people["anna"], booked.id, "verzogen")  # offered to Zwei
    clock.advance(days=18)  # a week after the course's start
    timers.fire_due_timers(ctx)
    complete(ctx, people["anna"], waiting, "follow_up", follow_up_result=outcome,
             reason="" if outcome == "started" else "Kinderbetreuung fehlt")
    ctx.session.rollback()
    case = ctx.session.get(Case, waiting)
    assert case.status == "closed"
    assert ctx.session.scalars(select(Referral.status).where(
        Referral.case_id == waiting)).all() == [seat_after]
    assert ctx.session.get(Course, course).seats_taken == seats_taken
    details = [e.details for e in ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == waiting, AuditEvent.type.in_(["seat_booked", "seat_cancelled"])))]
    assert details[-1]["because"] == ("course_started" if outcome == "started"
                                      else "case_closed")
    history = login("ida", "de").get(f"/audit/cases/{waiting}").text
    why = "der Kurs hat begonnen" if outcome == "started" else "der Fall wurde abgeschlossen"
    assert "Warum" in history and why in history
    shown = re.sub(r"<[^>]*>", " ", history)  # the text, not the codes in attributes
    assert "because" not in shown and details[-1]["because"] not in shown


@pytest.mark.parametrize("years_ago, mbe", [(1, True), (5, False)])
def test_adult_counselling_counts_the_years_from_arrival_to_the_intake(ctx, people, years_ago,
                                                                       mbe):
    """The case's own intake day is what the three years of MBE are counted up to."""
    today = ctx.now().date()
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "language_literacy", residence={
        "arrival_date": today.replace(year=today.year - years_ago, day=1)})
    context = referrals.referral_context(ctx, case.id)
    assert ("mbe" in context["recommended_offers"]) is mbe

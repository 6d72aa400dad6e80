"""The follow-up ("did the course start?") is due after the booked course's start, not a fixed
time after the referral, and moves when the seats change."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from caseapp import create_app
from caseapp.models import AuditEvent, Case, Course, ProcessInstance, Referral
from caseapp.services import referrals, timers
from tests.conftest import TestConfig
from tests.helpers import add_course, at_referral, complete, ready_task
from tests.test_engine import DATE_TIMER, DURATION_TIMER, library_with
from workflows import ProcessEngine


def due(ctx, case_id) -> datetime:
    ctx.session.rollback()
    return ctx.session.get(Case, case_id).due_at


def start_of(ctx, course_id) -> datetime:
    """The beginning of the course's first day in the office's time zone (Europe/Berlin)."""
    day = ctx.session.get(Course, course_id).start_date
    return datetime.combine(day, time.min, tzinfo=ZoneInfo("Europe/Berlin"))


def referral_of(ctx, case_id) -> Referral:
    ctx.session.rollback()
    return ctx.session.scalars(select(Referral).where(Referral.case_id == case_id)).one()


def test_the_follow_up_is_due_a_week_after_the_booked_course_starts(ctx, people, places,
                                                                     clock):
    """A course starting in 100 days is followed up after it began, not after six weeks."""
    anna = people["anna"]
    course = add_course(ctx, places["vhs"], days=100)  # starts 10.06.2026
    case_id = at_referral(ctx, anna)
    referrals.book_seat(ctx, anna, case_id, course)
    complete(ctx, anna, case_id, "referral")
    assert due(ctx, case_id) == start_of(ctx, course) + timedelta(days=7)
    clock.advance(days=43)
    assert timers.fire_due_timers(ctx) == 0
    assert ready_task(ctx, case_id) is None
    clock.current = start_of(ctx, course) + timedelta(days=7, seconds=1)
    assert timers.fire_due_timers(ctx) == 1
    assert ready_task(ctx, case_id).form_key == "follow_up"


def test_the_period_after_the_start_is_a_setting(db_url, clock, tmp_path, ctx, people,
                                                  places):
    """A centre that asks three days after the start (ANKOMMEN_FOLLOW_UP_AFTER_START)."""
    app = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                     FOLLOW_UP_AFTER_START="P3D")
    runtime = app.extensions["ankommen"]
    runtime.clock = clock
    short = runtime.context(runtime.sessions())
    course = add_course(ctx, places["vhs"], days=100)
    case_id = at_referral(short, people["ben"])
    referrals.book_seat(short, people["ben"], case_id, course)
    complete(short, people["ben"], case_id, "referral")
    assert due(ctx, case_id) == start_of(ctx, course) + timedelta(days=3)
    short.session.close()
    runtime.db.dispose()


def test_without_a_seat_the_follow_up_is_due_after_the_referral(ctx, people, places, clock):
    anna = people["anna"]
    full = add_course(ctx, places["vhs"], seats=1, days=100)
    referrals.book_seat(ctx, anna, at_referral(ctx, anna, family_name="Eins"), full)
    case_id = at_referral(ctx, anna)
    referrals.join_waiting_list(ctx, anna, case_id, course_id=full)
    complete(ctx, anna, case_id, "referral")
    assert due(ctx, case_id) == clock() + timedelta(days=42)


def test_several_seats_time_it_by_the_earliest_course(ctx, people, places):
    anna = people["anna"]
    later = add_course(ctx, places["vhs"], days=60, title="later")
    earlier = add_course(ctx, places["alfeld"], days=30, title="earlier")
    case_id = at_referral(ctx, anna)
    referrals.book_seat(ctx, anna, case_id, later)
    referrals.book_seat(ctx, anna, case_id, earlier)
    complete(ctx, anna, case_id, "referral")
    assert due(ctx, case_id) == start_of(ctx, earlier) + timedelta(days=7)


def referred_to_a_waiting_list(ctx, anna, places):
    """A full course (its one seat booked by another case) and a case referred to its
    waiting list: (course, the other case's booking, the waiting case)."""
    course = add_course(ctx, places["vhs"], seats=1, days=70)
    holder = at_referral(ctx, anna, family_name="Eins")
    booked = referrals.book_seat(ctx, anna, holder, course)
    case_id = at_referral(ctx, anna)
    referrals.join_waiting_list(ctx, anna, case_id, course_id=course)
    complete(ctx, anna, case_id, "referral")
    return course, booked, case_id


def test_the_waiting_follow_up_moves_with_the_seats(ctx, people, places, clock):
    """Offered from the waiting list, booked, given back: the date follows each change."""
    anna = people["anna"]
    course, booked, case_id = referred_to_a_waiting_list(ctx, anna, places)
    after_referral = clock() + timedelta(days=42)
    assert due(ctx, case_id) == after_referral

    clock.advance(days=1)
    referrals.cancel_seat(ctx, anna, booked.id, "verzogen")  # offered to who waits
    assert referral_of(ctx, case_id).status == "offered"
    assert due(ctx, case_id) == start_of(ctx, course) + timedelta(days=7)
    referrals.confirm_offered_seat(ctx, anna, referral_of(ctx, case_id).id)
    assert due(ctx, case_id) == start_of(ctx, course) + timedelta(days=7)
    referrals.cancel_seat(ctx, anna, referral_of(ctx, case_id).id, "kein Interesse")
    assert due(ctx, case_id) == after_referral  # the referral's date again, not the change's
    moved = ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.type == "follow_up_moved")).all()
    assert len(moved) == 2  # offered, given back (the confirmation changed nothing)

    clock.current = after_referral + timedelta(seconds=1)
    assert timers.fire_due_timers(ctx) == 1
    assert ready_task(ctx, case_id).form_key == "follow_up"


def test_the_history_shows_a_moved_follow_up_by_its_days(ctx, people, places, clock, login):
    """The auditor reads when the follow-up was due and is due now, day first, in German."""
    anna = people["anna"]
    course, booked, case_id = referred_to_a_waiting_list(ctx, anna, places)
    before = due(ctx, case_id).astimezone(ZoneInfo("Europe/Berlin"))
    referrals.cancel_seat(ctx, anna, booked.id, "verzogen")  # offered to who waits
    after = due(ctx, case_id).astimezone(ZoneInfo("Europe/Berlin"))

    html = login("ida", "de").get(f"/audit/cases/{case_id}").text
    row = html.split('<tr data-type="follow_up_moved"')[1].split("</tr>")[0]
    assert "Nachverfolgung verschoben" in row
    assert before.strftime("%d.%m.%Y") in row and after.strftime("%d.%m.%Y") in row
    assert before.isoformat()[:10] not in row and "T00:00" not in row


def test_an_open_follow_up_stays_open_when_a_seat_is_booked(ctx, people, places, clock):
    anna = people["anna"]
    case_id = at_referral(ctx, anna)
    complete(ctx, anna, case_id, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    overdue_at = due(ctx, case_id)
    referrals.book_seat(ctx, anna, case_id, add_course(ctx, places["vhs"], days=30))
    assert ready_task(ctx, case_id).form_key == "follow_up"
    assert due(ctx, case_id) == overdue_at  # the escalation, unchanged


def test_cases_waiting_on_an_older_version_keep_working_and_move(ctx, people, places, clock,
                                                                 tmp_path):
    """Cases referred while the process waited a fixed period keep their timer; a seat booked
    later moves it all the same."""
    anna = people["anna"]
    library = library_with(tmp_path, DATE_TIMER, DURATION_TIMER)
    older = dataclasses.replace(ctx, engine=ProcessEngine(library))
    assert library.version != ctx.engine.version
    untouched = at_referral(older, anna, family_name="Eins")
    moved = at_referral(older, anna, family_name="Zwei")
    for case_id in (untouched, moved):
        complete(older, anna, case_id, "referral")
    course = add_course(ctx, places["vhs"], days=20)
    referrals.book_seat(ctx, anna, moved, course)  # the current code, loading the older spec
    assert due(ctx, moved) == start_of(ctx, course) + timedelta(days=7)
    assert due(ctx, untouched) == clock() + timedelta(days=42)

    clock.current = start_of(ctx, course) + timedelta(days=7, seconds=1)
    assert timers.fire_due_timers(ctx) == 1
    assert ready_task(ctx, moved).form_key == "follow_up"
    clock.current = datetime(2026, 4, 13, 9, 0, 1, tzinfo=UTC)  # 42 days after the referral
    assert timers.fire_due_timers(ctx) == 2  # and the other case's escalation
    assert ready_task(ctx, untouched).form_key == "follow_up"
    complete(ctx, anna, untouched, "follow_up")
    ctx.session.rollback()
    assert ctx.session.get(Case, untouched).status == "closed"
    assert set(ctx.session.scalars(select(ProcessInstance.version))) == {library.version}

"""The follow-up in a real browser: timed from the booked course's start, and a course that did
not start giving its seat back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from caseapp.services import referrals, timers
from tests.factories import answers
from tests.helpers import add_course, at_referral, complete
from tests.test_browser_interview import complete_step, current_step, log_in, task_form

pytestmark = pytest.mark.browser


def test_the_follow_up_is_due_after_the_booked_course_starts(page, live_server, ctx, people,
                                                             places, clock):
    """Booked into a course starting on 10.06.2026 (referral on 02.03.2026): the follow-up
    is due on 17.06.2026, not six weeks after the referral."""
    course = add_course(ctx, places["vhs"], days=100, title="Integrationskurs Sommer")
    case_id = at_referral(ctx, people["anna"])
    log_in(page, live_server, "anna")
    page.goto(f"{live_server}/cases/{case_id}")
    page.locator(f"tr[data-course='{course}'] form[action$='/referrals/book'] button").click()
    assert page.locator(".flash.success").inner_text().startswith("Platz gebucht.")
    task_form(page).locator("#course_type").select_option(answers("referral")["course_type"])
    complete_step(page)
    assert page.locator(".follow-up-due").inner_text() == "Nachverfolgung fällig am 17.06.2026."

    clock.current = datetime(2026, 4, 14, 9, 0, tzinfo=UTC)  # six weeks after the referral
    assert timers.fire_due_timers(ctx) == 0
    log_in(page, live_server, "anna")  # weeks later: the session has ended meanwhile
    page.goto(f"{live_server}/cases/{case_id}")
    assert page.locator(".steps [aria-current=step]").count() == 0
    assert page.locator(".follow-up-due").inner_text() == "Nachverfolgung fällig am 17.06.2026."

    clock.current = datetime(2026, 6, 17, 6, 0, tzinfo=UTC)
    assert timers.fire_due_timers(ctx) == 1
    log_in(page, live_server, "anna")
    page.goto(f"{live_server}/cases/{case_id}")
    assert "Hat der Kurs begonnen?" in current_step(page)
    assert page.locator(".follow-up-due").count() == 0


def test_a_course_that_did_not_start_frees_its_seat(page, live_server, ctx, people, places,
                                                    clock):
    """The follow-up answered "not started": the seat is given back and free for the next
    person's referral."""
    anna = people["anna"]
    course = add_course(ctx, places["vhs"], seats=1, days=20, title="Integrationskurs früh")
    holder = at_referral(ctx, anna, family_name="Eins")
    next_person = at_referral(ctx, anna, family_name="Zwei")
    referrals.book_seat(ctx, anna, holder, course)
    complete(ctx, anna, holder, "referral")
    clock.advance(days=28)  # a week after the course's start
    assert timers.fire_due_timers(ctx) == 1

    log_in(page, live_server, "anna")
    page.goto(f"{live_server}/cases/{next_person}")
    seats = page.locator(f"tr[data-course='{course}'] .seats")
    assert seats.inner_text().split() == ["0", "/", "1", "ausgebucht"]
    page.goto(f"{live_server}/cases/{holder}")
    assert "Hat der Kurs begonnen?" in current_step(page)
    form = task_form(page)
    form.locator("[name=follow_up_result]").select_option("not_started")
    form.locator("[name=reason]").fill("Kinderbetreuung fehlt")
    complete_step(page)
    assert page.locator(".facts").inner_text().count("Nicht begonnen") == 1
    assert page.locator("table.referral-list .status").inner_text().strip() == "storniert"

    page.goto(f"{live_server}/cases/{next_person}")
    assert seats.inner_text().split() == ["1", "/", "1"]  # no longer "ausgebucht"
    assert page.locator(f"tr[data-course='{course}'] form[action$='/referrals/book']").count() == 1

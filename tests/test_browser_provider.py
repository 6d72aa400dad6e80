"""The providers' loop in a real browser, in German: a counsellor refers a person who agreed
to share name and phone and prints her slip, in Arabic right to left; the provider's staff
see exactly those two fields and confirm the start by keyboard; the counsellor's follow-up
is gone and the case shows the start date; the public offers list the course with its free
places."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseapp.services import users
from caseapp.services.actor import SYSTEM
from tests.conftest import PASSWORD
from tests.factories import PERSON, answers
from tests.helpers import add_course, complete, open_case, ready_task
from tests.test_browser_interview import complete_step, log_in, log_out, task_form

pytestmark = pytest.mark.browser

PHONE = "0151 2345 678"


def test_the_provider_confirms_the_start_and_the_follow_up_is_answered(page, live_server, ctx,
                                                                         people, places,
                                                                         clock):
    anna = people["anna"]
    users.create_user(ctx, SYSTEM, username="petra", display_name="Petra Lange",
                      password=PASSWORD, role="provider", team_name=None,
                      provider_id=places["vhs"])
    course = add_course(ctx, places["vhs"], days=7, title="Integrationskurs vormittags")
    case_id = open_case(ctx, anna).id
    for step in ("person", "residence", "family", "education_work", "practical",
                 "goals_plan", "language_literacy"):
        overrides = {"phone": PHONE, "share_with_course_provider": "name_and_contact"} \
            if step == "person" else {}
        complete(ctx, anna, case_id, step, **overrides)

    log_in(page, live_server, "anna")
    page.goto(f"{live_server}/cases/{case_id}")
    page.locator(f"tr[data-course='{course}'] form[action$='/referrals/book'] button").click()
    assert page.locator(".flash.success").inner_text().startswith("Platz gebucht.")
    task_form(page).locator("#course_type").select_option(answers("referral")["course_type"])
    complete_step(page)
    with page.expect_popup() as popup:
        page.locator("table.referral-list a[href$='/slip']").click()
    slip = popup.value
    slip.wait_for_load_state()
    arabic = slip.locator("main .translation[lang=ar]")
    assert arabic.first.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert "يرجى إحضار" in arabic.all_inner_texts()  # "please bring", in the person's language
    assert PHONE in slip.locator("main").inner_text()
    slip.close()
    log_out(page)

    clock.advance(days=8)  # the course began yesterday
    started = (clock.current - timedelta(days=1)).date()
    log_in(page, live_server, "petra")
    assert page.locator("h1").inner_text() == "Unsere Kurse"
    page.locator(f"#course-{course} a").click()
    row = page.locator("tr[id^=participant-]")
    assert row.count() == 1
    row.locator("a").click()
    shown = page.locator("dl.file")
    terms = shown.locator("dt").all_inner_texts()
    assert terms == ["Fall", "Name", "Telefon", "Platz gebucht am"]  # nothing else of the person
    assert shown.locator(".participant-name").inner_text() == \
        f"{PERSON['given_names']} {PERSON['family_name']}"
    assert shown.locator(".participant-phone").inner_text() == PHONE
    assert "Marktstraße" not in page.content() and "12.04.1991" not in page.content()

    start = page.locator("#started_on")
    start.focus()
    start.fill(started.isoformat())
    start.press("Tab")
    page.keyboard.press("Enter")  # the focus is on "Beginn bestätigen"
    assert page.locator(".flash.success").inner_text() == (
        "Beginn bestätigt. Die Nachverfolgung des Migrationszentrums ist damit beantwortet.")
    log_out(page)

    assert ready_task(ctx, case_id) is None
    log_in(page, live_server, "anna")
    assert f"/cases/{case_id}/tasks/" not in page.content()  # nothing left to ask on the home page
    page.goto(f"{live_server}/cases/{case_id}")
    confirmed = page.locator("table.referral-list .confirmed-start")
    assert confirmed.inner_text() == f"Begonnen am {started.strftime('%d.%m.%Y')}"
    assert "vom Träger bestätigt" in page.locator("table.referral-list .status").inner_text()
    log_out(page)

    page.goto(f"{live_server}/offers")  # no login: the public overview
    listed = page.locator(f"tr[data-course='{course}']")
    assert "Integrationskurs vormittags" in listed.inner_text()
    assert listed.locator(".places").inner_text() == "Plätze frei"
    assert PERSON["family_name"] not in page.content() and PHONE not in page.content()

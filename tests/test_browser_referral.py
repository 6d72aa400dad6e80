"""A referral with booking, in a real browser: recommendation, seat, slip, step done."""

from __future__ import annotations

import pytest

from tests.factories import answers
from tests.helpers import add_course, at_referral
from tests.test_browser_interview import complete_step, current_step, log_in, task_form

pytestmark = pytest.mark.browser


def test_counsellor_books_a_seat_and_prints_the_slip(page, live_server, ctx, people, places,
                                                     shoot):
    course = add_course(ctx, places["vhs"], seats=2, title="Integrationskurs vormittags")
    add_course(ctx, places["alfeld"], seats=10, title="Integrationskurs Alfeld")
    case_id = at_referral(ctx, people["anna"])
    log_in(page, live_server, "anna")
    page.goto(f"{live_server}/cases/{case_id}")
    assert "Vermittlung" in current_step(page)
    assert "unter B1" in page.locator(".recommendations").inner_text()
    # the recommendation is proposed; other offers start unchosen, the recommended marked
    assert task_form(page).locator("#course_type").input_value() == "integrationskurs"
    offers = page.locator("select[name=offer]")
    assert offers.input_value() == ""
    assert "(empfohlen)" in offers.inner_text()
    first_row = page.locator("table.courses tbody tr").first
    assert first_row.get_attribute("data-course") == str(course)
    shoot(page, "07-referral")
    first_row.locator("form[action$='/referrals/book'] button").click()
    assert page.locator(".flash.success").inner_text().startswith("Platz gebucht.")
    row = page.locator("table.referral-list tbody tr").first
    assert row.locator(".status").inner_text().strip() == "gebucht"
    with page.expect_popup() as popup:
        row.locator("a[href*='/slip']").click()
    slip = popup.value
    slip.wait_for_load_state()
    assert "Integrationskurs vormittags" in slip.locator("main").inner_text()
    assert "Pfaffenstieg" in slip.locator("main").inner_text()
    shoot(slip, "08-referral-slip")
    task_form(page).locator("#course_type").select_option(
        answers("referral")["course_type"])
    complete_step(page)
    assert page.locator(".steps [aria-current=step]").count() == 0
    assert page.locator(".steps .step.done").count() >= 8

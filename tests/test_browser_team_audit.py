"""Team lead and auditor in a real browser: reassignment seen by counsellors and by the audit."""

from __future__ import annotations

import pytest

from tests.factories import answers
from tests.helpers import complete, complete_until, open_case
from tests.test_browser_interview import log_in, log_out

pytestmark = pytest.mark.browser


def my_task_cases(page) -> set[str]:
    section = page.locator("section[aria-labelledby=my-tasks]")
    return set(section.locator("a[href^='/cases/']").all_inner_texts())


def test_team_lead_reassigns_two_cases_and_the_auditor_sees_why(page, live_server, ctx,
                                                                   people, shoot):
    anna = people["anna"]
    first = open_case(ctx, anna, family_name="Haddad")
    second = open_case(ctx, anna, family_name="Rahimi", given_names="Fatima")
    complete_until(ctx, anna, first.id, "person")
    numbers = {first.number, second.number}
    base = live_server

    log_in(page, base, "anna")
    assert numbers <= my_task_cases(page)
    log_out(page)
    log_in(page, base, "ben")
    assert not numbers & my_task_cases(page)
    log_out(page)

    # The team lead picks both cases on the board and gives them to Ben, with a reason.
    log_in(page, base, "lea")
    for case in (first, second):
        page.locator(f"#pick-{case.id}").check()
    page.locator("#to-user").select_option(str(people["ben"].id))
    page.locator("#reassign-reason").fill("Anna ist drei Wochen im Urlaub")
    shoot(page, "09-team-board")
    page.locator("#reassign-form button").click()
    assert page.locator(".flash.success").inner_text() == "2 Fälle neu zugewiesen."
    assert page.locator(f"tr[data-case='{first.id}'] .assignee").inner_text() == "Ben"
    log_out(page)

    log_in(page, base, "anna")
    assert not numbers & my_task_cases(page)
    log_out(page)
    log_in(page, base, "ben")
    assert numbers <= my_task_cases(page)
    log_out(page)

    # The auditor reads the first case's history and its process picture.
    log_in(page, base, "ida")
    page.goto(f"{base}/cases/{first.id}")
    page.locator(f"a[href$='/audit/cases/{first.id}']").click()
    history = page.locator("main").inner_text()
    assert "Anna ist drei Wochen im Urlaub" in history
    assert "Anna" in history and "Ben" in history
    # the field that changed, with its new value
    assert answers("person")["place_of_birth"] in history
    shoot(page, "10-audit-history")
    page.locator(f"a[href$='/cases/{first.id}/process']").first.click()
    picture = page.locator("svg.process-picture")
    picture.wait_for()
    situation = picture.locator("[data-element=Task_situation_analysis]")
    assert "current" in situation.get_attribute("class")
    assert "not-reached" in picture.locator(
        "[data-element=Task_referral]").get_attribute("class")
    shoot(page, "11-process-picture")


def test_team_board_names_sorts_pages_and_says_what_a_case_waits_for(page, live_server, ctx,
                                                                      people):
    """The lead sees whose case each row is, the waiting case first with its due date, and
    reaches the next page and another order by keyboard."""
    anna = people["anna"]
    waiting = open_case(ctx, anna, family_name="Yilmaz", given_names="Deniz")
    complete_until(ctx, anna, waiting.id, "language_literacy")
    complete(ctx, anna, waiting.id, "referral")  # follow-up due in six weeks
    for n in range(50):
        open_case(ctx, anna, family_name=f"Person {n:02d}")

    log_in(page, live_server, "lea")
    rows = page.locator("table.cases tbody tr")
    first = rows.first
    assert first.get_attribute("data-case") == str(waiting.id)  # the only deadline
    assert first.locator(".newcomer").inner_text() == "Yilmaz, Deniz"
    assert first.locator(".step").inner_text() == \
        "wartet auf die Nachverfolgung, fällig am 13.04.2026"
    assert rows.count() == 50
    assert "Fälle 1–50 von 51" in page.locator("nav.pages").inner_text()

    page.locator("nav.pages a[rel=next]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/team/?page=2")
    assert rows.count() == 1  # the newest case last: after the deadline, oldest first
    assert rows.first.locator(".newcomer").inner_text() == "Person 49, Amina"
    assert "Fälle 51–51 von 51" in page.locator("nav.pages").inner_text()

    page.get_by_role("link", name="Neuzugewanderte Person").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/team/?sort=name")
    names = rows.locator(".newcomer").all_inner_texts()
    assert names[0].startswith("Person 00") and names == sorted(names)
    assert page.locator("th[aria-sort=ascending]").inner_text() == "Neuzugewanderte Person"

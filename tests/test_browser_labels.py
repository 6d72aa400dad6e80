"""A German-only walk through every page of a fully worked case, in a real browser, as
every role that sees it; and the same in English: no stored code shows instead of its
label, and no message of the other language."""

from __future__ import annotations

import pytest

from tests.test_browser_interview import log_in, log_out
from tests.worked_case import (
    BROWSER_TEXT,
    other_language_messages,
    pages,
    problems,
    raw_codes,
    worked_case,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale, language", [("de-DE", "de"), ("en-GB", "en")])
def test_a_walk_through_every_page_of_a_worked_case_speaks_one_language(
        browser, live_server, ctx, people, places, clock, locale, language):
    case = worked_case(ctx, people, places, clock)
    codes = raw_codes(ctx.session, case.case_id, language)
    messages = other_language_messages(language)
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale=locale)
    page.set_default_timeout(10_000)
    found, visited = {}, 0
    for user, paths in pages(case).items():
        log_in(page, live_server, user)
        for path in paths:
            response = page.goto(live_server + path)
            assert response.status == 200, path
            assert page.locator("html").get_attribute("lang") == language, path
            wrong = problems(page.evaluate(BROWSER_TEXT, language), language, codes, messages)
            if wrong:
                found[f"{user} {path}"] = wrong
            visited += 1
        page.goto(live_server + "/")
        log_out(page)
    assert found == {}
    assert visited == sum(map(len, pages(case).values()))

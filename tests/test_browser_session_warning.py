"""Before the idle limit ends a session, the page warns and one action keeps it (WCAG 2.2.1,
timing adjustable); a session that ended meanwhile says so and leads to the login."""

from __future__ import annotations

from tests.accessibility import axe_violations, describe
from tests.test_browser_interview import log_in


def test_two_minutes_before_the_idle_limit_a_dialog_keeps_the_session(page, live_server,
                                                                       people, clock):
    page.clock.install()
    log_in(page, live_server, "anna")
    page.wait_for_url(lambda url: "/login" not in url)
    warning = page.locator("#session-warning")
    page.clock.fast_forward("27:00")
    assert not warning.is_visible()
    page.clock.fast_forward("01:01")  # 28 of the 30 minutes
    assert warning.is_visible()
    assert "in zwei Minuten abgemeldet" in warning.inner_text()  # the German default
    assert page.evaluate("document.activeElement.id") == "session-stay"
    assert describe(axe_violations(page)) == []
    with page.expect_response(lambda r: r.url.endswith("/session/alive")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 204
    assert not warning.is_visible()
    page.clock.fast_forward("27:00")  # counted again from the click
    assert not warning.is_visible()

    # the session ends anyway (the server's clock moves on): the dialog says so
    page.clock.fast_forward("01:01")
    clock.advance(minutes=31)
    page.locator("#session-stay").click()
    login = page.locator("#session-login")
    login.wait_for()
    assert "Ihre Sitzung ist beendet" in warning.inner_text()
    assert describe(axe_violations(page)) == []
    login.click()
    page.locator("#username").wait_for()

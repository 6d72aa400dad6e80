"""The accessibility check of the browser tests finds what it must find: a violation on a
page, on every page a watched browser context shows, and also on a page left at once."""

from __future__ import annotations

import pytest

from tests.accessibility import PageChecker, axe_violations

pytestmark = pytest.mark.browser

SITE = "http://checker.test"
CSP = "default-src 'self'; script-src 'self'; style-src 'self'"  # as strict as the app's
PAGES = {
    "/clean": '<a href="/clean-too">Weiter</a>',
    "/clean-too": "<p>Hallo</p>",
    "/image": '<img src="/photo.png"><a href="/clean">Weiter</a>',
    "/loading": '<button></button><img src="/never.png" alt="Foto">',
}


def html(body: str) -> str:
    return (f'<!doctype html><html lang="de"><head><title>Test</title></head>'
            f"<body><main><h1>Seite</h1>{body}</main></body></html>")


def serve_test_site(context) -> None:
    """A few pages with a strict CSP; /never.png never answers, so /loading never loads."""
    def answer(route):
        path = route.request.url.removeprefix(SITE)
        if path == "/never.png":
            return  # left pending
        if path in PAGES:
            route.fulfill(body=html(PAGES[path]), content_type="text/html",
                          headers={"Content-Security-Policy": CSP})
        else:
            route.fulfill(status=404, body="")
    context.route(f"{SITE}/**", answer)


@pytest.fixture
def watched_site(chromium):
    """(checker, context): the test site in a browser context the checker watches."""
    checker = PageChecker()
    context = chromium.new_context()
    serve_test_site(context)
    checker.watch(context)
    yield checker, context
    context.close()


def test_an_image_without_text_is_reported_and_a_clean_page_is_not(chromium):
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_content(html('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'))
        found = axe_violations(page)
        assert [(v.rule, v.impact, v.targets) for v in found] == [
            ("image-alt", "critical", ("img",))]
        page.set_content(html("<p>Hallo</p>"))
        assert axe_violations(page) == []
    finally:
        context.close()


def test_every_document_is_checked_also_one_left_by_keyboard_or_before_it_loaded(
        watched_site):
    checker, context = watched_site
    page = context.new_page()
    page.goto(f"{SITE}/image")
    page.keyboard.press("Tab")  # at once, by keyboard: the link to /clean
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{SITE}/loading", wait_until="commit")
    page.locator("button").wait_for()
    page.goto(f"{SITE}/clean-too")  # /loading has not loaded: its image never comes
    second = context.new_page()
    second.goto(f"{SITE}/clean")
    problems = checker.finish()
    assert checker.documents_checked == 5
    assert len(problems) == 2, problems
    button, image = sorted(problems)
    assert image.startswith("image-alt (critical)")
    assert "at img" in image and f"on {SITE}/image" in image
    assert button.startswith("button-name (critical)") and f"on {SITE}/loading" in button


def test_a_page_closed_before_its_document_loaded_is_reported(watched_site):
    checker, context = watched_site
    page = context.new_page()
    page.goto(f"{SITE}/loading", wait_until="commit")
    page.wait_for_function("typeof window.__axeCheck === 'function'")
    page.close()
    problems = checker.finish()
    assert problems == [f"{SITE}/loading: left or closed before it had loaded, not checked "
                        "(wait for the page before leaving it)"]

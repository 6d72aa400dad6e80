"""The public offers in a real browser, without logging in: German, and Arabic right to left."""

from __future__ import annotations

import pytest

from caseapp.services import referrals
from tests.helpers import add_course, at_referral

pytestmark = pytest.mark.browser


@pytest.fixture
def courses(ctx, people, places):
    full = add_course(ctx, places["alfeld"], seats=1, title="Alpha-Kurs Alfeld",
                      course_type="alphabetisierung")
    referrals.book_seat(ctx, people["anna"], at_referral(ctx, people["anna"]), full)
    return {"free": add_course(ctx, places["vhs"], seats=12, title="Integrationskurs am Markt"),
            "full": full}


def test_a_visitor_reads_the_offers_in_german_and_chooses_a_municipality(page, live_server,
                                                                        courses):
    page.goto(f"{live_server}/offers")
    assert page.locator("h1").inner_text() == "Kurse und Angebote für Neuzugewanderte"
    row = page.locator(f"tr[data-course='{courses['free']}']")
    assert "Integrationskurs am Markt" in row.inner_text()
    assert row.locator(".places").inner_text() == "Plätze frei"
    full = page.locator(f"tr[data-course='{courses['full']}'] .places")
    assert full.inner_text() == "Warteliste"
    page.get_by_label("Kommune").select_option("Alfeld")
    page.get_by_role("button", name="Anzeigen").click()
    assert page.locator("h2").all_inner_texts() == ["Alfeld"]
    assert page.get_by_label("Kommune").input_value() == "Alfeld"


def test_the_arabic_offers_read_right_to_left_and_print_without_their_tools(page, live_server,
                                                                           courses):
    page.goto(f"{live_server}/offers")
    page.get_by_role("link", name="العربية").click()
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("main").evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.locator("h1").inner_text() == "دورات وعروض للقادمين الجدد"
    row = page.locator(f"tr[data-course='{courses['free']}']")
    assert row.locator(".places").inner_text() == "توجد أماكن شاغرة"
    title = row.locator("span[lang=de]").first
    assert title.inner_text() == "Integrationskurs am Markt"
    assert title.evaluate("e => getComputedStyle(e).direction") == "ltr"
    # the first column stands at the right
    cells = row.locator("td")
    assert cells.first.bounding_box()["x"] > cells.last.bounding_box()["x"]
    page.emulate_media(media="print")
    assert not page.locator("form.offer-filter").is_visible()
    assert row.is_visible()

"""The public offers in a real browser, without logging in: German, and Arabic right to left."""

from __future__ import annotations

import pytest

from caseapp.services import network_offers, referrals
from tests.helpers import add_course, at_referral

pytestmark = pytest.mark.browser


@pytest.fixture
def courses(ctx, people, places):
    full = add_course(ctx, places["alfeld"], seats=1, title="Alpha-Kurs Alfeld",
                      course_type="alphabetisierung")
    referrals.book_seat(ctx, people["anna"], at_referral(ctx, people["anna"]), full)
    network_offers.create_network_offer(ctx, people["adam"], network_offers.NetworkOfferText(
        name="Sprachcafé Nordstadt", kind="volunteer_german_group", municipality="Hildesheim",
        description="Deutsch üben beim Kaffee.", schedule="dienstags 17–19 Uhr",
        address="Nordstraße 5", contact="0151 2223334"))
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
    other = page.locator(".network-offer")
    assert "Sprachcafé Nordstadt" in other.inner_text()
    assert "Ehrenamtliche Deutschgruppe" in other.inner_text()
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
    assert page.locator(".network-offer .kind").inner_text() == "مجموعة تطوعية لتعلم الألمانية"
    page.emulate_media(media="print")
    assert not page.locator("form.offer-filter").is_visible()
    assert row.is_visible()

"""Every page of every role in a real browser, in German and in English: each answers with a
title and a heading in the page's language, and axe-core, which checks every page a browser
test visits, finds no WCAG 2.1 A/AA violation on any of them."""

from __future__ import annotations

import pytest

from caseapp.services import network_offers, referrals, users
from caseapp.services.actor import SYSTEM
from tests.conftest import PASSWORD
from tests.helpers import add_course, at_referral, complete_until, open_case
from tests.test_admin_users import second_admin
from tests.test_browser_interview import log_in, log_out

pytestmark = pytest.mark.browser

# The icon a page names, or the address a browser asks for when it names none.
ICON = ("(document.querySelector('link[rel~=icon]') || {}).href"
        " || new URL('/favicon.ico', location.href).href")

# What each role can open (paths with {names} from the test data), the address bar's view.
PAGES = {
    None: ["/login", "/offers"],
    "anna": ["/", "/cases/new", "/cases/search?q=Haddad", "/referrals/{booked}/slip",
             "/cases/{started}", "/cases/{at_referral}", "/cases/{at_referral}/process"],
    "lea": ["/", "/team/", "/cases/{started}/subject-access", "/cases/{started}/erase",
            "/cases/{started}"],
    "ida": ["/", "/cases/{started}", "/audit/cases/{started}", "/audit/events",
            "/audit/events?type=case_opened", "/audit/access", "/audit/verify"],
    "adam": ["/", "/admin/users", "/admin/users/{anna}", "/admin/catalogue",
             "/admin/network-offers", "/admin/network-offers/{offer}"],
    "petra": ["/", "/provider/courses/{course}", "/provider/referrals/{booked}",
              "/provider/courses/new", "/provider/demand"],
    "miriam": ["/", "/monitoring/report", "/monitoring/?team=all&municipality=Hildesheim"],
}


@pytest.fixture
def data(ctx, people, places):
    anna = people["anna"]
    started = open_case(ctx, anna).id
    complete_until(ctx, anna, started, "person")
    course = add_course(ctx, places["vhs"], title="Integrationskurs vormittags")
    case = at_referral(ctx, anna, family_name="Rahimi", given_names="Fatima")
    booked = referrals.book_seat(ctx, anna, case, course).id
    # Grants that wait for a second admin: one asked for by adam, one he may confirm.
    eve = second_admin(ctx)
    users.update_user(ctx, people["adam"], people["ben"].id, display_name="Ben",
                      role="admin", team_id=None)
    users.update_user(ctx, eve, people["lea"].id, display_name="Lea", role="auditor",
                      team_id=None)
    offer = network_offers.create_network_offer(
        ctx, people["adam"], network_offers.NetworkOfferText(
            name="Sprachcafé", kind="volunteer_german_group", municipality="Hildesheim",
            description="Deutsch üben", schedule="dienstags 17 Uhr")).id
    users.create_user(ctx, SYSTEM, username="petra", display_name="Petra Lange",
                      password=PASSWORD, role="provider", team_name=None,
                      provider_id=places["vhs"])
    users.create_user(ctx, SYSTEM, username="miriam", display_name="Miriam Schulte",
                      password=PASSWORD, role="coordination", team_name=None)
    return {"started": started, "at_referral": case, "booked": booked, "anna": anna.id,
            "offer": offer, "course": course}


@pytest.mark.parametrize("locale, language", [("de-DE", "de"), ("en-GB", "en")])
def test_every_page_has_a_title_a_heading_and_no_accessibility_violation(
        browser, live_server, data, locale, language):
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale=locale)
    page.set_default_timeout(10_000)
    # What the browser fetches on its own (styles, scripts, the site icon) is there too.
    missing = []
    page.on("response", lambda r: r.status >= 400 and missing.append(f"{r.status} {r.url}"))
    visited = 0
    for role, paths in PAGES.items():
        if role:
            log_in(page, live_server, role)
        for path in paths:
            response = page.goto(live_server + path.format(**data))
            assert response.status == 200, path
            assert page.title().strip(), path
            assert page.locator("h1").first.inner_text().strip(), path
            assert page.locator("html").get_attribute("lang") == language, path
            assert page.request.get(page.evaluate(ICON)).status == 200, path
            visited += 1
        if role:
            log_out(page)
    assert visited == sum(map(len, PAGES.values()))
    assert missing == []


def test_the_not_found_page_and_a_form_with_errors_pass_the_check_too(page, live_server,
                                                                     people):
    log_in(page, live_server, "anna")
    response = page.goto(f"{live_server}/cases/999")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Das hat nicht funktioniert"
    assert page.locator("[role=alert]").inner_text() == "Diesen Fall gibt es nicht."

    page.goto(f"{live_server}/cases/new")
    page.locator("#given_names").fill("Amina")
    page.locator("form button[type=submit]").click()
    error = page.locator("#family_name-error")
    assert error.inner_text() == "Dieses Feld wird benötigt."
    assert "family_name-error" in page.locator("#family_name").get_attribute("aria-describedby")
    assert page.locator("#given_names").input_value() == "Amina"

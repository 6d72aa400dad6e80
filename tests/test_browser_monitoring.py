"""The monitoring in a real browser, in German: every indicator's chart is there as an image
with its accessible name beside its table, the figures read as text, and a period that is
none is said atop the kept filters (axe-core checks every page on the way)."""

from __future__ import annotations

import pytest

from caseapp.services import monitoring, referrals, users
from caseapp.services.actor import SYSTEM
from tests.conftest import PASSWORD
from tests.helpers import at_referral
from tests.test_browser_interview import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def waiting(ctx, people, places):
    """Six people of Hildesheim waiting for an integration course, and a coordinator."""
    for n in range(6):
        case_id = at_referral(ctx, people["anna"], family_name=f"Wartend{n}")
        referrals.join_waiting_list(ctx, people["anna"], case_id, provider_id=places["vhs"],
                                    course_type="integrationskurs")
    users.create_user(ctx, SYSTEM, username="miriam", display_name="Miriam Schulte",
                      password=PASSWORD, role="coordination", team_name=None)


def test_the_dashboard_shows_every_chart_beside_its_table(page, live_server, waiting):
    log_in(page, live_server, "miriam")
    assert page.locator("h1").inner_text().startswith("Monitoring")  # the home page
    charts = page.get_by_role("img")
    assert charts.count() == len(monitoring.INDICATORS)
    for key in monitoring.INDICATORS:
        section = page.locator(f"section#{key}")
        title = section.locator("h2").inner_text()
        chart = section.get_by_role("img", name=f"Diagramm: {title}")
        assert chart.is_visible(), key
        assert section.locator("table").is_visible(), key
    waiting_list = page.locator("section#waiting-list table")
    assert "6" in waiting_list.inner_text()  # six people wait at the end of this month
    demand = page.locator("section#seats-demand svg").text_content()
    assert "Bedarf: 6" in demand  # the bar says what it shows, in words
    assert page.locator("section#intakes h2").inner_text() == "Erstaufnahmen nach Monat"

    page.goto(f"{live_server}/monitoring/?from=2026-05-01&to=2026-04-01")
    alert = page.get_by_role("alert")
    assert "nach seinem letzten Tag" in alert.inner_text()
    assert page.locator("#from").input_value() == "2026-05-01"

"""Erasure in the browser, in German: the team lead confirms with a reason, and the case
page says whose data were erased when, with no value of the person left on it."""

from __future__ import annotations

import pytest

from tests.factories import PERSON
from tests.helpers import complete_until, open_case
from tests.test_browser_interview import log_in

pytestmark = pytest.mark.browser


def test_a_team_lead_erases_a_person_by_keyboard_after_confirming(page, live_server, ctx,
                                                                   people):
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "family")
    log_in(page, live_server, "lea")
    page.goto(f"{live_server}/cases/{case.id}")
    page.get_by_role("link", name="Personenbezogene Daten löschen (Art. 17 DSGVO)").click()
    page.get_by_label("Grund der Löschung").fill("Antrag vom 1. März")
    page.get_by_role("button", name="Personenbezogene Daten löschen").click()
    alert = page.get_by_role("alert")
    assert "Bitte bestätigen Sie" in alert.inner_text()
    assert page.get_by_label("Grund der Löschung").input_value() == "Antrag vom 1. März"
    page.get_by_label("Ich habe den Antrag geprüft").press("Space")
    page.get_by_role("button", name="Personenbezogene Daten löschen").press("Enter")
    note = page.locator(".erased-note")
    assert "Personenbezogene Daten gelöscht am" in note.inner_text()
    assert "von Lea" in note.inner_text()
    assert PERSON["family_name"] not in page.content()

"""A referral in a real browser, in German: recommendation, ranking, seat, slip, step done."""

from __future__ import annotations

import pytest

from caseapp.services import referrals, users
from tests.conftest import TestConfig
from tests.factories import answers
from tests.helpers import add_course, at_referral, complete_until, open_case
from tests.test_browser_interview import complete_step, current_step, log_in, task_form

pytestmark = pytest.mark.browser


def test_counsellor_books_a_seat_and_prints_the_slip(page, live_server, ctx, people, places,
                                                     shoot):
    anna = people["anna"]
    users.update_user(ctx, people["adam"], anna.id, display_name=anna.display_name,
                      role=anna.role, team_id=anna.team_id, work_phone="05121 309-412",
                      work_email="anna@landkreis.example")
    course = add_course(ctx, places["vhs"], seats=2, title="Integrationskurs vormittags")
    far = add_course(ctx, places["alfeld"], seats=10, title="Integrationskurs Alfeld")
    part_time = add_course(ctx, places["vhs"], seats=10, schedule="part_time",
                           title="Integrationskurs Teilzeit")
    full = add_course(ctx, places["vhs"], seats=1, title="Integrationskurs ausgebucht")
    referrals.book_seat(ctx, anna, at_referral(ctx, anna, family_name="Vorher"), full)
    case_id = at_referral(ctx, anna)
    log_in(page, live_server, "anna")
    page.goto(f"{live_server}/cases/{case_id}")
    assert "Vermittlung" in current_step(page)
    assert "unter B1" in page.locator(".recommendations").inner_text()
    # the recommendation is proposed; other offers start unchosen, the recommended marked
    assert task_form(page).locator("#course_type").input_value() == "integrationskurs"
    offers = page.locator("select[name=offer]")
    assert offers.input_value() == ""
    assert "– empfohlen" in offers.inner_text()
    rows = page.locator("table.courses tbody tr")
    assert rows.first.get_attribute("data-course") == str(course)
    assert rows.last.get_attribute("data-course") == str(full)  # full courses come last

    def row(course_id):
        return page.locator(f"table.courses tr[data-course='{course_id}']")
    fits = row(course).locator(".fits").inner_text()
    assert "empfohlene Kursart" in fits and "freie Plätze" in fits
    assert "Vollzeit, wie die Person teilnehmen kann" in fits
    assert row(course).locator(".mismatches").inner_text().strip() == ""
    assert "weiter entfernt, als die Person fahren kann" in \
        row(far).locator(".mismatches").inner_text()
    assert "Teilzeit, aber die Person möchte Vollzeit" in \
        row(part_time).locator(".mismatches").inner_text()
    assert "ausgebucht: nur Warteliste" in row(full).locator(".mismatches").inner_text()
    assert row(full).get_by_role("button").inner_text() == "Auf die Warteliste setzen"
    assert row(course).get_by_role("button").inner_text() == "Platz buchen"
    shoot(page, "07-referral")
    row(course).locator("form[action$='/referrals/book'] button").click()
    assert page.locator(".flash.success").inner_text().startswith("Platz gebucht.")
    booked = page.locator("table.referral-list tbody tr").first
    assert booked.locator(".status").inner_text().strip() == "gebucht"
    with page.expect_popup() as popup:
        booked.locator("a[href*='/slip']").click()
    slip = popup.value
    slip.wait_for_load_state()
    text = slip.locator("main").inner_text()
    for expected in ("Integrationskurs vormittags", "Pfaffenstieg", TestConfig.OFFICE_NAME,
                     TestConfig.OFFICE_ADDRESS, TestConfig.OFFICE_PHONE,
                     TestConfig.OFFICE_EMAIL, "Ausgestellt am", "2. März 2026",
                     "Ihre Ansprechperson", "Anna", "05121 309-412", "anna@landkreis.example"):
        assert expected in text, expected
    shoot(slip, "08-referral-slip")
    task_form(page).locator("#course_type").select_option(
        answers("referral")["course_type"])
    complete_step(page)
    assert page.locator(".steps [aria-current=step]").count() == 0
    assert page.locator(".steps .step.done").count() >= 8


def test_a_recommendation_other_than_the_general_course_is_preselected_and_needs_no_reason(
        page, live_server, ctx, people, places):
    """Not literate in any script: the literacy course is proposed, marked as recommended,
    and the step completes as it is, without asking for a reason to deviate."""
    anna = people["anna"]
    add_course(ctx, places["vhs"], course_type="alphabetisierung", title="Alpha vormittags")
    case = open_case(ctx, anna, family_name="Rahimi", given_names="Fatima")
    complete_until(ctx, anna, case.id, "language_literacy",
                   language_literacy={"literacy": "none", "german_level": "none"})
    log_in(page, live_server, "anna")
    page.goto(f"{live_server}/cases/{case.id}")
    assert "Vermittlung" in current_step(page)
    assert "in keiner Schrift alphabetisiert" in page.locator(".recommendations").inner_text()
    chosen = task_form(page).locator("#course_type")
    assert chosen.input_value() == "alphabetisierung"
    assert chosen.locator("option:checked").inner_text() == "Alphabetisierungskurs"
    assert "empfohlene Kursart" in page.locator("table.courses tbody tr").first.inner_text()
    assert "– empfohlen" in page.locator("select[name=offer]").inner_text()
    complete_step(page)
    # asked for a reason, the step would stay open with the reason field marked
    assert page.locator(".error").count() == 0
    assert page.locator(".steps [aria-current=step]").count() == 0
    assert page.locator(".steps .step.done").count() >= 8


def test_the_arabic_slip_reads_right_to_left_beside_the_german_and_prints(
        page, live_server, ctx, people, places):
    """The language recorded in the interview (Arabic): the Arabic texts right to left and
    marked as Arabic, the German left to right; in print the page tools are gone."""
    anna = people["anna"]
    case_id = at_referral(ctx, anna)
    seat = referrals.book_seat(ctx, anna, case_id, add_course(ctx, places["vhs"])).id
    log_in(page, live_server, "anna")
    page.goto(f"{live_server}/referrals/{seat}/slip")
    arabic = page.locator("dt .translation[lang=ar]").first
    german = page.locator("dt span[lang=de]").first
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert german.evaluate("e => getComputedStyle(e).direction") == "ltr"
    labels = page.locator("main .translation[lang=ar]").all_inner_texts()
    assert "يرجى إحضار" in labels and "الدورة" in labels
    # the Arabic line starts at the right edge, the German one at the left
    arabic_box, german_box = arabic.bounding_box(), german.bounding_box()
    dt_box = page.locator("dt").first.bounding_box()
    assert abs(arabic_box["x"] + arabic_box["width"] - (dt_box["x"] + dt_box["width"])) < 2
    assert abs(german_box["x"] - dt_box["x"]) < 2
    assert page.get_by_role("button", name="Drucken").is_visible()
    page.get_by_label("Zweite Sprache des Scheins").select_option("fa")
    page.get_by_role("button", name="Anzeigen").click()
    assert page.locator("dt .translation[lang=fa]").first.evaluate(
        "e => getComputedStyle(e).direction") == "rtl"
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Drucken").is_visible()
    assert page.locator("dt .translation[lang=fa]").first.is_visible()
    assert "Bitte mitbringen" in page.locator("main").inner_text()

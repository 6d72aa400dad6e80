"""The interview in a real browser (Debian's Chromium, headless), as a counsellor does it.

Also takes the pictures of the user guide (`make screenshots` puts them into docs/img/).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from caseapp.services import team
from tests.conftest import PASSWORD
from tests.factories import answers, as_text, person
from tests.helpers import complete_until, open_case

pytestmark = pytest.mark.browser


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.locator("h1").wait_for()


def log_out(page) -> None:
    page.locator("form[action='/logout'] button").click()
    page.locator("#username").wait_for()


def task_form(page):
    return page.locator("form[data-autosave]").first


def fill_new_case(page, newcomer: dict) -> None:
    """Type a newcomer's identity basics into the new-case form."""
    for name, value in newcomer.items():
        page.locator(f"#{name}").fill(as_text(value))


def fill_step(page, values: dict) -> None:
    """Fill the open step's form with these answers, the way a person would."""
    page.wait_for_load_state()  # the page script has shown or hidden the conditional parts
    form = task_form(page)
    for name, value in values.items():
        field = form.locator(f"[name='{name}']")
        if not field.is_visible():
            continue
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(as_text(value))
        else:
            field.fill(as_text(value))


def complete_step(page) -> None:
    """Submit with the keyboard: focus the button, press Enter."""
    button = task_form(page).locator("button[type=submit]:not([formaction])")
    button.focus()
    with page.expect_navigation():  # the next page loaded, its script run (it hides parts)
        button.press("Enter")


def current_step(page) -> str:
    return page.locator(".steps [aria-current=step]").inner_text()


def assert_fields_labelled(page) -> None:
    unlabelled = task_form(page).evaluate("""form => [...form.querySelectorAll(
        'input:not([type=hidden]), select, textarea')].filter(
        el => el.offsetParent !== null && el.labels.length === 0).map(el => el.name)""")
    assert unlabelled == []


def test_counsellor_runs_the_interview_with_an_error_a_draft_and_a_new_login(
        browser, page, live_server, people, shoot):
    base = live_server
    log_in(page, base, "anna")
    shoot(page, "01-start")

    # A new case: identity basics only.
    page.goto(f"{base}/cases/new")
    fill_new_case(page, person())
    shoot(page, "02-new-case")
    page.locator("form button[type=submit]").click()
    page.locator(".steps").wait_for()
    case_url = page.url
    assert person()["family_name"] in page.locator(".facts").inner_text()

    # Situation analysis, first form: an error, shown at the field, input kept.
    assert_fields_labelled(page)
    fill_step(page, answers("person", interpreter_needed="yes", interpreter_language=""))
    assert task_form(page).locator("#interpreter_language").is_visible()
    complete_step(page)
    error = page.locator("#interpreter_language-error")
    assert error.is_visible()
    assert "Bitte geben Sie die Sprache an, in die gedolmetscht werden soll." in \
        error.inner_text()
    assert task_form(page).locator("#place_of_birth").input_value() == \
        answers("person")["place_of_birth"]
    shoot(page, "03-error-at-field")
    task_form(page).locator("#interpreter_language").fill("Arabisch")
    complete_step(page)
    assert "Aufenthalt und Teilnahmeberechtigung" in current_step(page)

    for form_key in ("residence", "family", "education_work"):
        fill_step(page, answers(form_key))
        complete_step(page)

    # A draft: partial input, saved explicitly; then the counsellor leaves.
    draft = answers("practical", availability="part_time",
                    notes="Kann nur vormittags, Kind in der Kita bis 13 Uhr")
    form = task_form(page)
    form.locator("#availability").select_option(draft["availability"])
    form.locator("#notes").fill(draft["notes"])
    shoot(page, "04-draft")
    form.locator("button[formaction]").click()
    assert page.locator(".flash").inner_text().startswith("Entwurf gespeichert.")
    log_out(page)

    # Later, another browser: the draft is there.
    other = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
    resumed = other.new_page()
    log_in(resumed, base, "anna")
    resumed.goto(case_url)
    form = task_form(resumed)
    assert form.locator("#availability").input_value() == draft["availability"]
    assert form.locator("#notes").input_value() == draft["notes"]
    fill_step(resumed, draft)
    complete_step(resumed)
    fill_step(resumed, answers("goals_plan"))
    complete_step(resumed)

    # Language assessment, then the case moves on to the referral.
    assert_fields_labelled(resumed)
    fill_step(resumed, answers("language_literacy", german_level="A1"))
    shoot(resumed, "05-language")
    complete_step(resumed)
    assert "Vermittlung" in current_step(resumed)
    assert resumed.locator(".recommendation").inner_text().endswith("Integrationskurs")
    case_file = resumed.locator("#case-file").locator("xpath=..")
    assert case_file.locator("details").count() == 7
    shoot(resumed, "06-referral-next")


def test_typing_is_autosaved_and_survives_leaving_the_page(browser, page, live_server, people):
    base = live_server
    log_in(page, base, "anna")
    page.goto(f"{base}/cases/new")
    fill_new_case(page, person(given_names="Oleksandr", family_name="Kovalenko",
                               birth_date=date(1984, 11, 2), municipality="Sarstedt"))
    page.locator("form button[type=submit]").click()
    page.locator(".steps").wait_for()
    case_url = page.url

    typed = answers("person", place_of_birth="Charkiw", nationalities="ukrainisch")
    task_form(page).locator("#place_of_birth").fill(typed["place_of_birth"])
    page.locator(".autosave-status").filter(
        has_text=re.compile(r"^Entwurf um [\d.]+, \d{1,2}:\d{2} gespeichert\.$")).wait_for()
    task_form(page).locator("#nationalities").fill(typed["nationalities"])
    page.goto(f"{base}/")  # leaves at once: the page saves on its way out
    page.locator("h1").wait_for()

    other = browser.new_context(locale="de-DE")
    again = other.new_page()
    log_in(again, base, "anna")
    again.goto(case_url)
    form = task_form(again)
    assert form.locator("#place_of_birth").input_value() == typed["place_of_birth"]
    form.locator("#nationalities").wait_for()
    assert form.locator("#nationalities").input_value() == typed["nationalities"]


def test_pages_fit_a_tablet(browser, live_server, ctx, people):
    case = open_case(ctx, people["anna"])
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="de-DE")
    page = context.new_page()
    log_in(page, live_server, "anna")
    for path in ("/", "/cases/new", f"/cases/{case.id}"):
        page.goto(f"{live_server}{path}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    channels = [c / 255 for c in rgb]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def focus_ring(page) -> dict:
    """The focused element's outline and the background it is drawn on."""
    return page.evaluate("""() => {
      const el = document.activeElement, style = getComputedStyle(el);
      const rgb = text => text.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
      let behind = el.parentElement, background = [255, 255, 255];
      for (; behind; behind = behind.parentElement) {
        const color = getComputedStyle(behind).backgroundColor;
        if (color !== "rgba(0, 0, 0, 0)" && color !== "transparent") {
          background = rgb(color);
          break;
        }
      }
      return {text: el.innerText || "", visible: el.matches(":focus-visible"),
              style: style.outlineStyle, width: parseFloat(style.outlineWidth),
              color: rgb(style.outlineColor), background};
    }""")


def tab_to(page, selector: str, key: str = "Tab", limit: int = 40) -> None:
    """Press Tab (or Shift+Tab) until ``selector`` has the focus; each stop shows a focus ring
    that contrasts at least 3:1 with what is behind it (WCAG 2.1, 1.4.11 and 2.4.7)."""
    for _ in range(limit):
        page.keyboard.press(key)
        ring = focus_ring(page)
        assert ring["visible"] and ring["style"] != "none" and ring["width"] >= 2, ring
        assert contrast(tuple(ring["color"]), tuple(ring["background"])) >= 3, ring
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {key}")


def test_counsellor_completes_a_step_by_keyboard_only(page, live_server, ctx, people):
    """Tab, Shift+Tab, arrow keys, typing and Enter alone complete a step, and every focus
    stop on the way is visible."""
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "education_work")
    log_in(page, live_server, "anna")
    page.goto(f"{live_server}/cases/{case.id}")
    assert "Praktische Rahmenbedingungen" in current_step(page)

    tab_to(page, "#availability")
    page.keyboard.press("ArrowDown")  # the first choice after the empty one: full time
    tab_to(page, "#time_of_day")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#max_travel_km")
    page.keyboard.type("12")
    tab_to(page, "#benefits")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#notes")
    page.keyboard.type("Kann nur vormittags")
    tab_to(page, "button[type=submit]:not([formaction])")
    assert focus_ring(page)["text"] == "Schritt abschließen"
    tab_to(page, "#notes", key="Shift+Tab")  # back, and forward again
    tab_to(page, "button[type=submit]:not([formaction])")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "Ziele und Planung" in current_step(page)
    done = page.locator("#case-file").locator("xpath=..").inner_text()
    assert "Vollzeit" in done and "Kann nur vormittags" in done


def test_a_step_a_colleague_holds_is_read_only_and_sends_no_autosave(page, live_server, ctx,
                                                                     people):
    """Ben opens Anna's case: her step is shown read-only with her name and how to take it
    over, and nothing he does there sends a draft."""
    case = open_case(ctx, people["anna"], family_name="Kovalenko", given_names="Oleksandr")
    drafts = []
    page.on("request", lambda request: "/draft" in request.url and drafts.append(request.url))
    log_in(page, live_server, "ben")
    page.goto(f"{live_server}/cases/{case.id}")
    note = page.locator(".held-by")
    assert "Diesen Schritt bearbeitet Anna." in note.inner_text()
    assert "bitten Sie Ihre Teamleitung (Lea)" in note.inner_text()
    step = page.locator("article.task")
    assert step.locator("form[data-autosave]").count() == 0
    assert step.locator("button").count() == 0  # no submit, no draft
    field = step.locator("#place_of_birth")
    assert field.is_disabled()
    field.dispatch_event("input")  # as if something changed it
    page.goto(f"{live_server}/")  # leaving is when a page saves what is left
    page.locator("h1").wait_for()
    assert drafts == []


def test_an_autosave_that_is_refused_says_so_and_keeps_the_input(page, live_server, ctx,
                                                                  people):
    """The step is handed to Ben while Anna types: her page says at once that it was not
    saved because someone else holds the step, and her input stays."""
    case = open_case(ctx, people["anna"], family_name="Kovalenko", given_names="Oleksandr")
    log_in(page, live_server, "anna")
    page.goto(f"{live_server}/cases/{case.id}")
    team.reassign(ctx, people["lea"], [case.id], people["ben"].id, "Urlaub")
    task_form(page).locator("#place_of_birth").fill("Charkiw")
    alert = page.locator(".autosave-error[role=alert]")
    alert.filter(has_text="Nicht gespeichert: Jemand anderes bearbeitet diesen Schritt").wait_for()
    assert page.locator(".autosave-status").inner_text() == ""
    assert task_form(page).locator("#place_of_birth").input_value() == "Charkiw"

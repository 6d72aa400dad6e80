"""The web layer with Flask's test client: roles, CSRF, headers, forms that lose nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from caseapp.models import Case, HumanTask
from caseapp.services import cases, team, timers
from tests.conftest import PASSWORD, csrf_token
from tests.factories import answers, person, posted
from tests.helpers import complete_until, open_case, ready_task


def count(ctx, model) -> int:
    ctx.session.rollback()  # a fresh snapshot
    return ctx.session.scalar(select(func.count()).select_from(model))


def h1(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()


def task_form(html: str):
    action = re.search(r'action="(/cases/\d+/tasks/\d+)"', html).group(1)
    version = re.search(r'name="row_version" value="(\d+)"', html).group(1)
    return action, {"csrf_token": csrf_token(html), "row_version": version}


def test_anonymous_user_is_sent_to_login(app):
    response = app.test_client().get("/cases/1")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


@pytest.mark.parametrize("username, heading", [
    ("anna", "My work"), ("lea", "Team board"), ("ida", "Cases (read-only)"),
    ("adam", "Administration")])
def test_each_role_lands_on_its_own_page(login, username, heading):
    page = login(username).get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert h1(page.text) == heading


def test_german_is_the_default_and_english_can_be_chosen(app, people):
    client = app.test_client()
    assert "Anmelden" in client.get("/login").text
    assert "Log in" in client.get("/login", headers={"Accept-Language": "en"}).text
    token = csrf_token(client.get("/login").text)
    client.post("/language", data={"locale": "en", "csrf_token": token, "next": "/login"})
    assert "Log in" in client.get("/login").text


def test_wrong_password_is_refused_and_keeps_the_user_name(app, people):
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"username": "anna", "password": "nope",
                                           "csrf_token": token},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert "Unknown user name or wrong password." in response.text
    assert 'value="anna"' in response.text


def test_login_does_not_redirect_elsewhere(app, people):
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post("/login?next=//evil.example/x", data={
        "username": "anna", "password": PASSWORD, "csrf_token": token})
    assert response.location == "/"


def test_post_without_csrf_token_is_refused(login, ctx, people):
    case = open_case(ctx, people["anna"])
    client = login("anna")
    response = client.post(f"/cases/{case.id}/tasks/{ready_task(ctx, case.id).id}",
                           data=posted("person"))
    assert response.status_code == 400
    assert ready_task(ctx, case.id).form_key == "person"


def test_session_cookie_and_security_headers(app, people):
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"username": "anna", "password": PASSWORD,
                                           "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_counsellor_gets_404_for_another_teams_case(login, ctx, people):
    case = open_case(ctx, people["sami"])
    assert login("anna").get(f"/cases/{case.id}").status_code == 404
    assert login("lea").get(f"/cases/{case.id}").status_code == 404


def test_invalid_step_rerenders_every_value_with_messages_at_the_fields(login, ctx, people):
    case = open_case(ctx, people["anna"])
    client = login("anna")
    action, hidden = task_form(client.get(f"/cases/{case.id}").text)
    response = client.post(action, data={**hidden, **posted(
        "person", languages_spoken="Arabisch, Kurdisch (gut)", interpreter_needed="yes",
        interpreter_language="", data_protection_notice_given="2026-02-31")})
    assert response.status_code == 422
    html = response.text
    assert "Arabisch, Kurdisch (gut)" in html
    assert re.search(r'<option selected value="yes">|<option value="yes" selected', html)
    assert re.search(r'id="interpreter_language"[^>]*aria-invalid="true"', html) or \
        re.search(r'aria-invalid="true"[^>]*id="interpreter_language"', html)
    assert 'id="interpreter_language-error"' in html
    assert 'id="data_protection_notice_given-error"' in html
    assert 'value="2026-02-31"' in html
    assert ready_task(ctx, case.id).form_key == "person"


def test_form_messages_and_fields_speak_german_and_carry_no_empty_aria(login, ctx, people):
    """A refused step says what is missing in German, and no field has aria="None"."""
    case_id = open_case(ctx, people["anna"]).id
    client = login("anna", language="de")
    page = client.get(f"/cases/{case_id}").text
    assert 'aria-describedby="None"' not in page and 'aria-invalid="None"' not in page
    action = f"/cases/{case_id}/tasks/{ready_task(ctx, case_id).id}"
    refused = client.post(action, data={"csrf_token": csrf_token(page), "form_key": "person"})
    assert "Dieses Feld wird benötigt." in refused.text
    assert "This field is required." not in refused.text


def test_valid_step_redirects_so_back_and_reload_do_not_resubmit(login, ctx, people):
    case = open_case(ctx, people["anna"])
    client = login("anna")
    action, hidden = task_form(client.get(f"/cases/{case.id}").text)
    data = {**hidden, **posted("person")}
    first = client.post(action, data=data)
    assert first.status_code == 302 and first.location == f"/cases/{case.id}"
    again = client.post(action, data=data)
    assert again.status_code == 302
    assert ready_task(ctx, case.id).form_key == "residence"
    ctx.session.rollback()
    completed = ctx.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.state == "completed"))
    assert completed == 1


def test_revisiting_a_step_address_leads_to_the_case(login, ctx, people):
    """A step's address opened in the address bar leads to its case page."""
    case_id = open_case(ctx, people["anna"]).id
    task_id = ready_task(ctx, case_id).id
    response = login("anna").get(f"/cases/{case_id}/tasks/{task_id}")
    assert response.status_code == 302 and response.location.startswith(f"/cases/{case_id}")


def test_switching_language_after_a_refused_step_returns_to_the_case(login, ctx, people):
    """The language switch on a refused step's page leads back to the case, not the step."""
    case_id = open_case(ctx, people["anna"]).id
    client = login("anna")
    page = client.get(f"/cases/{case_id}").text
    action = f"/cases/{case_id}/tasks/{ready_task(ctx, case_id).id}"
    refused = client.post(action, data={"csrf_token": csrf_token(page), **posted(
        "person", sex="")}, headers={"Referer": f"http://localhost/cases/{case_id}"})
    assert refused.status_code == 422
    assert f'name="next" value="/cases/{case_id}"' in refused.text


def test_stale_form_is_refused_with_input_kept(login, ctx, people):
    case = open_case(ctx, people["anna"])
    anna, lea = login("anna"), login("lea")
    action, hidden = task_form(anna.get(f"/cases/{case.id}").text)
    lea_action, lea_hidden = task_form(lea.get(f"/cases/{case.id}").text)
    lea.post(lea_action, data={**lea_hidden, **posted("person", place_of_birth="Homs")})
    response = anna.post(action, data={**hidden, **posted("person", place_of_birth="Hama")},
                         headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert "already completed by Lea" in response.text
    assert 'value="Hama"' not in response.text  # the completed step is not offered again


def test_new_case_warns_of_a_likely_duplicate(login, ctx, people):
    open_case(ctx, people["anna"], family_name="Rahimi", given_names="Fatima")
    client = login("ben")
    page = client.get("/cases/new")
    data = {"csrf_token": csrf_token(page.text), "given_names": "Fatema",
            "family_name": "Rahimi", "birth_date": "1991-04-12", "municipality": "Alfeld"}
    warned = client.post("/cases/new", data=data, headers={"Accept-Language": "en"})
    assert warned.status_code == 200 and "Possibly already known" in warned.text
    assert count(ctx, Case) == 1
    created = client.post("/cases/new", data={**data, "confirm_new": "1"})
    assert created.status_code == 302
    assert count(ctx, Case) == 2


def test_new_case_with_missing_fields_keeps_input(login, people):
    client = login("anna")
    page = client.get("/cases/new")
    response = client.post("/cases/new", data={"csrf_token": csrf_token(page.text),
                                               "given_names": "Ömer", "family_name": "",
                                               "birth_date": "31.02.1990",
                                               "municipality": "Hildesheim"})
    assert response.status_code == 422
    assert 'value="Ömer"' in response.text
    assert 'id="family_name-error"' in response.text and 'id="birth_date-error"' in response.text


def test_contact_details_from_the_new_case_are_not_asked_twice(login, ctx, people):
    """Phone and e-mail given when opening the case fill the first step already."""
    case = cases.open_case(ctx, people["anna"], cases.NewCase(
        **person(), phone="0151 2345678", email="amina@example.org"))
    page = login("anna").get(f"/cases/{case.id}").text
    assert 'value="0151 2345678"' in page and 'value="amina@example.org"' in page


def test_search_finds_own_team_cases(login, ctx, people):
    case = open_case(ctx, people["anna"], family_name="Kovalenko")
    open_case(ctx, people["sami"], family_name="Kovalenko")
    page = login("ben").get("/cases/search?q=kovalenko")
    assert page.text.count("/cases/") - page.text.count("/cases/new") \
        - page.text.count("/cases/search") == 1
    assert f"/cases/{case.id}" in page.text


def test_logout_ends_the_session(login):
    client = login("anna")
    token = csrf_token(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_conflict_message_is_in_the_readers_language(login, ctx, people):
    case = open_case(ctx, people["anna"])
    anna, lea = login("anna", language="de"), login("lea")
    action, hidden = task_form(anna.get(f"/cases/{case.id}").text)
    lea_action, lea_hidden = task_form(lea.get(f"/cases/{case.id}").text)
    lea.post(lea_action, data={**lea_hidden, **posted("person")})
    response = anna.post(action, data={**hidden, **posted("person")})
    assert response.status_code == 409
    assert "„Person und Kontakt“ wurde bereits von Lea abgeschlossen" in response.text


def test_deviating_referral_without_reason_is_marked_at_the_field(login, ctx, people):
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "language_literacy")
    client = login("anna")
    action, hidden = task_form(client.get(f"/cases/{case.id}").text)
    response = client.post(action, data={**hidden, "form_key": "referral",
                                         "course_type": "intensivkurs", "override_reason": "",
                                         "recommended": "intensivkurs"})
    assert response.status_code == 422
    assert 'id="override_reason-error"' in response.text
    assert "The recommendation was General integration course" in response.text
    assert re.search(r'<option selected value="intensivkurs">|'
                     r'<option value="intensivkurs" selected', response.text)


def test_step_posted_with_another_steps_form_is_refused(login, ctx, people):
    case = open_case(ctx, people["anna"])
    client = login("anna")
    action, hidden = task_form(client.get(f"/cases/{case.id}").text)
    response = client.post(action, data={**hidden, **posted("language_literacy")})
    assert response.status_code == 422
    assert "This form does not belong to this step." in response.text
    assert ready_task(ctx, case.id).form_key == "person"


def test_after_a_conflict_submitting_again_works(login, ctx, people):
    case = open_case(ctx, people["anna"])
    anna = login("anna")
    action, hidden = task_form(anna.get(f"/cases/{case.id}").text)
    complete_until(ctx, people["lea"], case.id, "person")
    conflict = anna.post(action, data={**hidden, **posted("person")})
    assert conflict.status_code == 409
    retry_action, retry_hidden = task_form(conflict.text)
    assert retry_hidden["row_version"] != hidden["row_version"]
    response = anna.post(retry_action, data={**retry_hidden, **posted("residence")})
    assert response.status_code == 302
    assert ready_task(ctx, case.id).form_key == "family"


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/"])
def test_login_only_redirects_within_the_site(app, people, target):
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", query_string={"next": target}, data={
        "username": "anna", "password": PASSWORD, "csrf_token": token})
    assert response.location == "/"


def test_explicit_draft_keeps_unvalidated_input_for_another_browser(login, ctx, people):
    case = open_case(ctx, people["anna"])
    first = login("anna")
    action, hidden = task_form(first.get(f"/cases/{case.id}").text)
    saved = first.post(action + "/draft", data={**hidden, "form_key": "person",
                                                "place_of_birth": "Damaskus",
                                                "data_protection_notice_given": "bald"})
    assert saved.status_code == 302
    second = login("anna")  # another browser, another session
    page = second.get(f"/cases/{case.id}").text
    assert 'value="Damaskus"' in page and 'value="bald"' in page
    assert "Draft from" in page
    assert ready_task(ctx, case.id).form_key == "person"


def test_input_refused_by_the_form_is_kept_as_a_draft(login, ctx, people):
    """Typed in the last seconds before "Complete step", refused, and the page left: the
    input is still there when the step is opened again."""
    case = open_case(ctx, people["anna"])
    anna = login("anna")
    action, hidden = task_form(anna.get(f"/cases/{case.id}").text)
    data = {**posted("person"), "place_of_birth": "Aleppo", "data_protection_notice_given": ""}
    refused = anna.post(action, data={**hidden, **data})
    assert refused.status_code == 422 and "kept as a draft" in refused.text
    page = login("anna").get(f"/cases/{case.id}").text  # another browser, later
    assert 'value="Aleppo"' in page and "Draft from" in page
    assert ready_task(ctx, case.id).form_key == "person"


def test_save_draft_conflict_keeps_the_input_visible(login, ctx, people):
    """A draft saved on a step someone else completed meanwhile shows what was typed."""
    case_id = open_case(ctx, people["anna"]).id
    client = login("anna")
    page = client.get(f"/cases/{case_id}").text
    action = f"/cases/{case_id}/tasks/{ready_task(ctx, case_id).id}"
    complete_until(ctx, people["lea"], case_id, "person")
    response = client.post(action + "/draft", data={
        "csrf_token": csrf_token(page), **posted("person", place_of_birth="Damaskus")})
    assert response.status_code == 409
    assert "Your input (not saved)" in response.text and "Damaskus" in response.text


def test_autosave_answers_json_and_refuses_finished_steps(login, ctx, people):
    case = open_case(ctx, people["anna"])
    client = login("anna")
    action, hidden = task_form(client.get(f"/cases/{case.id}").text)
    ok = client.post(action + "/draft?autosave=1", data={**hidden, "place_of_birth": "Idlib"})
    assert ok.status_code == 200 and ok.json["saved"] is True
    complete_until(ctx, people["anna"], case.id, "person")
    late = client.post(action + "/draft?autosave=1", data={**hidden, "place_of_birth": "x"})
    assert late.status_code == 409 and late.json["saved"] is False
    assert "already completed" in late.json["message"]


def test_case_file_shows_completed_steps_read_only(login, ctx, people):
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "residence")
    page = login("ben").get(f"/cases/{case.id}").text
    file_part = page[page.index('id="case-file"'):]
    assert answers("person")["place_of_birth"] in file_part
    assert answers("residence")["residence_paragraph"] in file_part
    assert "Anna" in file_part  # who entered it
    assert 'aria-current="step"' in page


def test_case_file_shows_chosen_options_by_their_label_in_the_readers_language(login, ctx,
                                                                             people):
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "residence")
    page = login("ben", language="de").get(f"/cases/{case.id}").text
    file_part = page[page.index('id="case-file"'):]
    assert "<dd>Weiblich</dd>" in file_part and "<dd>female</dd>" not in file_part
    assert "Geburtsort" in file_part
    assert f"<dd>{answers('person')['place_of_birth']}</dd>" in file_part


def test_dates_are_day_first_and_in_the_offices_time_zone_in_every_language(login, ctx,
                                                                            people):
    """A German office reads 02/03 as the 2nd of March: English pages write days first
    too, and times in Europe/Berlin (the test clock stands at 09:00 UTC, 10:00 there)."""
    open_case(ctx, people["anna"])
    english = login("anna", language="en").get("/").text
    assert "02/03/2026, 10:00" in english and "3/2/26" not in english
    german = login("anna", language="de").get("/").text
    assert "02.03.26, 10:00" in german


def test_a_counsellors_tasks_and_queue_name_the_newcomer(login, ctx, people):
    """A counsellor's own tasks and the team queue say whose case each step is."""
    mine = open_case(ctx, people["anna"], family_name="Haddad", given_names="Amina").id
    queued = open_case(ctx, people["ben"], family_name="Rahimi", given_names="Fatima").id
    team.reassign(ctx, people["lea"], [queued], None, "in die Warteschlange")
    html = login("anna").get("/").text

    def row(section: str, case_id: int) -> str:
        part = html[html.index(f'aria-labelledby="{section}"'):]
        part = part[part.index(f'href="/cases/{case_id}"'):]
        return part[:part.index("</tr>")]
    assert "Haddad, Amina" in row("my-tasks", mine)
    assert "Rahimi, Fatima" in row("queue", queued)


def step_article(html: str) -> str:
    start = html.index('<article class="task"')
    return html[start:html.index("</article>", start)]


def test_a_step_a_colleague_holds_is_read_only_and_says_how_to_take_it_over(login, ctx,
                                                                           people):
    """No editable form, no autosave, no submit: who holds it, and that the team lead
    reassigns; a step nobody holds offers the claim instead."""
    case_id = open_case(ctx, people["anna"]).id
    ben = login("ben")
    step = step_article(ben.get(f"/cases/{case_id}").text)
    assert "Anna holds this step." in step and "ask your team lead (Lea)" in step
    assert "<fieldset disabled" in step and 'name="place_of_birth"' in step
    assert "data-autosave" not in step and "Complete step" not in step
    assert "Save draft" not in step and "/claim" not in step

    team.reassign(ctx, people["lea"], [case_id], None, "in die Warteschlange")
    step = step_article(ben.get(f"/cases/{case_id}").text)
    assert "nobody holds it yet" in step and f"/tasks/{ready_task(ctx, case_id).id}/claim" in step
    assert "data-autosave" in step and "<fieldset disabled" not in step


def test_a_team_lead_sees_who_holds_a_step_and_where_to_reassign(login, ctx, people):
    """The lead may work any step, and is told whose it is and led to the reassignment."""
    case_id = open_case(ctx, people["anna"]).id
    html = login("lea").get(f"/cases/{case_id}").text
    step = step_article(html)
    assert "Anna holds this step. As team lead you can work it too" in step
    assert 'href="#reassign"' in step and 'id="reassign"' in html
    assert "data-autosave" in step


def test_the_team_leads_step_is_read_only_for_a_counsellor(login, ctx, people, clock):
    """An escalation is shown to the counsellor holding the case, but only to read."""
    anna = people["anna"]
    case_id = open_case(ctx, anna).id
    complete_until(ctx, anna, case_id, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    clock.advance(days=8)
    timers.fire_due_timers(ctx)
    html = login("anna").get(f"/cases/{case_id}").text
    review = html[html.index(f'id="task-{ready_task(ctx, case_id, "overdue_review").id}"'):]
    review = review[:review.index("</article>")]
    assert "This step is the team lead's work." in review and "data-autosave" not in review


def test_the_default_icon_address_leads_to_the_site_icon(app):
    """A browser's own request for /favicon.ico finds the icon, logged in or not."""
    icon = app.test_client().get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.data


def test_a_name_longer_than_its_column_is_refused_not_cut(login, ctx, people):
    """A pasted 300-character name with emoji is refused with its length, the input kept;
    the browser gets no maxlength to cut it silently (it counts an emoji as two)."""
    client = login("anna", "de")
    page = client.get("/cases/new").text
    given = re.search(r'<input[^>]*name="given_names"[^>]*>', page).group(0)
    assert "maxlength" not in given
    name = "Müller-Lüdenscheidt-Sehrlang-😀" * 10  # 300 characters
    response = client.post("/cases/new", data={
        "csrf_token": csrf_token(page), "given_names": name, "family_name": "Sehrlang",
        "birth_date": "12.04.1991", "municipality": "Hildesheim"})
    assert response.status_code == 422
    error = re.search(r'id="given_names-error"[^>]*>([^<]*)<', response.text).group(1)
    assert error == "Höchstens 200 Zeichen, bitte: hier sind es 300."
    assert f'value="{name}"' in response.text
    assert ctx.session.scalar(select(func.count()).select_from(Case)) == 0

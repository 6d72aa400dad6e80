"""The web layer with Flask's test client: roles, CSRF, headers, forms that lose nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from caseapp.models import Case, HumanTask
from tests.conftest import PASSWORD, csrf_token
from tests.helpers import open_case, ready_task


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
    ("anna", "My work"), ("lea", "Team overview"), ("ida", "Cases (read-only)"),
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
                           data={"form_key": "situation_analysis", "goals": "x"})
    assert response.status_code == 400
    assert ready_task(ctx, case.id).form_key == "situation_analysis"


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


def test_auditor_reads_any_case_but_every_write_is_refused(login, ctx, people):
    case = open_case(ctx, people["sami"])
    client = login("ida")
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200 and "Read-only access." in page.text
    token = csrf_token(page.text)
    task = ready_task(ctx, case.id)
    response = client.post(f"/cases/{case.id}/tasks/{task.id}", data={
        "csrf_token": token, "form_key": "situation_analysis", "household": "alone",
        "children_count": "0", "schooling_years": "5", "goals": "x"})
    assert response.status_code == 403
    assert client.post(f"/cases/{case.id}/tasks/{task.id}/claim",
                       data={"csrf_token": token}).status_code == 403
    assert client.post("/cases/new", data={"csrf_token": token}).status_code == 403
    assert ready_task(ctx, case.id).id == task.id


def test_invalid_step_rerenders_every_value_with_messages_at_the_fields(login, ctx, people):
    case = open_case(ctx, people["anna"])
    client = login("anna")
    action, hidden = task_form(client.get(f"/cases/{case.id}").text)
    response = client.post(action, data={**hidden, "form_key": "situation_analysis",
                                         "household": "partner", "children_count": "2",
                                         "schooling_years": "99",
                                         "work_experience": "Schneiderin, 6 Jahre",
                                         "goals": ""}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    html = response.text
    assert "Schneiderin, 6 Jahre" in html
    assert re.search(r'<option selected value="partner">|<option value="partner" selected', html)
    assert re.search(r'id="schooling_years"[^>]*aria-invalid="true"', html) or \
        re.search(r'aria-invalid="true"[^>]*id="schooling_years"', html)
    assert 'id="schooling_years-error"' in html and 'id="goals-error"' in html
    assert ready_task(ctx, case.id).form_key == "situation_analysis"


def test_valid_step_redirects_so_back_and_reload_do_not_resubmit(login, ctx, people):
    case = open_case(ctx, people["anna"])
    client = login("anna")
    action, hidden = task_form(client.get(f"/cases/{case.id}").text)
    data = {**hidden, "form_key": "situation_analysis", "household": "alone",
            "children_count": "0", "schooling_years": "8", "goals": "Deutsch lernen"}
    first = client.post(action, data=data)
    assert first.status_code == 302 and first.location == f"/cases/{case.id}"
    again = client.post(action, data=data)
    assert again.status_code == 302
    assert ready_task(ctx, case.id).form_key == "language_assessment"
    ctx.session.rollback()
    completed = ctx.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.state == "completed"))
    assert completed == 1


def test_stale_form_is_refused_with_input_kept(login, ctx, people):
    case = open_case(ctx, people["anna"])
    anna, lea = login("anna"), login("lea")
    action, hidden = task_form(anna.get(f"/cases/{case.id}").text)
    lea_action, lea_hidden = task_form(lea.get(f"/cases/{case.id}").text)
    lea.post(lea_action, data={**lea_hidden, "form_key": "situation_analysis",
                               "household": "alone", "children_count": "0",
                               "schooling_years": "8", "goals": "von Lea"})
    response = anna.post(action, data={**hidden, "form_key": "situation_analysis",
                                       "household": "alone", "children_count": "0",
                                       "schooling_years": "8", "goals": "von Anna"},
                         headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert "already completed by Lea" in response.text


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
    step = {"form_key": "situation_analysis", "household": "alone", "children_count": "0",
            "schooling_years": "8", "goals": "x"}
    lea.post(lea_action, data={**lea_hidden, **step})
    response = anna.post(action, data={**hidden, **step})
    assert response.status_code == 409
    assert "„Situationsanalyse“ wurde bereits von Lea abgeschlossen" in response.text


def test_deviating_referral_without_reason_is_marked_at_the_field(login, ctx, people):
    from tests.helpers import complete
    case = open_case(ctx, people["anna"])
    complete(ctx, people["anna"], case.id, "situation_analysis")
    complete(ctx, people["anna"], case.id, "language_assessment")
    client = login("anna")
    action, hidden = task_form(client.get(f"/cases/{case.id}").text)
    response = client.post(action, data={**hidden, "form_key": "referral",
                                         "course_type": "intensivkurs", "override_reason": "",
                                         "recommended": "intensivkurs"})
    assert response.status_code == 422
    assert 'id="override_reason-error"' in response.text
    assert "The recommendation was integrationskurs" in response.text
    assert re.search(r'<option selected value="intensivkurs">|'
                     r'<option value="intensivkurs" selected', response.text)

"""Every attack tried against Ankommen, with the refusal expected: the catalogue a reviewer
reads first. An attack proved in depth elsewhere names its test (checked to exist); the
others are proved here, each over the whole URL map where it concerns routes."""

from __future__ import annotations

import importlib
import re

import pytest
from sqlalchemy import func, select

from caseapp.models import Case
from forms import TASK_FORMS
from tests.conftest import csrf_token
from tests.helpers import open_case, ready_task
from tests.http_visitor import Visitor
from tests.test_production import ON_POSTGRESQL, log_in, production_server  # noqa: F401
from tests.test_read_only import fingerprint

# (attack, expected refusal, the test that proves it)
ATTACKS = [
    ("read another team's case by its id", "404, as if there were none",
     "test_web::test_counsellor_gets_404_for_another_teams_case"),
    ("an auditor posts to every write route with a valid CSRF token",
     "403, every table unchanged", "test_read_only::test_every_write_route_refuses_an_auditor"),
    ("an anonymous visitor opens every route", "sent to the login page",
     "test_attacks::test_every_route_sends_an_anonymous_visitor_to_the_login_page"),
    ("a post without a CSRF token, or with another session's, to every write route",
     "400, every table unchanged",
     "test_attacks::test_every_write_route_refuses_a_post_without_its_csrf_token"),
    ("script tags in every free-text field of the intake and the open step",
     "shown escaped on every page", "test_attacks::test_script_in_free_text_is_shown_escaped"),
    ("SQL metacharacters and wildcards in the search", "a literal search: nothing found",
     "test_attacks::test_sql_metacharacters_in_the_search_find_nothing"),
    ("hostile ids, numbers and texts on every route as every role", "no 5xx, nothing kept",
     "test_hostile_input::test_no_route_answers_5xx_or_commits_a_refusal"),
    ("many failed logins from one address, any user names", "429 from the 21st in a minute",
     "test_rate_limits::test_the_21st_failed_login_from_one_address_within_a_minute_gets_429"),
    ("the same login failures counted across two gunicorn workers", "429 all the same",
     "test_rate_limits::test_the_limits_hold_across_two_gunicorn_workers"),
    ("lock another person's account (the only admin's) by guessing",
     "only that name from that address waits, growing; the owner elsewhere logs in",
     "test_rate_limits::test_the_delay_grows_for_one_name_and_locks_out_nobody_else"),
    ("tell existing user names from unknown ones by the answers",
     "identical answers, a password hash checked for either",
     "test_rate_limits::test_a_known_and_an_unknown_user_name_get_identical_answers"),
    ("flood the writes of one account", "429",
     "test_rate_limits::test_every_write_is_limited_per_account"),
    ("replay a session cookie after logout, over HTTP to gunicorn", "the login page",
     "test_attacks::test_a_cookie_replayed_after_logout_over_http_opens_nothing"),
    ("replay a cookie after a password reset", "the login page",
     "test_sessions::test_a_password_reset_ends_every_session_of_the_user"),
    ("replay a cookie kept from before a deactivation, after the reactivation",
     "the login page",
     "test_sessions::test_a_cookie_from_before_a_deactivation_stays_dead_after_reactivation"),
    ("keep using a session after a role change", "the login page",
     "test_sessions::test_a_role_change_ends_the_sessions_and_is_recorded"),
    ("use a session left idle, or one older than the absolute limit", "the login page",
     "test_sessions::test_an_idle_session_ends_after_the_idle_limit"),
    ("read session tokens from the database", "only digests are stored",
     "test_sessions::test_the_database_holds_no_session_token"),
    ("an admin creates an auditor account to read case contents through it",
     "the account stays closed until a second admin confirms",
     "test_four_eyes::test_an_admins_new_auditor_cannot_log_in_before_a_second_admin_confirms"),
    ("an admin confirms their own role grant or reactivation", "403, nothing changes",
     "test_four_eyes::test_a_role_grant_waits_for_a_second_admin"),
    ("an admin resets a counsellor's or an auditor's password to log in as them",
     "the account stays closed until a second admin confirms",
     "test_four_eyes::test_an_admin_who_sets_a_password_cannot_log_in_with_it_alone"),
    ("hide a duplicate behind zero-width, right-to-left or look-alike letters",
     "the duplicate warning",
     "test_names::test_invisible_and_look_alike_letters_do_not_hide_a_duplicate"),
    ("store invisible format characters in a name", "a clear refusal at the field",
     "test_names::test_invisible_characters_in_a_name_are_refused_with_a_clear_message"),
    ("store NUL, ESC or BEL in a name", "a refusal at the field",
     "test_names::test_nul_esc_and_bel_in_a_name_are_refused"),
    ("birth dates 0001-01-01 and 1800-01-01", "refused: from 1900 on",
     "test_names::test_birth_dates_from_1900_on"),
    ("an unreadable birth date", "says it is not a date (not \"required\")",
     "test_names::test_an_unreadable_birth_date_says_so"),
    ("probe the duplicate check for another team's person", "a hint only, audited",
     "test_names::test_the_other_teams_duplicate_hint_is_recorded_without_personal_data"),
    ("read the SQLite file as another local user", "0600 in a 0700 folder",
     "test_files_and_headers::test_the_sqlite_file_and_its_folder_are_for_the_owner_only"),
    ("frame, sniff or cache a logged-in page", "every security header sent",
     "test_files_and_headers::test_every_security_header_on_a_logged_in_page"),
]

# Open to anyone: the public offers carry no personal data (tests/test_public_offers.py).
PUBLIC = {"static", "site_files.favicon", "health.alive", "health.ready", "auth.login",
          "auth.language", "offers.page", "offers.feed"}
SCRIPT = "<script>alert('x')</script>"


@pytest.mark.parametrize("attack, refusal, proof", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_every_attack_names_a_test_that_exists(attack, refusal, proof):
    module, name = proof.split("::")
    assert callable(getattr(importlib.import_module(f"tests.{module}"), name, None)), proof


def _filled(rule, value) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", str(value), rule.rule)


def test_every_route_sends_an_anonymous_visitor_to_the_login_page(app, ctx, people):
    case = open_case(ctx, people["anna"])
    client = app.test_client()
    token = csrf_token(client.get("/login").text)  # a real token: the login check is reached
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            answer = client.open(_filled(rule, case.id), method=method,
                                 data={"csrf_token": token} if method == "POST" else None)
            assert answer.status_code == 302, f"{method} {rule.rule}: {answer.status_code}"
            assert answer.location.startswith("/login"), f"{method} {rule.rule}"
            checked += 1
    assert checked >= 45


def test_every_write_route_refuses_a_post_without_its_csrf_token(app, login, ctx, people):
    case = open_case(ctx, people["anna"])
    others_token = csrf_token(login("ben").get("/").text)
    anna, admin = login("anna"), login("adam")
    before = fingerprint(ctx)
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        client = admin if rule.endpoint.startswith("admin.") else anna
        for data in ({}, {"csrf_token": others_token}, {"csrf_token": "forged"}):
            answer = client.post(_filled(rule, case.id), data=data)
            assert answer.status_code == 400, f"POST {rule.rule} {data}: {answer.status_code}"
            checked += 1
    assert checked >= 3 * 25
    assert fingerprint(ctx) == before


def test_script_in_free_text_is_shown_escaped(login, ctx, people):
    anna = login("anna")
    token = csrf_token(anna.get("/cases/new").text)
    opened = anna.post("/cases/new", data={
        "csrf_token": token, "given_names": SCRIPT, "family_name": f"Haddad{SCRIPT}",
        "birth_date": "1991-04-12", "municipality": SCRIPT, "phone": SCRIPT})
    assert opened.status_code == 302, opened.text
    case_id = ctx.session.scalar(select(func.max(Case.id)))
    task = ready_task(ctx, case_id)
    texts = {field.name: SCRIPT for field in TASK_FORMS[task.form_key]()
             if field.type in ("StringField", "TextAreaField")}
    assert len(texts) >= 3
    page = anna.get(f"/cases/{case_id}")
    saved = anna.post(f"/cases/{case_id}/tasks/{task.id}/draft",
                      data={"csrf_token": csrf_token(page.text), "form_key": task.form_key,
                            **texts})
    assert saved.status_code in (200, 204, 302)
    for path in (f"/cases/{case_id}", "/cases/search?q=Haddad", "/",
                 f"/cases/{case_id}/process"):
        shown = anna.get(path).text
        assert SCRIPT not in shown, path
    assert "&lt;script&gt;" in anna.get(f"/cases/{case_id}").text
    assert SCRIPT not in login("lea").get("/team/").text
    assert SCRIPT not in login("ida").get(f"/audit/cases/{case_id}").text


@pytest.mark.parametrize("query", ["' OR '1'='1", "'; DROP TABLE cases; --", "%", "_",
                                   "\\", "%_%", "*", "\"", "1 OR 1=1"])
def test_sql_metacharacters_in_the_search_find_nothing(login, ctx, people, query):
    open_case(ctx, people["anna"])
    open_case(ctx, people["sami"], family_name="Rahimi")
    found = login("anna").get("/cases/search", query_string={"q": query})
    assert found.status_code == 200
    assert "Haddad" not in found.text and "Rahimi" not in found.text
    ctx.session.rollback()
    assert ctx.session.scalar(select(func.count()).select_from(Case)) == 2


@ON_POSTGRESQL
def test_a_cookie_replayed_after_logout_over_http_opens_nothing(production_server):  # noqa: F811
    visitor = Visitor(production_server.url)
    assert log_in(visitor, "anna").status == 302
    captured = dict(visitor.cookies)
    assert visitor.get("/").status == 200
    visitor.post("/logout", {"csrf_token": csrf_token(visitor.get("/").text)})
    thief = Visitor(production_server.url, cookies=captured)
    answer = thief.get("/")
    assert answer.status == 302 and answer.header("Location").startswith("/login")

"""Rate limits: failed logins per address and per user name and address (a growing delay),
the same answers for names that exist and names that do not, an admin lifting the limits,
every write limited per account, and the counters shared by every gunicorn worker."""

from __future__ import annotations

import re

from caseapp.services import users
from tests.conftest import PASSWORD, csrf_token
from tests.gunicorn_server import production_env, running_gunicorn
from tests.http_visitor import Visitor
from tests.test_admin_users import events, post, second_admin
from tests.test_production import KEYS, ON_POSTGRESQL

TOO_MANY = "Too many attempts in a short time."


def browser(app, address: str = "127.0.0.1", language: str = "en"):
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
    return client


def try_login(client, username: str, password: str = "wrong password"):
    token = csrf_token(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def without_token(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def test_the_21st_failed_login_from_one_address_within_a_minute_gets_429(app, people, clock):
    client = browser(app)
    names = ["anna", "ben", "lea", "sami", "ida", "nobody", "admin", "root", "x", "y"]
    for name in names * 2:  # 20 failures, at most two per name
        assert try_login(client, name).status_code == 401
    refused = try_login(client, "anna", PASSWORD)  # even the right password
    assert refused.status_code == 429 and TOO_MANY in refused.text
    assert "Please wait 1 minute" in refused.text and refused.headers["Retry-After"] == "60"
    assert 'value="anna"' in refused.text  # the typed name is kept
    assert try_login(browser(app, "10.0.0.2"), "anna", PASSWORD).status_code == 302
    clock.advance(seconds=61)
    assert try_login(client, "anna", PASSWORD).status_code == 302


def test_a_known_and_an_unknown_user_name_get_identical_answers(app, people, monkeypatch):
    """Same status, same page, and a password hash checked for either name."""
    checked = []
    real_check = users.check_password_hash

    def counting_check(stored, password):
        checked.append(stored)
        return real_check(stored, password)

    monkeypatch.setattr(users, "check_password_hash", counting_check)
    answers = {}
    for name in ("anna", "nobody"):
        client = browser(app)
        replies = [try_login(client, name) for _ in range(7)]
        answers[name] = [(r.status_code, without_token(r.text).replace(name, "NAME"))
                         for r in replies]
    assert answers["anna"] == answers["nobody"]
    assert [status for status, _ in answers["anna"]] == [401] * 5 + [429] * 2
    assert len(checked) == 10  # five hashes checked for each name; none once refused


def test_the_delay_grows_for_one_name_and_locks_out_nobody_else(app, people, clock):
    client = browser(app)
    for _ in range(5):
        assert try_login(client, "anna").status_code == 401
    assert try_login(client, "anna", PASSWORD).status_code == 429
    # anna herself, at her own desk, is not locked out; nor is another name from here
    assert try_login(browser(app, "10.0.0.7"), "anna", PASSWORD).status_code == 302
    assert try_login(browser(app), "ben", PASSWORD).status_code == 302
    clock.advance(seconds=61)
    for _ in range(5):
        assert try_login(client, "anna").status_code == 401
    clock.advance(seconds=61)
    refused = try_login(client, "anna", PASSWORD)  # ten within 15 minutes: a longer wait
    assert refused.status_code == 429 and "Please wait 15 minutes" in refused.text
    clock.advance(minutes=14)
    assert try_login(client, "anna", PASSWORD).status_code == 302


def test_an_admin_lifts_the_login_limits_of_a_user(app, ctx, login, people):
    client = browser(app, "10.0.0.9")
    for _ in range(5):
        try_login(client, "anna")
    assert try_login(client, "anna", PASSWORD).status_code == 429
    admin = login("adam")
    page = f"/admin/users/{people['anna'].id}"
    done = post(admin, f"{page}/login-limits", page)
    assert done.status_code == 302
    assert "the user can try again at once" in admin.get(page).text
    assert try_login(client, "anna", PASSWORD).status_code == 302
    [event] = events(ctx, "login_limits_lifted")
    assert (event.actor_id, event.details) == (people["adam"].id, {"user": people["anna"].id})


def test_a_password_reset_also_lifts_the_login_limits(app, ctx, people):
    client = browser(app)
    for _ in range(5):
        try_login(client, "sami")
    users.reset_password(ctx, people["adam"], people["sami"].id, "a brand new secret")
    eve = second_admin(ctx)
    ctx.session.rollback()
    [grant] = users.pending_grants(ctx, eve)  # the account opens when a second admin agrees
    users.confirm_grant(ctx, eve, grant.id)
    assert try_login(client, "sami", "a brand new secret").status_code == 302


def test_every_write_is_limited_per_account(app, login):
    app.config["WRITES_PER_ACCOUNT"] = "3 per minute"
    anna, ben = login("anna"), login("ben")
    token = csrf_token(anna.get("/").text)
    replies = [anna.post("/language", data={"csrf_token": token, "locale": "en"})
               for _ in range(4)]
    assert [r.status_code for r in replies] == [302, 302, 302, 429]
    assert TOO_MANY in replies[-1].text
    assert anna.get("/").status_code == 200  # reading goes on
    ben_token = csrf_token(ben.get("/").text)
    assert ben.post("/language", data={"csrf_token": ben_token, "locale": "en"}
                    ).status_code == 302


def test_every_write_is_limited_per_address(app, people):
    app.config["WRITES_PER_ADDRESS"] = "2 per minute"
    client = browser(app, "10.0.0.3")
    assert [try_login(client, "anna").status_code for _ in range(3)] == [401, 401, 429]


def test_the_429_page_speaks_the_readers_language(app, people):
    client = browser(app, language="de")
    for _ in range(5):
        try_login(client, "nobody")
    refused = try_login(client, "nobody")
    assert refused.status_code == 429
    assert "Zu viele Versuche in kurzer Zeit. Bitte warten Sie 1 Minute" in refused.text


@ON_POSTGRESQL
def test_the_limits_hold_across_two_gunicorn_workers(db_url, people, tmp_path):
    """Every worker counts in the database: the 21st failure is refused whichever worker
    answers it."""
    env = production_env(DATABASE_URL=db_url, ANKOMMEN_INSTANCE=str(tmp_path), **KEYS)
    with running_gunicorn(env, tmp_path, workers=2) as server:
        statuses = []
        for number in range(21):
            visitor = Visitor(server.url)  # a new connection each time: any worker answers
            token = csrf_token(visitor.get("/login").text)
            statuses.append(visitor.post("/login", {"username": f"guess{number}",
                                                    "password": "x" * 10,
                                                    "csrf_token": token}).status)
        assert len(server.booted_workers()) == 2
    assert statuses == [401] * 20 + [429]

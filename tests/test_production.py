"""Production mode: real gunicorn on PostgreSQL, the refusal to start half-configured, and
no personal data in any log line or error page."""

from __future__ import annotations

import logging
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from caseapp import create_app
from tests.browser import serve
from tests.conftest import PASSWORD, TestConfig, csrf_token
from tests.factories import posted
from tests.gunicorn_server import GUNICORN, ROOT, production_env, running_gunicorn
from tests.http_visitor import Reply, Visitor

WORKER = [str(Path(sys.executable).with_name("flask")), "--app", "caseapp", "worker", "--once"]
WEB = [str(GUNICORN), "-c", "gunicorn.conf.py"]
KEYS = {"SECRET_KEY": "s" * 64, "ANKOMMEN_AUDIT_KEY": "a" * 64,
        "ANKOMMEN_DATA_KEYS": "prod:" + "d" * 64}
ON_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

# What the journey types; none of it may reach a log line or an error page.
GIVEN, FAMILY, BORN_ISO, BORN_DE = "Zyxwerta", "Quonkel", "1987-06-05", "05.06.1987"
PERSONAL = (GIVEN, FAMILY, BORN_ISO, BORN_DE, "1987, 6, 5")  # the last: a date's repr
ERROR_PAGE = {400, 403, 404, 405}  # and every 5xx; forms shown again keep their input


@pytest.fixture
def production_server(db_url, people, tmp_path):
    """gunicorn, two workers, on the session's PostgreSQL; `people` are its users."""
    env = production_env(DATABASE_URL=db_url, ANKOMMEN_INSTANCE=str(tmp_path), **KEYS)
    with running_gunicorn(env, tmp_path) as server:
        yield server


def log_in(visitor: Visitor, username: str, path: str = "/login") -> Reply:
    token = csrf_token(visitor.get(path).text)
    return visitor.post(path, {"username": username, "password": PASSWORD,
                               "csrf_token": token})


def open_case(visitor: Visitor, given_names: str, family_name: str, birth_date: str) -> Reply:
    token = csrf_token(visitor.get("/cases/new").text)
    return visitor.post("/cases/new", {"csrf_token": token, "municipality": "Hildesheim",
                                       "given_names": given_names, "family_name": family_name,
                                       "birth_date": birth_date})


@ON_POSTGRESQL
def test_gunicorn_serves_a_whole_visit_with_two_workers(production_server):
    """Log in, open a case, load it, search, log out: over HTTP, as a browser would."""
    visitor = Visitor(production_server.url)
    login = log_in(visitor, "anna")
    assert login.status == 302 and login.header("Location") == "/"
    session_cookie = next(c for c in login.all_headers("Set-Cookie") if c.startswith("session="))
    assert {"secure", "httponly", "samesite=lax"} <= {
        part.strip().lower() for part in session_cookie.split(";")}

    opened = open_case(visitor, "Amina", "Haddad", "1991-04-12")
    assert opened.status == 302, opened.text
    case_page = visitor.follow(opened)
    assert case_page.status == 200 and "Haddad" in case_page.text
    number = re.search(r"\d{4}-\d{5}", case_page.text).group(0)
    found = visitor.get("/cases/search?q=Haddad")
    assert found.status == 200 and number in found.text

    for page in (case_page, found, visitor.get("/")):
        assert page.header("Cache-Control") == "no-store"
    for reply in visitor.replies:
        assert reply.header("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"

    logout = visitor.post("/logout", {"csrf_token": csrf_token(found.text)})
    assert logout.status == 302 and logout.header("Location") == "/login"
    assert visitor.get(opened.header("Location")).header("Location").startswith("/login?")

    assert len(production_server.booted_workers()) == 2
    assert production_server.stop() == 0


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ANKOMMEN_AUDIT_KEY",
                                     "ANKOMMEN_DATA_KEYS"])
@pytest.mark.parametrize("command", [WORKER, WEB], ids=["worker", "gunicorn"])
def test_production_refuses_to_start_without_each_required_variable(command, missing,
                                                                      tmp_path):
    env = production_env(DATABASE_URL="postgresql+psycopg://ankommen@127.0.0.1:1/ankommen",
                         ANKOMMEN_INSTANCE=str(tmp_path), **KEYS)
    del env[missing]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert f"refuses to start: set {missing} in the environment" in result.stderr


@pytest.mark.parametrize("command, name, value", [
    (WORKER, "ANKOMMEN_ENV", "prod"), (WORKER, "ANKOMMEN_PROXY_COUNT", "one"),
    (WEB, "ANKOMMEN_PROXY_COUNT", "-1"), (WEB, "ANKOMMEN_WEB_WORKERS", "0"),
    (WEB, "ANKOMMEN_WEB_THREADS", "many"), (WORKER, "ANKOMMEN_TIME_ZONE", "Mars/Base")])
def test_a_malformed_setting_is_refused_by_name(command, name, value, tmp_path):
    env = production_env(DATABASE_URL="postgresql+psycopg://ankommen@127.0.0.1:1/ankommen",
                         ANKOMMEN_INSTANCE=str(tmp_path), **KEYS, **{name: value})
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert f"{name} must be " in result.stderr and repr(value) in result.stderr


def test_development_sends_no_hsts(app):
    """HSTS would pin a development server on http://127.0.0.1 to HTTPS in the browser."""
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers


@pytest.mark.parametrize("proxies, lands_on", [(1, "/login"), (0, "/")])
def test_forwarded_headers_count_only_behind_a_configured_proxy(db_url, tmp_path, proxies,
                                                                 lands_on):
    """Switching the language on a page reached by a POST returns to the page it came from:
    behind the proxy that needs its X-Forwarded-* headers; without one they are ignored."""
    app = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                     PROXY_COUNT=proxies)
    client = app.test_client()
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ankommen.example",
               "Referer": "https://ankommen.example/login"}
    failed = client.post("/login", headers=proxied, data={
        "username": "nobody", "password": "x", "csrf_token": csrf_token(
            client.get("/login", headers=proxied).text)})
    assert failed.status_code == 401
    back = re.search(r'name="next" value="([^"]*)"', failed.text).group(1)
    switched = client.post("/language", headers=proxied, data={
        "locale": "en", "next": back, "csrf_token": csrf_token(failed.text)})
    assert switched.location == lands_on
    app.extensions["ankommen"].db.dispose()


# --- no personal data in logs or error pages -----------------------------------------

def type_personal_data(visitor: Visitor) -> None:
    """Everything a counsellor types that could leak: a search that sends them to log in
    first (next=), a mistyped password, an unreadable date, a new case, an interview step,
    searches by name and both date forms, pages that do not exist, a form without its token."""
    search = f"/cases/search?q={GIVEN}"
    to_login = visitor.get(search)
    assert to_login.status == 302 and GIVEN in to_login.header("Location")
    login_page = to_login.header("Location")
    token = csrf_token(visitor.get(login_page).text)
    assert visitor.post(login_page, {"username": "anna", "password": f"{GIVEN}-{BORN_DE}",
                                     "csrf_token": token}).status == 401
    arrived = visitor.post(login_page, {"username": "anna", "password": PASSWORD,
                                        "csrf_token": token})
    assert arrived.header("Location") == search
    assert visitor.follow(arrived).status == 200

    refused = open_case(visitor, GIVEN, FAMILY, f"{BORN_DE}?")  # not a date
    assert refused.status == 422 and f'value="{GIVEN}"' in refused.text  # input kept
    case_page = visitor.follow(open_case(visitor, GIVEN, FAMILY, BORN_ISO))
    action = re.search(r'action="(/cases/\d+/tasks/\d+)"', case_page.text).group(1)
    form = {**posted("person", place_of_birth=f"{FAMILY}stadt",
                     address=f"{GIVEN} {FAMILY}, Marktstraße 1, 31134 Hildesheim"),
            "csrf_token": csrf_token(case_page.text),
            "row_version": re.search(r'name="row_version" value="(\d+)"',
                                     case_page.text).group(1)}
    assert visitor.post(action, {**form, "email": f"{GIVEN}@"}).status == 422
    assert visitor.post(action, form).status == 302

    for query in (f"{GIVEN}+{FAMILY}", BORN_ISO, BORN_DE):
        found = visitor.get(f"/cases/search?q={query}")
        assert found.status == 200 and f"{FAMILY}, {GIVEN}" in found.text, query
    assert visitor.get(f"/cases/999999?q={GIVEN}").status == 404
    assert visitor.get(f"/cases/search/nothing?q={FAMILY}&born={BORN_ISO}").status == 404
    assert visitor.post(f"/cases/new?q={GIVEN}", {"given_names": GIVEN,
                                                  "birth_date": BORN_ISO}).status == 400


def leaks(text: str) -> list[str]:
    return [value for value in PERSONAL if value in text]


def assert_error_pages_clean(visitor: Visitor) -> None:
    pages = [r for r in visitor.replies if r.status in ERROR_PAGE or r.status >= 500]
    assert {r.status for r in pages} >= {400, 404}
    for page in pages:
        assert not leaks(page.text), (page.status, page.path, leaks(page.text))


def test_development_server_logs_and_error_pages_hold_no_personal_data(app, people, caplog):
    """Every logger at DEBUG, the werkzeug server of `flask run`, and the whole journey."""
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
    with serve(app) as url:
        visitor = Visitor(url)
        type_personal_data(visitor)

    assert_error_pages_clean(visitor)
    request_lines = [r.getMessage() for r in caplog.records
                     if r.name == "werkzeug" and "/cases/search" in r.getMessage()]
    assert request_lines and all("?" not in line for line in request_lines)
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)
    assert any(r.name.startswith("spiff") for r in caplog.records)
    for record in caplog.records:
        text = logging.Formatter().format(record) + repr(vars(record))
        assert not leaks(text), (record.name, leaks(text), text[:2000])


@ON_POSTGRESQL
def test_gunicorn_logs_and_error_pages_hold_no_personal_data(production_server):
    visitor = Visitor(production_server.url)
    type_personal_data(visitor)
    with socket.create_connection(("127.0.0.1", production_server.port),
                                  timeout=60) as broken:  # a client that sends spaces
        broken.sendall(f"GET /cases/search?q={GIVEN} {FAMILY} HTTP/1.1\r\n\r\n".encode())
        assert broken.recv(4096).startswith(b"HTTP/1.1 400")
    assert production_server.stop() == 0

    assert_error_pages_clean(visitor)
    access = production_server.access_log.read_text()
    errors = production_server.error_log.read_text()
    assert '"GET /cases/search" 200' in access and '"POST /login" 401' in access
    assert "Invalid request" in errors
    for line in (access + errors).splitlines():
        assert not leaks(line), line

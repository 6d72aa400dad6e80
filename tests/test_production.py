"""Production mode: real gunicorn on PostgreSQL, and the refusal to start half-configured."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from caseapp import create_app
from tests.conftest import PASSWORD, TestConfig, csrf_token
from tests.gunicorn_server import GUNICORN, ROOT, production_env, running_gunicorn
from tests.http_visitor import Reply, Visitor

WORKER = [str(Path(sys.executable).with_name("flask")), "--app", "caseapp", "worker", "--once"]
WEB = [str(GUNICORN), "-c", "gunicorn.conf.py"]
KEYS = {"SECRET_KEY": "s" * 64, "ANKOMMEN_AUDIT_KEY": "a" * 64}
ON_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


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


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ANKOMMEN_AUDIT_KEY"])
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
    (WEB, "ANKOMMEN_WEB_THREADS", "many")])
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

"""What a server leaves readable and what it tells browsers: the SQLite file and instance/
for the owner only, and every security header on a logged-in page."""

from __future__ import annotations

import stat

from sqlalchemy import text

from caseapp import create_app
from caseapp.config import DevelopmentConfig, ProductionConfig
from caseapp.db import make_engine
from caseapp.migrate import upgrade
from caseapp.web.headers import CSP
from tests.conftest import TestConfig, csrf_token

# Every header a logged-in page must carry, with its value (development: no HSTS).
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
HSTS = "max-age=31536000; includeSubDomains"


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_file_and_its_folder_are_for_the_owner_only(tmp_path):
    folder = tmp_path / "instance"
    engine = make_engine(f"sqlite:///{folder / 'ankommen.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teams (name, created_at) VALUES ('Nord', '2026-03-02')"))
    assert mode(folder) == 0o700
    files = sorted(folder.iterdir())
    assert [f.name for f in files][0] == "ankommen.db"
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    engine.dispose()


def test_a_world_readable_sqlite_file_is_made_private(tmp_path):
    database = tmp_path / "old.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    make_engine(f"sqlite:///{database}").dispose()
    assert mode(database) == 0o600


def test_the_development_keys_and_their_folder_are_for_the_owner_only(tmp_path):
    folder = tmp_path / "instance"
    config = type("Here", (DevelopmentConfig,), {"INSTANCE_DIR": folder})()
    assert config.SECRET_KEY and config.AUDIT_KEY and config.DATA_KEYS
    assert mode(folder) == 0o700
    assert {f.name: mode(f) for f in folder.iterdir()} == {"secret_key": 0o600,
                                                           "audit_key": 0o600,
                                                           "data_key": 0o600}


def test_every_security_header_on_a_logged_in_page(login):
    anna = login("anna")
    page = anna.get("/")
    assert page.status_code == 200
    assert {name: page.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert "Strict-Transport-Security" not in page.headers  # development: plain HTTP
    cookie = anna.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_production_sends_hsts_and_secure_cookies(db_url, people, tmp_path, monkeypatch):
    for name in ProductionConfig.REQUIRED:
        monkeypatch.setenv(name, "set")
    production = ProductionConfig()
    app = create_app(production, SQLALCHEMY_URL=db_url, SECRET_KEY=TestConfig.SECRET_KEY,
                     AUDIT_KEY=TestConfig.AUDIT_KEY, INSTANCE_DIR=tmp_path,
                     PASSWORD_HASH_METHOD=TestConfig.PASSWORD_HASH_METHOD)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_page = client.get("/login")
    assert login_page.headers["Strict-Transport-Security"] == HSTS
    answer = client.post("/login", data={"username": "anna", "password": "correct horse "
                                         "battery", "csrf_token": csrf_token(login_page.text)})
    assert answer.status_code == 302
    assert "Secure" in answer.headers["Set-Cookie"]
    page = client.get("/")
    assert {name: page.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert page.headers["Strict-Transport-Security"] == HSTS
    app.extensions["ankommen"].db.dispose()

"""Fixtures. Every database test runs twice: on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from caseapp import create_app
from caseapp.config import Config
from caseapp.migrate import upgrade
from caseapp.models import Base
from caseapp.services import catalogue, checkpoints, users
from caseapp.services.actor import SYSTEM, Actor
from tests.browser import CHROMIUM_ARGS, CheckedBrowser, chromium_path, serve
from tests.postgres import throwaway_cluster

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "caseapp" / "translations"


def pytest_sessionstart(session):
    """Compile the message catalogs if they are missing or older than their sources, so
    a plain `pytest` tests the German interface too (`make test` compiles them anyway)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


class FakeClock:
    """The time services and the engine see; tests move it, nothing sleeps."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs) -> None:
        self.current += timedelta(**kwargs)


@pytest.fixture(scope="session")
def postgresql_url():
    url = os.environ.get("ANKOMMEN_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"


_migrated: set[str] = set()


def own_sqlite_file(path: Path) -> str:
    """A migrated SQLite file of one test's own, for tests that read the file's raw bytes
    (the shared test database keeps other tests' deleted rows in its free pages)."""
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    """A migrated, empty database on each backend."""
    url = request.getfixturevalue(f"{request.param}_url")
    engine = create_engine(url)
    if url not in _migrated:
        upgrade(engine)
        _migrated.add(url)
    yield url
    with engine.begin() as conn:
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    AUDIT_KEY = "test-audit-key"
    DATA_KEYS = "test:" + "4b" * 32
    WTF_CSRF_ENABLED = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast; production keeps scrypt
    OFFICE_NAME = "Migrationszentrum Landkreis Hildesheim"
    OFFICE_ADDRESS = "Bischof-Janssen-Straße 31, 31134 Hildesheim"
    OFFICE_PHONE = "05121 309-0"
    OFFICE_EMAIL = "migration@landkreis.example"


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def app(db_url, clock, tmp_path):
    app = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path)
    runtime = app.extensions["ankommen"]
    runtime.clock = clock
    with runtime.sessions() as session:  # as init-db leaves an installation
        checkpoints.write_checkpoint(runtime.context(session), first=True)
    yield app
    runtime.db.dispose()


@pytest.fixture
def runtime(app):
    return app.extensions["ankommen"]


@pytest.fixture
def ctx(runtime):
    session = runtime.sessions()
    yield runtime.context(session)
    session.close()


@pytest.fixture
def people(ctx):
    """Two teams with a counsellor each, a team lead, an auditor and an admin."""
    made = {}
    for username, role, team in [("anna", "counsellor", "Nord"), ("ben", "counsellor", "Nord"),
                                 ("lea", "team_lead", "Nord"), ("sami", "counsellor", "Süd"),
                                 ("ida", "auditor", None), ("adam", "admin", None)]:
        user = users.create_user(ctx, SYSTEM, username=username, display_name=username.title(),
                                 password=PASSWORD, role=role, team_name=team)
        made[username] = Actor(user.id, user.username, user.display_name, user.role,
                               user.team_id)
    return made


@pytest.fixture
def places(ctx):
    """Two municipalities and a course provider in each."""
    catalogue.ensure_municipality(ctx, SYSTEM, "Hildesheim", 52.1548, 9.9580)
    catalogue.ensure_municipality(ctx, SYSTEM, "Alfeld", 51.9856, 9.8256)
    vhs = catalogue.create_provider(ctx, SYSTEM, name="VHS", street="Pfaffenstieg 4",
                                    postcode="31134", municipality="Hildesheim",
                                    contact="05121 1", latitude=52.1497, longitude=9.9510)
    alfeld = catalogue.create_provider(ctx, SYSTEM, name="Kolleg Alfeld", street="Seminarstr. 8",
                                       postcode="31061", municipality="Alfeld",
                                       contact="05181 1", latitude=51.986, longitude=9.822)
    return {"vhs": vhs.id, "alfeld": alfeld.id}


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def login(app, people):
    """login("anna") -> a test client with that user logged in."""

    def _login(username: str, language: str = "en"):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        token = csrf_token(client.get("/login").text)
        response = client.post("/login", data={"username": username, "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302, response.text
        return client
    return _login


# --- browser tests --------------------------------------------------------------------

ARTIFACTS = ROOT / "test-artifacts"
# `make screenshots` names the user guide's picture folder here; a plain run writes none there.
SCREENSHOTS = "ANKOMMEN_SCREENSHOTS"


def pytest_configure(config):
    config.addinivalue_line("markers", "screenshots: takes the user guide's pictures "
                            "(`make screenshots` keeps them in docs/img/)")


def pytest_collection_modifyitems(items):
    """A test that takes the user guide's pictures is a `screenshots` test (-m screenshots)."""
    for item in items:
        if "shoot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.screenshots)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium for the whole session; tests use `browser` or `page`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(),
                                             args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium):
    """Chromium for one test. axe-core checks every page that any of its contexts shows
    (WCAG 2.1 A and AA); the test fails at teardown, listing each violation."""
    checked = CheckedBrowser(chromium)
    yield checked
    problems = checked.close()
    if problems:
        pytest.fail(f"{len(problems)} accessibility problem(s) (axe-core, WCAG 2.1 A/AA):\n"
                    + "\n".join(problems), pytrace=False)


@pytest.fixture
def live_server(app):
    with serve(app) as url:
        yield url


@pytest.fixture
def shoot(tmp_path):
    """shoot(page, "01-start"): a picture for the user guide, into the folder that
    ANKOMMEN_SCREENSHOTS names (`make screenshots`: docs/img), else into the test's tmp_path."""
    folder = ROOT / os.environ[SCREENSHOTS] if os.environ.get(SCREENSHOTS) else tmp_path

    def _shoot(page, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        picture = folder / f"{name}.png"
        page.screenshot(path=str(picture), full_page=True)
        assert picture.read_bytes().startswith(b"\x89PNG"), picture
    return _shoot


@pytest.fixture
def page(browser, request):
    """A page in a fresh browser context at 1280x800; a screenshot is kept when the test
    fails."""
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="de-DE")
    page.set_default_timeout(10_000)
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

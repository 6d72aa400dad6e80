"""A database outage: a real PostgreSQL stopped under a running app and started again.

The cluster is this module's own (the session's cluster serves every other test). While it
is down every page answers 503 in the reader's language, a form that was being sent comes
back with its input, and the same app object serves again once PostgreSQL is back.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import json
import logging
import pkgutil
import re
from contextlib import contextmanager
from html.parser import HTMLParser

import pytest
from sqlalchemy import create_engine, make_url, select, text
from werkzeug.datastructures import MultiDict
from wtforms import Form

import forms
from caseapp import create_app
from caseapp.migrate import upgrade
from caseapp.models import HumanTask
from forms.users import PASSWORD_FIELDS
from tests.conftest import PASSWORD, TestConfig, csrf_token
from tests.factories import identifying, person, posted
from tests.helpers import open_case, ready_task
from tests.postgres import PostgresCluster

DATABASES = itertools.count(1)
CHECKS_OK = {"database": "ok", "schema": "ok", "process": "ok"}


@pytest.fixture(scope="module")
def cluster():
    cluster = PostgresCluster()
    cluster.start()
    yield cluster
    cluster.remove()


@pytest.fixture
def app(cluster, clock, tmp_path):
    """The app on a fresh database of the module's cluster."""
    url = make_url(cluster.url).set(database=f"outage_{next(DATABASES)}")
    server = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {url.database}"))
    server.dispose()
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(TestConfig(), SQLALCHEMY_URL=url.render_as_string(hide_password=False),
                     INSTANCE_DIR=tmp_path)
    app.extensions["ankommen"].clock = clock
    yield app
    app.extensions["ankommen"].db.dispose()


@contextmanager
def stopped(cluster):
    """PostgreSQL is down inside the block and running again after it."""
    cluster.stop()
    try:
        yield
    finally:
        cluster.start()


class _Forms(HTMLParser):
    """Each form of a page: (action, the inputs it would send without typing)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, MultiDict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action", ""), MultiDict()))
        elif tag == "input" and self.forms and attrs.get("type") == "hidden":
            self.forms[-1][1].add(attrs["name"], attrs.get("value", ""))


def form_on(html: str, action_pattern: str) -> tuple[str, MultiDict]:
    parser = _Forms()
    parser.feed(html)
    return next((action, fields) for action, fields in parser.forms
                if re.fullmatch(action_pattern, action))


def test_pages_answer_503_while_postgresql_is_down_and_serve_again_when_it_is_back(
        app, cluster, ctx, people, login):
    case = open_case(ctx, people["anna"])
    client = login("anna", language="de")
    assert client.get(f"/cases/{case.id}").status_code == 200

    with stopped(cluster):
        page = client.get(f"/cases/{case.id}")
        assert page.status_code == 503
        assert "Die Datenbank ist gerade nicht erreichbar" in page.text
        assert int(page.headers["Retry-After"]) > 0
        for leak in ("Traceback", "SELECT", "psycopg", "127.0.0.1", *identifying()):
            assert leak not in page.text
        english = client.get("/", headers={"Accept-Language": "en"})
        assert english.status_code == 503
        assert "The database cannot be reached right now" in english.text
        # An error page shows the user, so it cannot be rendered either.
        assert client.get("/no-such-page").status_code == 503
        alive = client.get("/healthz")
        assert (alive.status_code, alive.json) == (200, {"status": "ok"})
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json == {"status": "unavailable", "checks": {
            "database": "failed", "schema": "skipped", "process": "skipped"}}

    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200 and person()["family_name"] in page.text
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json) == (200, {"status": "ready", "checks": CHECKS_OK})


def test_a_step_sent_during_the_outage_is_kept_and_can_be_sent_again(
        app, cluster, ctx, people, login, caplog):
    case = open_case(ctx, people["anna"])
    client = login("anna", language="de")
    action, fields = form_on(client.get(f"/cases/{case.id}").text, r"/cases/\d+/tasks/\d+")
    fields = MultiDict({**fields.to_dict(), **posted("person", place_of_birth="Ḥalab <Süd> & Ost")})

    with stopped(cluster), caplog.at_level(logging.WARNING):
        sent = client.post(action, data=fields)
        autosave = client.post(f"{action}/draft?autosave=1", data=fields)

    assert sent.status_code == 503
    assert "Es wurde nichts gespeichert" in sent.text
    assert "Ḥalab &lt;Süd&gt; &amp; Ost" in sent.text  # shown, and escaped
    assert PASSWORD not in sent.text
    assert sent.headers["Cache-Control"] == "no-store"
    kept_action, kept = form_on(sent.text, re.escape(action))
    assert kept.to_dict(flat=False) == fields.to_dict(flat=False)
    assert autosave.status_code == 503
    assert autosave.json["saved"] is False
    assert "nicht erreichbar" in autosave.json["message"]
    assert "Database unavailable" in caplog.text
    assert "Ḥalab" not in caplog.text and "SELECT" not in caplog.text

    assert ready_task(ctx, case.id, "person") is not None  # nothing was saved
    again = client.post(kept_action, data=kept)
    assert again.status_code == 302
    done = ctx.session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.form_key == "person")).one()
    assert done.state == "completed"
    assert json.loads(done.data_json)["place_of_birth"] == "Ḥalab <Süd> & Ost"


def test_a_login_sent_during_the_outage_keeps_the_user_name_but_never_the_password(
        app, cluster, people):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = csrf_token(client.get("/login").text)

    with stopped(cluster):
        sent = client.post("/login?next=/cases/search", data={
            "username": "anna", "password": PASSWORD, "csrf_token": token})

    assert sent.status_code == 503
    assert PASSWORD not in sent.text
    assert re.search(r'<input id="kept-password" name="password" type="password"', sent.text)
    kept_action, kept = form_on(sent.text, r"/login\?next=/cases/search")
    assert kept.to_dict() == {"username": "anna", "csrf_token": token}
    kept["password"] = PASSWORD  # typed again, as the page asks
    again = client.post(kept_action, data=kept)
    assert (again.status_code, again.location) == (302, "/cases/search")


def test_every_password_field_of_every_form_is_one_the_outage_page_never_echoes():
    modules = [importlib.import_module(f"forms.{m.name}") for m in pkgutil.iter_modules(
        forms.__path__)]
    form_classes = {cls for module in modules for cls in vars(module).values()
                    if inspect.isclass(cls) and issubclass(cls, Form)}
    names = {field.name for cls in form_classes for field in cls()
             if field.type == "PasswordField"}
    assert names and names <= set(PASSWORD_FIELDS)

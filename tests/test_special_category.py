"""Special categories (Art. 9 DSGVO) sealed at rest: unreadable in the database and its
files, shown to the case's counsellor, never to an auditor, never in a change record; the
keys rotate with `flask keys rotate`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from caseapp import create_app
from caseapp.config import ConfigurationError
from caseapp.models import AuditChange, Base, HumanTask
from caseapp.services import checkpoints, tasks
from caseapp.services.special_category import DataKeyError, DataKeys
from tests.conftest import PASSWORD, TestConfig, csrf_token, own_sqlite_file
from tests.helpers import complete_until, open_case, ready_task

# A special-category answer in the clear, as JSON would hold it.
IN_THE_CLEAR = re.compile(rb'"pregnancy"\s*:\s*"(yes|no|not_stated)"')
NEXT_KEY = "next:" + "5c" * 32


def every_value(ctx) -> str:
    ctx.session.rollback()
    rows = [repr(tuple(row)) for table in Base.metadata.sorted_tables
            for row in ctx.session.execute(select(table))]
    ctx.session.rollback()
    return "\n".join(rows)


def expecting(ctx, people):
    """Anna's case with "Pregnancy: yes" answered in the family step."""
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "family", family={"pregnancy": "yes"})
    return case.id


class TestRawDatabaseFile:
    @pytest.fixture
    def db_url(self, tmp_path):
        return own_sqlite_file(tmp_path / "special.db")

    def test_the_value_is_unreadable_in_the_file_but_shown_to_the_counsellor(
            self, ctx, people, login, db_url):
        case_id = expecting(ctx, people)
        page = login("anna", "de").get(f"/cases/{case_id}").text
        assert re.search(r"<dt>Schwangerschaft</dt>\s*<dd>Ja</dd>", page), page
        assert "enc:v1:" not in page
        ctx.session.close()
        path = Path(db_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal"))
                       if p.exists())
        assert b'"pregnancy"' in raw and b"enc:v1:test:" in raw
        assert IN_THE_CLEAR.search(raw) is None


def test_no_table_holds_the_value_in_the_clear_and_no_change_record_at_all(ctx, people):
    case_id = expecting(ctx, people)
    task = ready_task(ctx, case_id, "education_work")
    tasks.save_draft(ctx, people["anna"], case_id, task.id, {"profession": "Schneiderin"})
    held = every_value(ctx).encode()
    assert IN_THE_CLEAR.search(held) is None and b"enc:v1:test:" in held
    changes = ctx.session.scalars(select(AuditChange.data_json)).all()
    assert changes and not any("pregnancy" in (data or "") for data in changes)


def test_an_auditor_sees_the_case_file_without_it(ctx, people, login):
    case_id = expecting(ctx, people)
    page = login("ida").get(f"/cases/{case_id}").text
    assert "Household" in page and "Pregnancy" not in page and "enc:v1:" not in page


def test_a_draft_keeps_it_sealed_and_shows_it_to_the_counsellor(ctx, people, login):
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "residence")
    task = ready_task(ctx, case.id, "family")
    tasks.save_draft(ctx, people["anna"], case.id, task.id, {"pregnancy": "not_stated"})
    ctx.session.rollback()
    draft = ctx.session.get(HumanTask, task.id).draft_json
    assert "not_stated" not in draft and "enc:v1:test:" in draft
    page = login("anna").get(f"/cases/{case.id}").text
    assert '<option selected value="not_stated">' in page


def test_rotation_seals_every_value_with_the_new_key(ctx, people, db_url, tmp_path):
    """With the new key first, `keys rotate` reseals; then the old key can go."""
    case_id = expecting(ctx, people)
    rotating = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                          DATA_KEYS=f"{NEXT_KEY},{TestConfig.DATA_KEYS}")
    result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "sealed again with the key 'next'" in result.output
    assert "Cases" in result.output  # the progress bar
    held = every_value(ctx)
    assert "enc:v1:test:" not in held and "enc:v1:next:" in held
    again = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
    assert "0 value(s) sealed again" in again.output
    rotating.extensions["ankommen"].db.dispose()
    only_new = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                          DATA_KEYS=NEXT_KEY)
    client = only_new.test_client()
    client.post("/login", data={"username": "anna", "password": PASSWORD,
                                "csrf_token": csrf_token(client.get("/login").text)})
    page = client.get(f"/cases/{case_id}").text
    assert re.search(r"<dt>Schwangerschaft</dt>\s*<dd>Ja</dd>", page)
    only_new.extensions["ankommen"].db.dispose()
    assert checkpoints.verify(ctx).ok


def test_a_value_sealed_with_a_key_no_longer_set_is_refused_by_name():
    keys = DataKeys.parse(NEXT_KEY)
    token = DataKeys.parse(TestConfig.DATA_KEYS).seal("yes")
    with pytest.raises(DataKeyError, match="'test'"):
        keys.open(token)


@pytest.mark.parametrize("setting", ["nokey", "a:1234", "a b:" + "00" * 32,
                                     f"x:{'00' * 32},x:{'11' * 32}"])
def test_a_wrong_key_setting_stops_the_start_naming_the_variable(setting, db_url, tmp_path):
    with pytest.raises(ConfigurationError, match="ANKOMMEN_DATA_KEYS"):
        create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                   DATA_KEYS=setting)


def test_a_value_whose_key_was_removed_too_early_is_left_out_not_a_500(
        ctx, people, db_url, tmp_path, caplog):
    case_id = expecting(ctx, people)
    early = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                       DATA_KEYS=NEXT_KEY)
    client = early.test_client()
    client.post("/login", data={"username": "anna", "password": PASSWORD,
                                "csrf_token": csrf_token(client.get("/login").text)})
    response = client.get(f"/cases/{case_id}")
    assert response.status_code == 200 and "Schwangerschaft" not in response.text
    assert "sealed with the key 'test', which ANKOMMEN_DATA_KEYS lacks" in caplog.text
    early.extensions["ankommen"].db.dispose()

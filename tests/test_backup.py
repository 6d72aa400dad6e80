"""Backup and restore from the command line, on SQLite and PostgreSQL, round trip."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import select, text

from caseapp.models import Person
from tests.helpers import complete, open_case, ready_task


def invoke(app, *args, input=None):
    return app.test_cli_runner().invoke(args=[str(a) for a in args], input=input)


def family_names(ctx) -> set[str]:
    ctx.session.rollback()  # a fresh snapshot
    names = set(ctx.session.scalars(select(Person.family_name)))
    ctx.session.close()  # no open transaction (nor lock) while a restore runs
    return names


@pytest.fixture
def backed_up(app, ctx, people, tmp_path):
    """A case with a completed step, backed up; then a second case opened after it."""
    first = open_case(ctx, people["anna"], family_name="Haddad")
    complete(ctx, people["anna"], first.id, "person")
    file = tmp_path / "ankommen.backup"
    result = invoke(app, "backup", file)
    assert result.exit_code == 0, result.output
    open_case(ctx, people["anna"], family_name="Nasser")
    assert family_names(ctx) == {"Haddad", "Nasser"}
    return first, file


def test_restore_brings_back_the_backed_up_state_and_the_audit_chain_verifies(
        app, ctx, backed_up):
    first, file = backed_up
    result = invoke(app, "restore", file, "--yes")
    assert result.exit_code == 0, result.output
    assert "restored" in result.output and "init-db" not in result.output
    assert family_names(ctx) == {"Haddad"}
    assert ready_task(ctx, first.id).form_key == "residence"  # the completed step stays done
    verify = invoke(app, "audit", "verify")
    assert verify.exit_code == 0, verify.output


def test_restore_asks_first_and_changes_nothing_when_declined(app, ctx, backed_up):
    _first, file = backed_up
    result = invoke(app, "restore", file, input="n\n")
    assert result.exit_code != 0 and "Replace everything" in result.output
    assert family_names(ctx) == {"Haddad", "Nasser"}


def test_a_backup_is_readable_by_its_owner_only_and_never_overwrites_a_file(app, backed_up):
    _first, file = backed_up
    assert file.stat().st_mode & 0o077 == 0
    before = file.read_bytes()
    again = invoke(app, "backup", file)
    assert again.exit_code != 0 and "exists already" in again.output
    assert file.read_bytes() == before


def test_restore_refuses_what_is_no_backup_for_this_database_clearly(
        app, ctx, people, tmp_path):
    open_case(ctx, people["anna"], family_name="Haddad")
    missing = invoke(app, "restore", tmp_path / "nope.backup", "--yes")
    assert missing.exit_code != 0 and "No such file" in missing.output
    notes = tmp_path / "notes.txt"
    notes.write_text("Termine Montag")
    wrong = invoke(app, "restore", notes, "--yes")
    assert wrong.exit_code != 0 and "not an Ankommen backup" in wrong.output
    other = tmp_path / "other.backup"
    if app.extensions["ankommen"].db.dialect.name == "sqlite":
        other.write_bytes(b"PGDMP" + bytes(100))  # a PostgreSQL archive's signature
        expected = "is a PostgreSQL backup, but this database is SQLite"
    else:
        with closing(sqlite3.connect(other)) as db:
            db.execute("CREATE TABLE t (x)")
        expected = "is a SQLite backup, but this database is PostgreSQL"
    mismatch = invoke(app, "restore", other, "--yes")
    assert mismatch.exit_code != 0 and expected in mismatch.output
    assert family_names(ctx) == {"Haddad"}


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_restore_refuses_a_database_with_tables_the_backup_lacks(app, ctx, backed_up):
    """A table of a newer schema would survive the restore and break the next migration."""
    _first, file = backed_up
    ctx.session.execute(text("CREATE TABLE newer_schema_table (id integer PRIMARY KEY)"))
    ctx.session.commit()
    try:
        result = invoke(app, "restore", file, "--yes")
        assert result.exit_code != 0 and "public.newer_schema_table" in result.output
        assert family_names(ctx) == {"Haddad", "Nasser"}
    finally:
        ctx.session.execute(text("DROP TABLE newer_schema_table"))
        ctx.session.commit()

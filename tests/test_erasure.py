"""Erasure on request (Art. 17 DSGVO): every personal value goes from every table and from
the raw database file, the statistics stay, and the audit trail still verifies."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from caseapp.db import make_engine
from caseapp.migrate import upgrade
from caseapp.models import (
    AuditChange,
    AuditEvent,
    Base,
    Case,
    HumanTask,
    Person,
    ProcessInstance,
    RecentCase,
)
from caseapp.services import cases, checkpoints, erasure, timers, users
from caseapp.services.actor import SYSTEM
from caseapp.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.conftest import PASSWORD, csrf_token, own_sqlite_file
from tests.factories import ANSWERS, PERSON
from tests.worked_case import NOTE, REASSIGN_REASON, REOPEN_REASON, worked_case

NAME, BIRTH = PERSON["family_name"], PERSON["birth_date"].isoformat()
TYPED = ANSWERS["goals_plan"]["goals_own_words"]  # a free-text answer
# Each as the person's data holds it: what must be in no table and no file afterwards.
PERSONAL = (NAME, PERSON["given_names"], BIRTH, TYPED, ANSWERS["person"]["place_of_birth"],
            ANSWERS["education_work"]["work_experience"], NOTE, REOPEN_REASON,
            REASSIGN_REASON)


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def every_value(ctx) -> str:
    """Every value of every table, as text."""
    ctx.session.rollback()
    rows = []
    for table in Base.metadata.sorted_tables:
        rows += [repr(tuple(row)) for row in ctx.session.execute(select(table))]
    ctx.session.rollback()
    return "\n".join(rows)


@pytest.fixture
def worked(ctx, people, places, clock):
    return worked_case(ctx, people, places, clock)


def test_erasure_leaves_no_personal_value_in_any_table_and_keeps_the_statistics(
        ctx, people, worked):
    assert all(value in every_value(ctx) for value in PERSONAL)
    before = ctx.session.get(Case, worked.case_id)
    statistics = (before.municipality, before.german_level, before.literacy,
                  before.referred_course_type, before.opened_at, before.team_id)
    done = erasure.erase_personal_data(ctx, people["lea"], worked.case_id, "Antrag vom 1. März")
    assert done.change_records > 3
    held = every_value(ctx)
    assert [value for value in PERSONAL if value in held] == []
    case = ctx.session.get(Case, worked.case_id)
    assert (case.municipality, case.german_level, case.literacy, case.referred_course_type,
            case.opened_at, case.team_id) == statistics
    assert case.person.erased_at == ctx.now() and case.person.erased_by_id == people["lea"].id


def test_the_trail_verifies_after_erasure_and_reports_the_erased_records(ctx, people, worked):
    done = erasure.erase_personal_data(ctx, people["lea"], worked.case_id, "Antrag vom 1. März")
    report = checkpoints.verify(ctx)
    assert report.ok, report.summary()
    assert report.erased_changes == done.change_records and report.erasure_events == 1
    assert f"{done.change_records} change record(s) erased by 1 erasure event(s)" \
        in report.summary()
    blanked = ctx.session.scalars(select(AuditChange).where(
        AuditChange.case_id == worked.case_id, AuditChange.data_json.is_(None))).all()
    assert {change.erased_by_seq for change in blanked} == {done.event_seq}
    event = ctx.session.get(AuditEvent, done.event_seq)
    assert event.type == "data_erased" and event.details == {"by": "request", "closed": True}


def test_only_the_team_lead_of_the_case_erases_with_a_reason_and_only_once(
        ctx, people, worked):
    with pytest.raises(Forbidden):
        erasure.erase_personal_data(ctx, people["anna"], worked.case_id, "Antrag")
    with pytest.raises(Forbidden):
        erasure.erase_personal_data(ctx, people["ida"], worked.case_id, "Antrag")
    with pytest.raises(InvalidInput):
        erasure.erase_personal_data(ctx, people["lea"], worked.case_id, "  ")
    erasure.erase_personal_data(ctx, people["lea"], worked.case_id, "Antrag")
    with pytest.raises(Conflict):
        erasure.erase_personal_data(ctx, people["lea"], worked.case_id, "Antrag")


def test_another_teams_case_cannot_be_erased(ctx, people, worked):
    users.create_user(ctx, SYSTEM, username="lotta", display_name="Lotta",
                      password=PASSWORD, role="team_lead", team_name="Süd")
    with pytest.raises(NotFound):
        erasure.erase_personal_data(ctx, users.actor_by_username(ctx, "lotta"), worked.case_id, "x")


def test_the_command_erases_by_case_number_and_names_refusals(app, ctx, people, worked):
    refused = invoke(app, "person", "erase", worked.number, "--reason", "Antrag", "--by", "anna")
    assert refused.exit_code != 0 and "may not" in refused.output
    unknown = invoke(app, "person", "erase", worked.number, "--reason", "x", "--by", "niemand")
    assert unknown.exit_code != 0 and "No such user" in unknown.output
    result = invoke(app, "person", "erase", worked.number, "--reason", "Antrag", "--by", "lea")
    assert result.exit_code == 0, result.output
    assert f"case {worked.number} erased" in result.output
    assert ctx.session.scalar(select(Person.family_name)) is None
    verify = invoke(app, "audit", "verify")
    assert verify.exit_code == 0 and "erasure event" in verify.output, verify.output


class TestRawDatabaseFile:
    """On SQLite, nothing of the person stays readable in the database's files."""

    @pytest.fixture
    def db_url(self, tmp_path):
        return own_sqlite_file(tmp_path / "erasure.db")

    def test_no_byte_of_the_name_birth_date_or_an_answer_stays_in_the_file(
            self, ctx, people, worked, db_url):
        files = [Path(db_url.removeprefix("sqlite:///"))]
        files.append(files[0].with_name(files[0].name + "-wal"))

        def raw() -> bytes:
            return b"".join(f.read_bytes() for f in files if f.exists())

        assert all(value.encode() in raw() for value in (NAME, BIRTH, TYPED))
        erasure.erase_personal_data(ctx, people["lea"], worked.case_id, "Antrag vom 1. März")
        ctx.session.close()
        held = raw()
        assert [value for value in PERSONAL if value.encode() in held] == []


def test_a_team_lead_erases_on_the_case_page_after_a_confirmation_step(login, worked):
    """The reason is required and the erasure confirmed; a refusal keeps what was typed."""
    lea = login("lea")
    case_page = lea.get(f"/cases/{worked.case_id}").text
    assert f"/cases/{worked.case_id}/erase" in case_page
    confirm = lea.get(f"/cases/{worked.case_id}/erase")
    assert confirm.status_code == 200 and NAME in confirm.text
    token = csrf_token(confirm.text)
    unconfirmed = lea.post(f"/cases/{worked.case_id}/erase",
                           data={"csrf_token": token, "reason": "Antrag vom 1. März"})
    assert unconfirmed.status_code == 422 and "Please confirm" in unconfirmed.text
    assert "Antrag vom 1. März</textarea>" in unconfirmed.text
    no_reason = lea.post(f"/cases/{worked.case_id}/erase",
                         data={"csrf_token": token, "reason": " ", "confirm": "yes"})
    assert no_reason.status_code == 422 and "Please give a reason" in no_reason.text
    done = lea.post(f"/cases/{worked.case_id}/erase",
                    data={"csrf_token": token, "reason": "Antrag vom 1. März", "confirm": "yes"})
    assert done.status_code == 302
    after = lea.get(f"/cases/{worked.case_id}").text
    assert "Personal data erased on" in after and "by Lea" in after
    assert NAME not in after and "/reopen" not in after and "/erase" not in after
    for user in ("anna", "ben", "ida"):
        client = login(user)
        assert client.get(f"/cases/{worked.case_id}/erase").status_code == 403
        assert client.post(f"/cases/{worked.case_id}/erase", data={
            "csrf_token": csrf_token(client.get("/").text), "reason": "x",
            "confirm": "yes"}).status_code == 403


def test_every_page_of_an_erased_case_still_works_and_says_so(ctx, login, people, worked):
    """Case page, process picture, search, board, home, history, subject access: no 500,
    no value of the person, and "personal data erased on ... by ..." where names were."""
    erasure.erase_personal_data(ctx, people["lea"], worked.case_id, "Antrag")
    case_id = worked.case_id
    pages = {
        "ben": ["/", f"/cases/{case_id}", f"/cases/{case_id}/process",
                f"/cases/search?q={worked.number}"],
        "lea": ["/", "/team/", f"/cases/{case_id}", f"/cases/{case_id}/subject-access",
                f"/cases/{case_id}/subject-access.json"],
        "ida": [f"/cases/{case_id}", f"/audit/cases/{case_id}", "/audit/events",
                "/audit/access", f"/audit/events?case={worked.number}", "/audit/verify",
                f"/cases/search?q={worked.number}"],
    }
    for user, paths in pages.items():
        client = login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (user, path)
            assert not [value for value in PERSONAL if value in response.text], (user, path)
    history = login("ida", "de").get(f"/audit/cases/{case_id}").text
    assert "Personenbezogene Daten gelöscht am" in history
    # the erasure event by its labels: why, and that it closed the open case
    assert "auf Antrag (Art. 17 DSGVO)" in history and "durch die Löschung" in history
    assert ">request<" not in history
    found = login("ben").get(f"/cases/search?q={worked.number}").text
    assert "Personal data erased on" in found and "by Lea" in found
    assert worked.number not in login("ben").get(f"/cases/search?q={NAME}").text


def test_erasing_an_open_case_closes_it_for_good(ctx, people, worked, clock):
    """Its open steps are withdrawn, its timers stop, it cannot be reopened."""
    erasure.erase_personal_data(ctx, people["lea"], worked.case_id, "Antrag")
    ctx.session.rollback()
    case = ctx.session.get(Case, worked.case_id)
    assert case.status == "closed" and case.current_step is None
    states = set(ctx.session.scalars(select(HumanTask.state)
                                     .where(HumanTask.case_id == case.id)))
    assert "ready" not in states
    assert ctx.session.scalar(select(ProcessInstance.next_timer_at)
                              .where(ProcessInstance.case_id == case.id)) is None
    assert ctx.session.scalars(select(RecentCase).where(RecentCase.case_id == case.id)
                               ).all() == []
    clock.advance(days=400)
    assert timers.fire_due_timers(ctx) == 0
    with pytest.raises(Conflict):
        cases.reopen_case(ctx, people["lea"], case.id, "Neuer Antrag")


def test_an_installation_with_cases_migrates_to_the_erasure_schema(tmp_path):
    """init-db migrates with SQLite's foreign keys on: no later schema may rebuild a table
    other rows refer to (persons by cases and name words, users by an assigned case)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'older.db'}")
    upgrade(engine, "0010")
    with engine.begin() as connection:
        for statement in (
                "INSERT INTO teams (id, name, created_at) VALUES (1, 'Nord', '2026-01-01')",
                "INSERT INTO users (id, username, display_name, password_hash, role, "
                "team_id, active, failed_logins, created_at) VALUES (1, 'anna', 'Anna', "
                "'-', 'counsellor', 1, 1, 0, '2026-01-01')",
                "INSERT INTO persons (id, given_names, family_name) VALUES (1, 'A', 'Haddad')",
                "INSERT INTO person_name_words (person_id, word) VALUES (1, 'haddad')",
                "INSERT INTO cases (id, number, person_id, team_id, assignee_id, status, "
                "opened_at, updated_at) VALUES (1, '2026-00001', 1, 1, 1, 'open', "
                "'2026-01-01', '2026-01-01')"):
            connection.exec_driver_sql(statement)
    upgrade(engine)
    with engine.connect() as connection:
        assert ("haddad",) in connection.exec_driver_sql(
            "SELECT word FROM person_name_words WHERE person_id = 1").all()
        assert connection.exec_driver_sql(
            "SELECT erased_by_id FROM persons").all() == [(None,)]
    engine.dispose()

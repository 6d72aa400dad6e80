"""Retention: once the period set for a closed case's outcome is over, its person is erased
(`flask retention run` lists, `--apply` erases, the worker can do it nightly); the clock is
moved, nothing sleeps."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from caseapp import create_app
from caseapp.config import ConfigurationError
from caseapp.models import AuditEvent, Case
from caseapp.services import checkpoints, timers
from tests.conftest import TestConfig
from tests.factories import PERSON
from tests.helpers import complete, complete_until, open_case

# The data protection officer's periods in this test: a year for a course that never started.
PERIODS = "started=3,not_started=1,dropped_out=3,none=2"


def closed_case(ctx, people, clock, family_name, outcome):
    """A case through referral and follow-up, closed with ``outcome``."""
    anna = people["anna"]
    case = open_case(ctx, anna, family_name=family_name)
    complete_until(ctx, anna, case.id, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    reason = "" if outcome == "started" else "Kein Platz"
    complete(ctx, anna, case.id, "follow_up", follow_up_result=outcome, reason=reason)
    return case


@pytest.fixture
def retaining(db_url, clock, tmp_path):
    """The app with the test's periods (and its nightly round), on the same database."""
    app = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                     RETENTION_YEARS=PERIODS, RETENTION_NIGHTLY=True)
    app.extensions["ankommen"].clock = clock
    yield app
    app.extensions["ankommen"].db.dispose()


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["retention", "run", *args])
    assert result.exit_code == 0, result.output
    return result.output


def family_names(ctx) -> set:
    ctx.session.rollback()
    names = {case.person.family_name for case in ctx.session.scalars(select(Case))}
    ctx.session.rollback()  # no open read: the erasure's checkpoint need not wait for it
    return names


def test_the_dry_run_lists_what_is_due_and_apply_erases_it(ctx, people, clock, retaining):
    started = closed_case(ctx, people, clock, "Haddad", "started")
    not_started = closed_case(ctx, people, clock, "Nasser", "not_started")
    still_open = open_case(ctx, people["anna"], family_name="Offen")
    assert "0 case(s) due" in run(retaining)
    clock.advance(days=366)
    listed = run(retaining)
    assert not_started.number in listed and started.number not in listed
    assert "1 case(s) due; nothing erased" in listed
    assert family_names(ctx) == {"Haddad", "Nasser", "Offen"}  # a dry run erases nothing
    applied = run(retaining, "--apply")
    assert "1 case(s) erased" in applied
    assert family_names(ctx) == {"Haddad", None, "Offen"}
    event = ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.type == "data_erased", AuditEvent.case_id == not_started.id)).one()
    assert event.actor_id is None
    assert event.details == {"by": "retention", "rule": "not_started=1"}
    clock.advance(days=2 * 366)
    assert started.number in run(retaining)
    assert "1 case(s) erased" in run(retaining, "--apply")
    assert family_names(ctx) == {None, "Offen"}  # an open case is never due
    assert still_open.number not in run(retaining)
    assert "0 case(s) erased" in run(retaining, "--apply")
    report = checkpoints.verify(ctx)
    assert report.ok and report.erasure_events == 2, report.summary()


def test_the_worker_erases_what_is_due_once_a_night(ctx, people, clock, retaining):
    closed_case(ctx, people, clock, "Nasser", "not_started")
    clock.advance(days=366)
    # 23:30 UTC: half past midnight or one in Berlin (summer time), before the round's hour
    clock.current = clock.current.replace(hour=23, minute=30)
    worker = retaining.test_cli_runner().invoke(args=["worker", "--once"])
    assert "Retention" not in worker.output and family_names(ctx) == {"Nasser"}
    clock.advance(hours=3)
    worker = retaining.test_cli_runner().invoke(args=["worker", "--once"])
    assert "Retention: 1 case(s) erased." in worker.output, worker.output
    assert family_names(ctx) == {None}


def test_the_subject_access_names_the_retention_date(ctx, people, clock, retaining):
    case = closed_case(ctx, people, clock, PERSON["family_name"], "not_started")
    held = retaining.test_cli_runner().invoke(args=["person", "export", case.number])
    closed_on = clock.current.date()
    assert f'"erased_from": "{closed_on.replace(year=closed_on.year + 1)}"' in held.output
    assert '"years_after_closing": 1' in held.output


@pytest.mark.parametrize("setting", ["started=3", "started=3,not_started=0,dropped_out=3,none=2",
                                     "begun=3,not_started=1,dropped_out=3,none=2"])
def test_a_wrong_period_setting_stops_the_start_naming_the_variable(setting, db_url, tmp_path):
    with pytest.raises(ConfigurationError, match="ANKOMMEN_RETENTION_YEARS"):
        create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                   RETENTION_YEARS=setting)

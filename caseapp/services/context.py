"""What every service function receives: the session, the engine, settings, the clock."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from caseapp.db import WRITE
from workflows import ProcessEngine

from .errors import Conflict

if TYPE_CHECKING:
    from .special_category import DataKeys

log = logging.getLogger(__name__)
_AFTER_COMMIT = "after_commit"


@dataclass(frozen=True)
class Office:
    """The issuing office, as a referral slip names it (an empty part is left out)."""

    name: str
    address: str
    phone: str
    email: str


@dataclass(frozen=True)
class ProcessSettings:
    """The settings rules and timers use, read from the configuration (its defaults are the
    only ones: caseapp.config). Periods are ISO 8601 durations for the process timers, with
    their lengths for the rules that use the same period."""

    follow_up_period: str
    # the follow-up is due this long after the referral when the person holds no seat ...
    follow_up_after_referral: timedelta
    # ... and this long after the start of the earliest course they hold a seat in
    follow_up_after_start: timedelta
    # a follow-up task open longer than this is overdue: its boundary timer escalates it
    follow_up_grace_period: str
    # a course starting within this target after today ranks higher (DOMAIN: six weeks)
    course_start_target: timedelta
    # the office's time zone: a course starts at the beginning of its day there
    time_zone: str
    # a session ends after this long without a request ...
    session_idle: timedelta
    # ... and this long after the login, whatever happens
    session_lifetime: timedelta
    password_hash_method: str
    # where the worker keeps a copy of every checkpoint, outside the database (optional)
    audit_checkpoint_file: str | None
    # the office that issues referral slips
    office: Office
    # the keys that seal special-category values (ANKOMMEN_DATA_KEYS)
    data_keys: DataKeys
    # whole years after closing, per outcome ("none": closed without one), until erasure
    retention_years: dict[str, int]
    # the monitoring computes the figures of one set of filters at most this often
    monitoring_cache: timedelta = timedelta(0)


def system_clock() -> datetime:
    """The real clock, in UTC; the composition root can replace it (tests do)."""
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    """What a service depends on, passed in as values, so tests can swap the clock."""

    session: Session
    engine: ProcessEngine
    settings: ProcessSettings
    clock: Callable[[], datetime] = system_clock

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One user action: commit everything or nothing.

        On SQLite, a read-only transaction the session may already be in (loading the
        user) ends first, so the action reads current data and takes the write lock at its
        start (see caseapp.db). PostgreSQL goes on in it: at READ COMMITTED every statement
        reads the newest committed data, and the request saves two round trips.
        """
        session = self.session
        if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
            session.commit()
        if not session.in_transaction():
            session.connection(execution_options=WRITE)
        try:
            yield session
            session.commit()
        except StaleDataError:
            session.info.pop(_AFTER_COMMIT, None)
            session.rollback()
            raise Conflict("This case was changed by someone else at the same moment. "
                           "Your input is kept: please check the case and submit again.") from None
        except (Exception, SQLAlchemyError):
            session.info.pop(_AFTER_COMMIT, None)
            session.rollback()
            raise
        for follow_up in session.info.pop(_AFTER_COMMIT, []):
            try:
                follow_up(self)
            except Exception:  # noqa: BLE001 - the action is committed; the worker retries
                log.exception("a follow-up of a committed action failed; the worker retries it")


def after_commit(session: Session, follow_up: Callable[[ServiceContext], object]) -> None:
    """Run ``follow_up(ctx)`` once this action has committed, in transactions of its own.

    For work on *other* cases (offering a freed seat to who waits), which must lock those
    cases first, so it cannot happen while this action holds its own case.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(follow_up)

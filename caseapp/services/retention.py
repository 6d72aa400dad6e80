"""Retention (Art. 5(1)(e), Art. 17 DSGVO): a closed case's person is erased once the period
the data protection officer set for its outcome is over (``ANKOMMEN_RETENTION_YEARS``).

``flask retention run`` lists what is due and, with ``--apply``, erases each case as an
erasure on request does (services/erasure.py), one transaction and one erasure event per
case; the timer worker can run it every night (``ANKOMMEN_RETENTION_NIGHTLY``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from caseapp.db import checkpoint_wal
from caseapp.models import Case, Person
from domain.vocabulary import CaseStatus, Outcome

from .actor import SYSTEM, Actor
from .authz import require_role
from .context import ServiceContext
from .erasure import Erasure, erase_case
from .locking import lock_case

# The period of a case closed without an outcome (a case closed before its follow-up).
WITHOUT_OUTCOME = "none"
OUTCOMES = (*(outcome.value for outcome in Outcome), WITHOUT_OUTCOME)


def parse_years(setting: str) -> dict[str, int]:
    """``started=3,not_started=2,...``: whole years after closing, for every outcome and
    for ``none`` (closed without one); raises ValueError naming what is wrong."""
    years: dict[str, int] = {}
    for pair in (part.strip() for part in setting.split(",") if part.strip()):
        outcome, equals, value = pair.partition("=")
        outcome, value = outcome.strip(), value.strip()
        if not equals or outcome not in OUTCOMES:
            raise ValueError(f"{pair!r}: give OUTCOME=YEARS, the outcomes being "
                             f"{', '.join(OUTCOMES)}")
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{pair!r}: the period is a whole number of years, at least 1")
        years[outcome] = int(value)
    missing = [outcome for outcome in OUTCOMES if outcome not in years]
    if missing:
        raise ValueError(f"no period for {', '.join(missing)}")
    return years


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def retention_date(ctx: ServiceContext, case: Case) -> date | None:
    """The day from which the case's person is erased: its closing day (in the office's
    time zone) plus its outcome's period; None while the case is open."""
    if case.status != CaseStatus.CLOSED or case.closed_at is None:
        return None
    closed_on = case.closed_at.astimezone(ZoneInfo(ctx.settings.time_zone)).date()
    years = ctx.settings.retention_years[case.referral_outcome or WITHOUT_OUTCOME]
    return _years_later(closed_on, years)


@dataclass(frozen=True)
class Due:
    """A closed case whose retention period is over."""

    case_id: int
    number: str
    outcome: str | None
    closed_at: datetime
    due_on: date


def due_cases(ctx: ServiceContext, actor: Actor) -> list[Due]:
    """The closed cases not yet erased whose period is over today, oldest first (reads
    only: the dry run)."""
    require_role(actor, SYSTEM.role)
    today = ctx.now().astimezone(ZoneInfo(ctx.settings.time_zone)).date()
    # a year has at least 365 days: no due case closed after this (a day spare for zones)
    latest_closing = ctx.now() - timedelta(days=365 * min(ctx.settings.retention_years
                                                          .values()) - 1)
    closed = ctx.session.scalars(
        select(Case).join(Person, Person.id == Case.person_id)
        .where(Case.status == CaseStatus.CLOSED, Person.erased_at.is_(None),
               Case.closed_at <= latest_closing)
        .order_by(Case.closed_at, Case.id)).all()
    due = [Due(case.id, case.number, case.referral_outcome, case.closed_at, due_on)
           for case in closed
           if (due_on := retention_date(ctx, case)) is not None and due_on <= today]
    ctx.session.rollback()
    return due


def erase_if_due(ctx: ServiceContext, actor: Actor, case_id: int) -> Erasure | None:
    """Erase the case's person if its period is still over (checked again under the case
    lock: it may have been reopened or erased meanwhile); None if not."""
    require_role(actor, SYSTEM.role)
    now = ctx.now()
    with ctx.transaction() as session:
        case = lock_case(session, case_id)
        if case is None or case.person.erased_at is not None:
            return None
        due_on = retention_date(ctx, case)
        if due_on is None or due_on > now.astimezone(ZoneInfo(ctx.settings.time_zone)).date():
            return None
        outcome = case.referral_outcome or WITHOUT_OUTCOME
        years = ctx.settings.retention_years[outcome]
        rule = f"{outcome}={years}"
        return erase_case(ctx, session, case, actor,
                          f"Retention period over: {years} year(s) after closing "
                          f"(outcome {outcome}).", now, rule=rule)


def erase_all_due(ctx: ServiceContext, actor: Actor) -> int:
    """The worker's nightly round: erase every due case; returns how many were erased."""
    erased = sum(erase_if_due(ctx, actor, due.case_id) is not None
                 for due in due_cases(ctx, actor))
    if erased:
        finish(ctx)
    return erased


# The worker's nightly round starts at the first round after this hour, office time.
NIGHTLY_HOUR = 2


def nightly_round_due(ctx: ServiceContext, last_day: date | None) -> date | None:
    """The office's day if the nightly round has not run on it and it is past
    NIGHTLY_HOUR there, else None."""
    now = ctx.now().astimezone(ZoneInfo(ctx.settings.time_zone))
    return now.date() if now.date() != last_day and now.hour >= NIGHTLY_HOUR else None


def finish(ctx: ServiceContext) -> None:
    """After erasing: no old page of an erased value stays in SQLite's files."""
    checkpoint_wal(ctx.session.get_bind())

"""When the follow-up ("did the course start?") is due, and moving it with the seats.

It is due ``follow_up_after_start`` after the start of the earliest course the person holds
a seat in (booked, or offered from the waiting list), counted from the beginning of that day
in the office's time zone; while no seat is held (a waiting list, other offers only), it is
due ``follow_up_period`` after the referral. Once a provider confirmed a start, it is due
at once (and answered by that: services/confirmed_start.py). The referral step hands the
date to the process (``follow_up_due``, read by the timer ``Timer_follow_up_due``); every
change to the case's seats moves the waiting timer. Once the follow-up step is open it
stays open.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseapp.models import Case, Course, HumanTask, ProcessInstance, Referral
from domain.vocabulary import HELD_SEAT_STATUSES, ReferralKind, SeatStatus, TaskState
from workflows import ProcessRun

from . import audit
from .context import ProcessSettings, ServiceContext

REFERRAL_STEP = "Task_referral"  # the BPMN id of the step after which the follow-up waits
FOLLOW_UP_TIMER = "Timer_follow_up_due"  # the BPMN id of the timer that opens it
FOLLOW_UP_DUE = "follow_up_due"  # the process data the timer reads (an ISO 8601 time)


def due_at(session: Session, settings: ProcessSettings, case_id: int,
           referred_at: datetime) -> datetime:
    """When the follow-up of a case referred at ``referred_at`` is due, by its seats now."""
    if session.scalar(select(Referral.id).where(
            Referral.case_id == case_id, Referral.status == SeatStatus.BOOKED,
            Referral.started_on.is_not(None)).limit(1)) is not None:
        return referred_at.astimezone(UTC)  # a provider confirmed the start: nothing to wait for
    start = session.scalar(select(func.min(Course.start_date))
                           .join(Referral, Referral.course_id == Course.id)
                           .where(Referral.case_id == case_id,
                                  Referral.kind == ReferralKind.COURSE,
                                  Referral.status.in_(HELD_SEAT_STATUSES)))
    if start is None:
        return referred_at.astimezone(UTC) + settings.follow_up_after_referral
    day_begins = datetime.combine(start, time.min, tzinfo=ZoneInfo(settings.time_zone))
    return (day_begins + settings.follow_up_after_start).astimezone(UTC)


def time_the_referral(session: Session, settings: ProcessSettings, case_id: int,
                      now: datetime) -> dict[str, str]:
    """The process data the referral step is completed with: when the follow-up is due."""
    return {FOLLOW_UP_DUE: due_at(session, settings, case_id, now).isoformat()}


def keep_timed(run: ProcessRun, process_data: dict[str, str]) -> None:
    """After the referral step: a case on an older process version waits a fixed duration
    (``follow_up_period``) instead of reading the date; it is moved to the same date."""
    if FOLLOW_UP_DUE in process_data:
        run.move_timer(FOLLOW_UP_TIMER, datetime.fromisoformat(process_data[FOLLOW_UP_DUE]))


def move_with_seats(ctx: ServiceContext, session: Session, case: Case,
                    actor_id: int | None, now: datetime) -> datetime | None:
    """After a change to the case's seats (under its lock, at the action's ``now``, so the
    history lists the move with the change): a waiting follow-up moves to the date they
    give now. Returns the new due time, or None when nothing moved."""
    session.flush()  # the caller's seat changes first (autoflush is off)
    instance = session.scalars(select(ProcessInstance)
                               .where(ProcessInstance.case_id == case.id)).one_or_none()
    if instance is None or instance.finished or instance.next_timer_at is None:
        return None  # no timer waits (still at the referral step, say)
    referred_at = session.scalar(select(func.max(HumanTask.completed_at)).where(
        HumanTask.case_id == case.id, HumanTask.bpmn_id == REFERRAL_STEP,
        HumanTask.state == TaskState.COMPLETED))
    if referred_at is None:
        return None
    run = ctx.engine.load(instance.version, instance.state_json)
    due = due_at(session, ctx.settings, case.id, referred_at)
    if not run.move_timer(FOLLOW_UP_TIMER, due):
        return None  # the follow-up is open already, or it was due then anyway
    before = instance.next_timer_at
    instance.state_json = run.dumps()
    instance.next_timer_at = case.due_at = run.next_timer_due()
    audit.append(session, type_="follow_up_moved", at=now, actor_id=actor_id,
                 case_id=case.id, details={"from": before, "to": instance.next_timer_at})
    return due

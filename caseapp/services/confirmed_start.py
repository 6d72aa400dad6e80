"""A course start the provider confirmed answers the case's follow-up ("did the course
start?") by itself: the counsellor is asked only when nothing was confirmed in time.

When the provider confirms, a follow-up that waits for its due time comes due at once and
is answered, an open one is answered; a case still at its referral step is answered when
the step is done (services/follow_up.py makes the follow-up due at once then, and the
timer worker answers it as it opens). Always inside the caller's transaction, under the
case's lock.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseapp.models import Case, HumanTask, ProcessInstance, Referral
from domain.vocabulary import Outcome, ReferralKind, SeatStatus, TaskState
from workflows import ProcessRun, ScriptStopped

from . import audit, follow_up, process_state
from .context import ServiceContext

log = logging.getLogger(__name__)

FOLLOW_UP_STEP = "Task_follow_up"  # the BPMN id of "Follow-up: did the course start?"


def confirmed_start(session: Session, case_id: int) -> Referral | None:
    """The booked seat whose course start a provider confirmed, the earliest start first."""
    return session.scalars(select(Referral).where(
        Referral.case_id == case_id, Referral.kind == ReferralKind.COURSE,
        Referral.status == SeatStatus.BOOKED, Referral.started_on.is_not(None))
        .order_by(Referral.started_on, Referral.id).limit(1)).first()


def answer_now(ctx: ServiceContext, session: Session, case: Case, actor_id: int | None,
               now: datetime) -> bool:
    """After a provider confirmed a start: bring the waiting follow-up due now and answer
    it, or answer the open one. True when the follow-up was answered. Should the process
    stop one of its scripts on the way, the confirmation stands and the follow-up is left
    as it was (the counsellor is asked when it comes due; the log names the case)."""
    instance = session.scalars(select(ProcessInstance)
                               .where(ProcessInstance.case_id == case.id)).one_or_none()
    if instance is None or instance.finished:
        return False
    try:
        with session.begin_nested():
            return _answer_now(ctx, session, case, instance, actor_id, now)
    except ScriptStopped:
        log.warning("case %s: the process stopped a script; its follow-up was not answered "
                    "by the confirmed start", case.number)
        return False


def _answer_now(ctx: ServiceContext, session: Session, case: Case, instance: ProcessInstance,
                actor_id: int | None, now: datetime) -> bool:
    run = ctx.engine.load(instance.version, instance.state_json)
    if run.move_timer(follow_up.FOLLOW_UP_TIMER, now):
        # SpiffWorkflow fires a timer once its time has passed: just after now
        fired = run.fire_due_timers(now + timedelta(microseconds=1))
        if fired:
            audit.append(session, type_="timer_fired", at=now, actor_id=None,
                         case_id=case.id,
                         details={"timers": fired, "new_tasks": [FOLLOW_UP_STEP]})
    process_state.sync(session, case, instance, run, now, actor_id)
    return answer_open_follow_up(ctx, session, case, instance, run, actor_id, now)


def answer_open_follow_up(ctx: ServiceContext, session: Session, case: Case,
                          instance: ProcessInstance, run: ProcessRun, actor_id: int | None,
                          now: datetime) -> bool:
    """Answer the case's open follow-up with a confirmed start, if a provider confirmed one
    (the timer worker calls this once a follow-up opens). True when it was answered."""
    session.flush()  # the confirmation, and the follow-up row the process just opened
    started = confirmed_start(session, case.id)
    if started is None:
        return False
    task = session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.bpmn_id == FOLLOW_UP_STEP,
        HumanTask.state == TaskState.READY).order_by(HumanTask.id.desc())).first()
    if task is None:
        return False
    answer = {"follow_up_result": Outcome.STARTED.value, "reason": ""}
    before = run.task_data(task.engine_task_id)
    run.complete(task.engine_task_id, answer, now=now)
    task.state, task.completed_at, task.completed_by_id = TaskState.COMPLETED, now, actor_id
    task.data_json = json.dumps(answer, sort_keys=True)
    task.draft_json = None
    process_state.sync(session, case, instance, run, now, actor_id)
    changes = {key: {"old": before.get(key), "new": value} for key, value in answer.items()
               if before.get(key) != value and value}
    audit.append(session, type_="task_completed", at=now, actor_id=actor_id,
                 case_id=case.id,
                 details={"task": task.bpmn_id, "form": task.form_key,
                          "fields": sorted(changes), "process_version": instance.version,
                          "confirmed_by_provider": started.id},
                 change=changes or None)
    return True

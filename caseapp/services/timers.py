"""Firing due process timers (follow-ups, escalations)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from caseapp.models import Case, ProcessInstance

from . import audit, confirmed_start, process_state
from .context import ServiceContext
from .locking import claim_case_with_due_timer

log = logging.getLogger(__name__)


RETRY_AFTER = timedelta(minutes=15)


def fire_due_timers(ctx: ServiceContext, batch: int = 50) -> int:
    """Fire every timer due now; one transaction per case. Returns the number of cases handled.

    On PostgreSQL each case is claimed with ``FOR NO KEY UPDATE SKIP LOCKED``, so
    several workers never fire the same timer twice and never wait on a case a
    counsellor is saving. A case whose timers fail (a bug in a process version,
    say) is logged, audited and retried later; it never stops the other cases.
    """
    handled = 0
    while handled < batch:
        now = ctx.now()
        with ctx.transaction() as session:
            case = claim_case_with_due_timer(session, now)
            if case is None:
                return handled
            instance = session.scalars(select(ProcessInstance)
                                       .where(ProcessInstance.case_id == case.id)).one()
            if instance.next_timer_at is None or instance.next_timer_at >= now:
                continue  # fired by another worker since it was found: nothing to do
            try:
                with session.begin_nested():
                    fired, created = _fire(ctx, case, instance, now)
            except Exception as exc:  # noqa: BLE001 - one broken case must not stop the rest
                log.exception("case %s: firing timers failed; retrying later", case.number)
                instance.next_timer_at = now + RETRY_AFTER
                audit.append(session, type_="timer_failed", at=now, actor_id=None,
                             case_id=case.id, details={"error": type(exc).__name__,
                                                       "retry_at": instance.next_timer_at})
            else:
                audit.append(session, type_="timer_fired", at=now, actor_id=None,
                             case_id=case.id,
                             details={"timers": fired, "new_tasks": [t.bpmn_id for t in created]})
            handled += 1
    return handled


def _fire(ctx: ServiceContext, case: Case, instance: ProcessInstance, now):
    run = ctx.engine.load(instance.version, instance.state_json)
    fired = run.fire_due_timers(now)
    created = process_state.sync(ctx.session, case, instance, run, now)
    if any(task.bpmn_id == confirmed_start.FOLLOW_UP_STEP for task in created):
        # the provider confirmed the start already: nobody needs to ask
        confirmed_start.answer_open_follow_up(ctx, ctx.session, case, instance, run, None, now)
    if not fired and instance.next_timer_at and instance.next_timer_at < now:
        # A stored due time the engine no longer knows: clear it, never spin on it.
        log.warning("case %s: timer index was stale; cleared", case.number)
        instance.next_timer_at = None
    return fired, created

"""Small helpers shared by tests: walking a case through its steps via the services."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, text

from caseapp.models import AuditEvent, HumanTask, ProcessInstance
from caseapp.services import cases, catalogue, tasks
from caseapp.services.actor import SYSTEM
from caseapp.services.errors import ServiceError
from tests.factories import answers, person

SITUATION_STEPS = ("person", "residence", "family", "education_work", "practical",
                   "goals_plan")
STEPS = (*SITUATION_STEPS, "language_literacy", "referral")


def open_case(ctx, actor, **person_overrides):
    """Open a case for the factory's newcomer (or, with overrides, another person)."""
    return cases.open_case(ctx, actor, cases.NewCase(**person(**person_overrides)))


def ready_task(ctx, case_id, form_key=None) -> HumanTask:
    stmt = select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state == "ready")
    if form_key:
        stmt = stmt.where(HumanTask.form_key == form_key)
    ctx.session.rollback()  # a fresh snapshot: see what other sessions committed
    return ctx.session.scalars(stmt.order_by(HumanTask.id)).first()


def row_version(ctx, case_id) -> int:
    ctx.session.rollback()  # a fresh snapshot: see what other sessions committed
    return ctx.session.scalar(select(ProcessInstance.row_version)
                              .where(ProcessInstance.case_id == case_id))


def complete(ctx, actor, case_id, form_key, **overrides):
    task = ready_task(ctx, case_id, form_key)
    assert task is not None, f"no ready task {form_key}"
    return tasks.complete_task(ctx, actor, case_id, task.id,
                               answers(form_key, **overrides),
                               expected_version=row_version(ctx, case_id), form_key=form_key)


def complete_until(ctx, actor, case_id, last_step: str, **overrides_by_step):
    """Complete the steps in process order up to and including ``last_step``."""
    for step in STEPS[:STEPS.index(last_step) + 1]:
        complete(ctx, actor, case_id, step, **overrides_by_step.get(step, {}))


def add_course(ctx, provider_id, seats=10, course_type="integrationskurs", days=20,
               schedule="full_time", childcare=False, title=None):
    return catalogue.create_course(ctx, SYSTEM, catalogue.NewCourse(
        provider_id=provider_id, course_type=course_type, title=title or f"{course_type} {days}",
        target_level="B1", start_date=ctx.now().date() + timedelta(days=days),
        schedule=schedule, time_of_day="mornings", childcare=childcare,
        location="Pfaffenstieg 4, 31134 Hildesheim", seats_total=seats,
        what_to_bring="Pass")).id


def at_referral(ctx, actor, **person):
    case = open_case(ctx, actor, **person)
    complete_until(ctx, actor, case.id, "language_literacy")
    return case.id


def run_concurrently(runtime, *actions) -> list[tuple[str, str]]:
    """Run each action(ctx) in its own thread and session, released at the same moment.

    Returns one (kind, text) per action, in order: ("ok", ""), ("refused", the service's
    message) or ("error", repr of anything else, a deadlock say), so nothing slips by.
    """
    outcomes: list[tuple[str, str]] = [("error", "did not run")] * len(actions)
    barrier = threading.Barrier(len(actions))

    def run(index, action):
        ctx = runtime.context(runtime.sessions())
        barrier.wait()
        try:
            action(ctx)
            outcomes[index] = ("ok", "")
        except ServiceError as exc:
            outcomes[index] = ("refused", exc.message)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            outcomes[index] = ("error", repr(exc))
        finally:
            ctx.session.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def query_plans(ctx, action) -> list[tuple[str, str]]:
    """Run ``action`` and return each statement it sent with the database's plan for it
    (EXPLAIN QUERY PLAN on SQLite; EXPLAIN on PostgreSQL with sequential scans, bitmap
    scans and sorts off, so that on a test's few rows a scan or a sort shows only where no
    index serves the query, as at 100,000 cases). Read-only statements only."""
    engine = ctx.session.get_bind()
    seen: list[tuple[str, Any]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    ctx.session.rollback()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    ctx.session.rollback()
    plans = []
    with engine.connect() as conn:
        for statement, parameters in seen:
            if engine.dialect.name == "postgresql":
                for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                    conn.exec_driver_sql(f"SET {setting} = off")
                plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
            else:
                plan = [row[-1] for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, parameters)]
            plans.append((statement, "\n".join(plan)))
    return plans


def full_scans(plans: list[tuple[str, str]], *tables: str) -> list[tuple[str, str]]:
    """The statements whose plan reads all of one of ``tables`` (no index narrows it)."""
    names = "|".join(tables)
    pattern = re.compile(rf"\bSCAN ({names})\b|Seq Scan on ({names})\b")
    return [(statement, plan) for statement, plan in plans if pattern.search(plan)]


def case_chain(ctx, case_id) -> list[AuditEvent]:
    """A case's audit chain in order, read afresh."""
    ctx.session.rollback()
    return list(ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case_id}").order_by(AuditEvent.chain_seq)))


def tamper(ctx, statement, **params):
    """What someone with write access to the database does behind the application."""
    ctx.session.rollback()
    ctx.session.execute(text(statement), params)
    ctx.session.commit()

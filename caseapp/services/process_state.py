"""Keep the indexed columns and human-task rows in step with the workflow.

Called inside every action that advances a workflow, in the same transaction,
so no listing ever needs to deserialize a workflow.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caseapp.models import Case, HumanTask, ProcessInstance, ProcessVersion, Referral
from domain.vocabulary import (
    SEAT_GIVEN_UP,
    CaseStatus,
    Outcome,
    Role,
    SeatChangeReason,
    SeatStatus,
    TaskState,
    lane_role,
    task_lane,
)
from workflows import ProcessEngine, ProcessRun

from . import audit
from .referrals import give_back_seat

# The team lead's review task that the follow-up's boundary timer raises (bpmn/): while
# it is open, the case's follow-up is overdue.
OVERDUE_REVIEW_FORM = "overdue_review"
# Workflow data -> case column, for lists, referral and monitoring.
PROJECTED_FIELDS = {name: name for name in (
    "german_level", "literacy", "schooling_years", "placement_test_result",
    "placement_recommended_course", "recommended_course_type")}
PROJECTED_FIELDS["follow_up_result"] = "referral_outcome"  # did the course start?

# Task data a step's page shows or ranks with, copied onto the task row when it appears.
CONTEXT_KEYS = ("recommended_offers", "recommendation_rules", "next_steps",
                "recommended_course_type", "recommendation_rule", "admission_route",
                "course_issuer", "course_decision_date",
                "admitted_to_integration_course", "admission_next_step", "german_level",
                "availability", "time_of_day", "max_travel_km",
                "childcare_needed_during_course")


def ensure_version_stored(session: Session, engine: ProcessEngine, now: datetime) -> None:
    """Store the process folder's version once (it is then deployed, see
    services/process_versions.py), so cases started on it can always load."""
    if engine.version is None:  # the folder did not load: the stored versions serve
        return
    stored = select(ProcessVersion.version).where(ProcessVersion.version == engine.version)
    if session.scalar(stored) is None:  # (not the spec itself: it is large)
        try:
            with session.begin_nested():  # another worker may store it at the same moment
                session.add(ProcessVersion(
                    version=engine.version, spec_json=engine.spec_json(),
                    sources_json=json.dumps(engine.library.sources), deployed_at=now))
        except IntegrityError:
            pass


def release_places(session: Session, case: Case, now: datetime) -> None:
    """A closed case waits for nothing: its waiting places end, offered seats go onwards,
    and so does a booked seat when the course did not start or was dropped. A course that
    started in a seat offered from the waiting list (and never confirmed) keeps it, booked."""
    released = [SeatStatus.WAITING, SeatStatus.OFFERED]
    if case.referral_outcome in SEAT_GIVEN_UP:
        released.append(SeatStatus.BOOKED)
    places = list(session.scalars(select(Referral).where(
        Referral.case_id == case.id,
        Referral.status.in_([*released, SeatStatus.BOOKED]))
        .order_by(Referral.course_id, Referral.id)))  # seats in course order
    started_in = _seat_started_in(case, places)
    if started_in is not None:
        started_in.status, started_in.updated_at = SeatStatus.BOOKED, now
        case.referred_course_type = started_in.offer
    places = [r for r in places if r.status in released and r is not started_in]
    for referral in places:
        if referral.status != SeatStatus.WAITING and referral.course_id:
            give_back_seat(session, referral.course_id)
        if referral.status == SeatStatus.WAITING:
            referral.left_waiting_at = now
        referral.status, referral.updated_at = SeatStatus.CANCELLED, now
    if started_in is not None:  # the audit chain last
        audit.append(session, type_="seat_booked", at=now, actor_id=None, case_id=case.id,
                     details={"referral": started_in.id, "course": started_in.course_id,
                              "from_waiting_list": True,
                              "because": SeatChangeReason.COURSE_STARTED})
    for referral in places:
        audit.append(session, type_="seat_cancelled", at=now, actor_id=None, case_id=case.id,
                     details={"referral": referral.id, "because": SeatChangeReason.CASE_CLOSED})


def _seat_started_in(case: Case, places: list[Referral]) -> Referral | None:
    """The offered seat a course started in: when the answer is "started" and no seat was
    booked, the earliest course among the seats offered (the follow-up was timed by it)."""
    if case.referral_outcome != Outcome.STARTED \
            or any(r.status == SeatStatus.BOOKED for r in places):
        return None
    offered = [r for r in places if r.status == SeatStatus.OFFERED and r.course is not None]
    return min(offered, key=lambda r: (r.course.start_date, r.id), default=None)


def sync(session: Session, case: Case, instance: ProcessInstance, run: ProcessRun,
         now: datetime, actor_id: int | None = None) -> list[HumanTask]:
    """Save the run and bring task rows and case columns up to date; returns new tasks.

    Nothing is flushed here: the action's commit writes it all in one flush.
    """
    instance.state_json = run.dumps()
    instance.next_timer_at = run.next_timer_due()
    instance.finished = run.is_finished

    ready = {t.id: t for t in run.ready_human_tasks()}
    # Rows the database still has as ready; a row the caller just completed keeps its
    # unflushed state in the session (no populate_existing), so it is left out here.
    rows = [row for row in session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.state == TaskState.READY))
        if row.state == TaskState.READY]
    for row in rows:
        if row.engine_task_id not in ready:
            row.state = TaskState.CANCELLED  # withdrawn by the process (e.g. an interrupting event)
    existing = {row.engine_task_id for row in rows}
    created = []
    for task in ready.values():
        if task.id in existing:
            continue
        data = run.task_data(task.id)
        context = {key: data[key] for key in CONTEXT_KEYS if key in data}
        row = HumanTask(
            case_id=case.id, engine_task_id=task.id, bpmn_id=task.bpmn_id, title=task.title,
            lane=task_lane(task.lane), form_key=task.form_key, state=TaskState.READY,
            team_id=case.team_id,
            assignee_id=case.assignee_id if lane_role(task.lane) == Role.COUNSELLOR else None,
            context_json=json.dumps(context, default=str) if context else None,
            created_at=now)
        session.add(row)
        created.append(row)

    # Workflow-level data is the result of a finished run; while running, the ready
    # tasks carry the current data (after a reopening, the old result must not count).
    known = dict(run.data) if run.is_finished else {}
    for task_id in ready:
        known.update(run.task_data(task_id))
    for field, column in PROJECTED_FIELDS.items():
        if field in known:
            setattr(case, column, known[field])
    if run.is_finished and case.status == CaseStatus.OPEN:
        case.status, case.closed_at = CaseStatus.CLOSED, now
        audit.append(session, type_="case_closed", at=now, actor_id=actor_id, case_id=case.id,
                     details={"outcome": case.referral_outcome})
        release_places(session, case, now)

    counsellor_tasks = [t for t in ready.values() if lane_role(t.lane) == Role.COUNSELLOR]
    current = counsellor_tasks[0] if counsellor_tasks else next(iter(ready.values()), None)
    case.current_step = current.bpmn_id if current else None
    case.current_step_title = current.title if current else None
    case.due_at = instance.next_timer_at
    case.overdue = any(t.form_key == OVERDUE_REVIEW_FORM for t in ready.values())
    case.updated_at = now
    return created

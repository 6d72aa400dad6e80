"""Subject access (Art. 15 DSGVO): everything the installation holds about a case's person.

Identity, every answer under its label (submitted steps and drafts of open ones), the
referrals and the providers the data went to, and who saw or changed the case and when.
Given to the team lead of the case's team, or on the command line; giving it is recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from caseapp.models import AuditEvent, Case, HumanTask, Referral, Team, User
from domain.vocabulary import ReferralKind, Role, TaskState
from forms.labels import field_value, form_fields

from . import audit, retention, special_category
from .actor import SYSTEM, Actor
from .authz import require_case_readable, require_role
from .context import ServiceContext
from .errors import NotFound

EXPORT_EVENT = "subject_access_given"


@dataclass(frozen=True)
class Answer:
    """One answered field: its code name, its label (lazy) and its value as a page shows it
    (a choice by its label, a date as a date), with the value as stored."""

    name: str
    label: Any
    value: Any
    stored: Any


@dataclass(frozen=True)
class StepAnswers:
    """A step's answers: submitted (``completed_at`` set) or a draft of an open step."""

    form_key: str
    title: str  # the step's name in the process (English; translated where shown)
    completed_at: datetime | None
    completed_by: str | None
    draft: bool
    answers: list[Answer]


@dataclass(frozen=True)
class ReferralEntry:
    """A referral and whom it went to (a course provider, or an offer such as a Kita)."""

    kind: str
    offer: str
    status: str
    course_title: str | None
    course_start: date | None
    provider: str | None
    note: str | None
    created_at: datetime


@dataclass(frozen=True)
class AccessEntry:
    """Who did what with the case, and when (an audit event: no values)."""

    at: datetime
    type: str
    actor: str
    fields: list[str]


@dataclass(frozen=True)
class SubjectAccess:
    """Everything held about the person of one case."""

    case_number: str
    team: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    municipality: str | None
    given_names: str | None
    family_name: str | None
    birth_date: date | None
    phone: str | None
    email: str | None
    erased_at: datetime | None
    erased_by: str | None
    steps: list[StepAnswers]
    referrals: list[ReferralEntry]
    recipients: list[str]  # the providers that received the person's data (by name)
    history: list[AccessEntry]
    given_at: datetime
    retention_on: date | None  # when the person is erased (closed cases)
    retention_years: int | None  # ... that many years after closing (open: by outcome)


def subject_access(ctx: ServiceContext, actor: Actor, case_id: int) -> SubjectAccess:
    """What the person is told on request: the team lead of the case's team gives it (or
    the operator on the command line); the giving is recorded in the case's trail."""
    require_role(actor, Role.TEAM_LEAD, SYSTEM.role)
    now = ctx.now()
    with ctx.transaction() as session:
        case = session.get(Case, case_id)
        if case is None or actor.role != SYSTEM.role:
            case = require_case_readable(actor, case)
        tasks = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)
                                .order_by(HumanTask.created_at, HumanTask.id)).all()
        referrals = session.scalars(select(Referral).where(Referral.case_id == case.id)
                                    .order_by(Referral.created_at, Referral.id)).all()
        events = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                 .order_by(AuditEvent.seq)).all()
        user_ids = {e.actor_id for e in events} | {t.completed_by_id for t in tasks} | \
            {case.person.erased_by_id}
        names = dict(session.execute(select(User.id, User.display_name)
                                     .where(User.id.in_(user_ids - {None}))).all())
        team = session.get(Team, case.team_id)
        retention_on = retention.retention_date(ctx, case)
        audit.append(session, type_=EXPORT_EVENT, at=now, actor_id=actor.id or None,
                     case_id=case.id)
    person = case.person
    return SubjectAccess(
        case_number=case.number, team=team.name if team else "", status=case.status,
        opened_at=case.opened_at, closed_at=case.closed_at, outcome=case.referral_outcome,
        municipality=case.municipality, given_names=person.given_names,
        family_name=person.family_name, birth_date=person.birth_date, phone=person.phone,
        email=person.email, erased_at=person.erased_at,
        erased_by=names.get(person.erased_by_id) if person.erased_by_id else None,
        steps=[step for step in (_step(ctx, task, names) for task in tasks) if step is not None],
        referrals=[_referral(r) for r in referrals],
        recipients=sorted({r.provider.name for r in referrals if r.provider is not None}
                          | {r.course.provider.name for r in referrals
                             if r.kind == ReferralKind.COURSE and r.course is not None}),
        history=[AccessEntry(e.at, e.type, names.get(e.actor_id, SYSTEM.display_name),
                             list((e.details or {}).get("fields", [])))
                 for e in events],
        given_at=now, retention_on=retention_on,
        retention_years=ctx.settings.retention_years[
            case.referral_outcome or retention.WITHOUT_OUTCOME] if retention_on else None)


def _step(ctx: ServiceContext, task: HumanTask, names: dict[int, str]) -> StepAnswers | None:
    """A completed step's submitted answers, or an open step's draft; None if neither
    (special-category values opened: it is the person's own information)."""
    if task.state == TaskState.COMPLETED and task.data_json:
        stored, draft = json.loads(task.data_json), False
    elif task.state == TaskState.READY and task.draft_json:
        stored, draft = json.loads(task.draft_json), True
    else:
        return None
    stored = special_category.opened_answers(ctx.settings.data_keys, stored)
    answers = [Answer(field.name, field.label, field_value(field.name, stored[field.name],
                                                           task.form_key),
                      stored[field.name])
               for field in form_fields(task.form_key).values()
               if stored.get(field.name) not in (None, "", [])]
    return StepAnswers(task.form_key, task.title, task.completed_at,
                       names.get(task.completed_by_id) if task.completed_by_id else None,
                       draft, answers)


def _referral(referral: Referral) -> ReferralEntry:
    course = referral.course
    provider = referral.provider or (course.provider if course is not None else None)
    return ReferralEntry(kind=referral.kind, offer=referral.offer, status=referral.status,
                         course_title=course.title if course is not None else None,
                         course_start=course.start_date if course is not None else None,
                         provider=provider.name if provider is not None else None,
                         note=referral.note, created_at=referral.created_at)


def subject_access_by_number(ctx: ServiceContext, actor: Actor, number: str) -> SubjectAccess:
    """The same for the case numbered ``number`` (the command line names cases so)."""
    case_id = ctx.session.scalar(select(Case.id).where(Case.number == number.strip()))
    ctx.session.rollback()
    if case_id is None:
        raise NotFound("No such case.")
    return subject_access(ctx, actor, case_id)

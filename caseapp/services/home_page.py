"""What each role sees first: read-only queries over indexed columns."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, true

from caseapp.models import AuditEvent, Case, HumanTask, Referral
from domain.vocabulary import Lane, Role, SeatStatus, TaskState

from .actor import Actor
from .authz import require_role
from .context import ServiceContext


@dataclass(frozen=True)
class Home:
    """A user's start page: own tasks, the team queue, recent cases and seats offered."""

    my_tasks: list[tuple[HumanTask, Case]]
    team_queue: list[tuple[HumanTask, Case]]
    recent: list[Case]
    seat_offers: list[tuple[Referral, Case]]  # seats offered from a waiting list


def home(ctx: ServiceContext, actor: Actor, limit: int = 50) -> Home:
    """The actor's team only, not audited; a counsellor sees only counsellor work and own offers."""
    s = ctx.session
    ready = (select(HumanTask, Case).join(Case, Case.id == HumanTask.case_id)
             .where(HumanTask.state == TaskState.READY, HumanTask.team_id == actor.team_id))
    mine = s.execute(ready.where(HumanTask.assignee_id == actor.id)
                     .order_by(HumanTask.created_at, HumanTask.id).limit(limit)).all()
    queue = ready.where(HumanTask.assignee_id.is_(None))
    if actor.role == Role.COUNSELLOR:
        queue = queue.where(HumanTask.lane == Lane.COUNSELLOR)
    queue_rows = s.execute(queue.order_by(HumanTask.created_at, HumanTask.id).limit(limit)).all()
    recent = _recently_touched(ctx, actor)
    offers = s.execute(select(Referral, Case).join(Case, Case.id == Referral.case_id).where(
        Referral.status == SeatStatus.OFFERED, Case.team_id == actor.team_id,
        Case.assignee_id == actor.id if actor.role == Role.COUNSELLOR else true())
        .order_by(Referral.updated_at)).all()
    return Home(my_tasks=list(mine), team_queue=list(queue_rows), recent=list(recent),
                seat_offers=list(offers))


RECENT_CASES = 10
RECENT_EVENTS_READ = 200


def _recently_touched(ctx: ServiceContext, actor: Actor) -> list[Case]:
    """The cases of the actor's newest events (read from the newest few hundred on the
    (actor, seq) index, so the cost does not grow with the actor's history)."""
    case_ids = ctx.session.scalars(
        select(AuditEvent.case_id).where(AuditEvent.actor_id == actor.id,
                                         AuditEvent.case_id.is_not(None))
        .order_by(AuditEvent.actor_id.desc(), AuditEvent.seq.desc())
        .limit(RECENT_EVENTS_READ)).all()
    newest_first = list(dict.fromkeys(case_ids))[:RECENT_CASES]
    found = {case.id: case for case in ctx.session.scalars(
        select(Case).where(Case.id.in_(newest_first), Case.team_id == actor.team_id))}
    return [found[case_id] for case_id in newest_first if case_id in found]


def all_cases(ctx: ServiceContext, actor: Actor, limit: int = 100) -> list[Case]:
    """Auditors review every case; nobody else lists across teams."""
    require_role(actor, Role.AUDITOR)
    return list(ctx.session.scalars(select(Case).order_by(Case.updated_at.desc()).limit(limit)))

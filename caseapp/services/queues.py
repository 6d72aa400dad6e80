"""What each role sees first: read-only queries over indexed columns."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, true

from caseapp.models import AuditEvent, Case, HumanTask, Referral

from .actor import Actor
from .authz import require_role
from .context import ServiceContext


@dataclass(frozen=True)
class Home:
    my_tasks: list[tuple[HumanTask, Case]]
    team_queue: list[tuple[HumanTask, Case]]
    recent: list[Case]
    seat_offers: list[tuple[Referral, Case]]  # seats offered from a waiting list


def home(ctx: ServiceContext, actor: Actor, limit: int = 50) -> Home:
    s = ctx.session
    ready = (select(HumanTask, Case).join(Case, Case.id == HumanTask.case_id)
             .where(HumanTask.state == "ready", HumanTask.team_id == actor.team_id))
    mine = s.execute(ready.where(HumanTask.assignee_id == actor.id)
                     .order_by(HumanTask.created_at).limit(limit)).all()
    queue = ready.where(HumanTask.assignee_id.is_(None))
    if actor.role == "counsellor":
        queue = queue.where(HumanTask.lane == "Counsellor")
    queue_rows = s.execute(queue.order_by(HumanTask.created_at).limit(limit)).all()
    recent_ids = (select(AuditEvent.case_id, func.max(AuditEvent.seq).label("last"))
                  .where(AuditEvent.actor_id == actor.id, AuditEvent.case_id.is_not(None))
                  .group_by(AuditEvent.case_id).order_by(func.max(AuditEvent.seq).desc())
                  .limit(10).subquery())
    recent = s.scalars(select(Case).join(recent_ids, recent_ids.c.case_id == Case.id)
                       .where(Case.team_id == actor.team_id)
                       .order_by(recent_ids.c.last.desc())).all()
    offers = s.execute(select(Referral, Case).join(Case, Case.id == Referral.case_id).where(
        Referral.status == "offered", Case.team_id == actor.team_id,
        Case.assignee_id == actor.id if actor.role == "counsellor" else true())
        .order_by(Referral.updated_at)).all()
    return Home(my_tasks=list(mine), team_queue=list(queue_rows), recent=list(recent),
                seat_offers=list(offers))


def all_cases(ctx: ServiceContext, actor: Actor, limit: int = 100) -> list[Case]:
    """Auditors review every case; nobody else lists across teams."""
    require_role(actor, "auditor")
    return list(ctx.session.scalars(select(Case).order_by(Case.updated_at.desc()).limit(limit)))

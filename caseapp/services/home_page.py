"""What each role sees first: read-only queries over indexed columns."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, true

from caseapp.models import Case, HumanTask, RecentCase, Referral
from domain.vocabulary import CaseStatus, Lane, Role, SeatStatus, TaskState

from . import recent_cases
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
        # open cases only (closing gives a seat back): read by index, not the team's history
        Referral.status == SeatStatus.OFFERED, Case.team_id == actor.team_id,
        Case.status == CaseStatus.OPEN,
        Case.assignee_id == actor.id if actor.role == Role.COUNSELLOR else true())
        .order_by(Referral.updated_at)).all()
    return Home(my_tasks=list(mine), team_queue=list(queue_rows), recent=list(recent),
                seat_offers=list(offers))


def _recently_touched(ctx: ServiceContext, actor: Actor) -> list[Case]:
    """The actor's newest recent cases of their own team (services.recent_cases: a few
    rows per user, read on the (user, touch) index; the audit trail is not read)."""
    return list(ctx.session.scalars(
        select(Case).join(RecentCase, RecentCase.case_id == Case.id)
        .where(RecentCase.user_id == actor.id, Case.team_id == actor.team_id)
        .order_by(RecentCase.touch.desc())
        .limit(recent_cases.RECENT_SHOWN)))


def all_cases(ctx: ServiceContext, actor: Actor, limit: int = 100) -> list[Case]:
    """Auditors review every case; nobody else lists across teams."""
    require_role(actor, Role.AUDITOR)
    return list(ctx.session.scalars(select(Case).order_by(Case.updated_at.desc()).limit(limit)))

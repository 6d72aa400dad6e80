"""What team leads do: the board, reassigning work, transferring cases between teams."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select

from caseapp.models import Case, HumanTask, Referral, Team, User
from domain.vocabulary import TEAM_ROLES, CaseStatus, Lane, Role, SeatStatus, TaskState

from . import audit
from .actor import Actor
from .authz import require_role
from .context import ServiceContext
from .errors import Conflict, InvalidInput, NotFound
from .locking import lock_case, lock_cases


@dataclass(frozen=True)
class BoardFilters:
    """The board's case filters; ``assignee`` is a user id, or "none" for the queue."""

    step: str | None = None
    municipality: str | None = None
    due_before: date | None = None
    assignee: str | None = None  # a user id, or "none" for the queue


@dataclass(frozen=True)
class MemberLoad:
    """One person's open cases, open tasks and overdue follow-ups, to balance the team."""

    user: User
    open_cases: int
    open_tasks: int
    overdue_follow_ups: int


@dataclass(frozen=True)
class Board:
    """Everything the team lead's board shows of their own team, in one call."""

    members: list[MemberLoad]
    queue: list[tuple[HumanTask, Case]]
    escalations: list[tuple[HumanTask, Case]]
    cases: list[Case]
    waiting: int
    offered: int
    incoming: list[tuple[Case, str]]  # transfers waiting for this team, with the source team
    absent: list[MemberLoad]  # deactivated or moved people who still hold open cases
    steps: list[tuple[str, str]]
    municipalities: list[str]
    names: dict[int, str]
    teams: list[Team]


def board(ctx: ServiceContext, actor: Actor, filters: BoardFilters) -> Board:
    """Team leads only, their own team; read-only and not audited; at most 500 cases."""
    require_role(actor, Role.TEAM_LEAD)
    s, team, now = ctx.session, actor.team_id, ctx.now()
    members = s.scalars(select(User).where(User.team_id == team, User.active.is_(True))
                        .order_by(User.display_name)).all()
    absent = s.scalars(select(User).join(Case, Case.assignee_id == User.id).where(
        Case.team_id == team, Case.status == CaseStatus.OPEN,
        or_(User.active.is_(False), User.team_id.is_distinct_from(team)))
        .distinct().order_by(User.display_name)).all()
    open_cases = dict(s.execute(select(Case.assignee_id, func.count()).where(
        Case.team_id == team, Case.status == CaseStatus.OPEN).group_by(Case.assignee_id)).all())
    open_tasks = dict(s.execute(select(HumanTask.assignee_id, func.count()).where(
        HumanTask.team_id == team, HumanTask.state == TaskState.READY)
        .group_by(HumanTask.assignee_id)).all())
    overdue = dict(s.execute(select(HumanTask.assignee_id, func.count()).where(
        HumanTask.team_id == team, HumanTask.state == TaskState.READY,
        HumanTask.form_key == "follow_up",
        HumanTask.created_at < now - ctx.settings.follow_up_grace)
        .group_by(HumanTask.assignee_id)).all())
    ready = (select(HumanTask, Case).join(Case, Case.id == HumanTask.case_id)
             .where(HumanTask.team_id == team, HumanTask.state == TaskState.READY)
             .order_by(HumanTask.created_at))
    queue = s.execute(ready.where(HumanTask.assignee_id.is_(None),
                                  HumanTask.lane == Lane.COUNSELLOR)).all()
    escalations = s.execute(ready.where(HumanTask.lane != Lane.COUNSELLOR)).all()

    stmt = select(Case).where(Case.team_id == team, Case.status == CaseStatus.OPEN)
    if filters.step:
        stmt = stmt.where(Case.current_step == filters.step)
    if filters.municipality:
        stmt = stmt.where(Case.municipality == filters.municipality)
    if filters.due_before:
        stmt = stmt.where(Case.due_at < datetime.combine(
            filters.due_before, datetime.min.time(), tzinfo=now.tzinfo))
    if filters.assignee == "none":
        stmt = stmt.where(Case.assignee_id.is_(None))
    elif filters.assignee and filters.assignee.isdigit():
        stmt = stmt.where(Case.assignee_id == int(filters.assignee))
    cases = s.scalars(stmt.order_by(Case.due_at.is_(None), Case.due_at, Case.updated_at.desc())
                      .limit(500)).all()

    referral_counts = dict(s.execute(select(Referral.status, func.count()).join(
        Case, Case.id == Referral.case_id).where(
        Case.team_id == team, Referral.status.in_((SeatStatus.WAITING, SeatStatus.OFFERED)))
        .group_by(Referral.status)).all())
    incoming = s.execute(select(Case, Team.name).join(Team, Team.id == Case.team_id).where(
        Case.transfer_to_team_id == team)).all()
    steps = s.execute(select(Case.current_step, func.max(Case.current_step_title)).where(
        Case.team_id == team, Case.status == CaseStatus.OPEN, Case.current_step.is_not(None))
        .group_by(Case.current_step)).all()
    municipalities = s.scalars(select(Case.municipality).where(
        Case.team_id == team, Case.status == CaseStatus.OPEN).distinct()).all()
    return Board(
        members=[MemberLoad(u, open_cases.get(u.id, 0), open_tasks.get(u.id, 0),
                            overdue.get(u.id, 0)) for u in members],
        queue=list(queue), escalations=list(escalations), cases=list(cases),
        waiting=referral_counts.get(SeatStatus.WAITING, 0),
        offered=referral_counts.get(SeatStatus.OFFERED, 0),
        incoming=list(incoming),
        absent=[MemberLoad(u, open_cases.get(u.id, 0), open_tasks.get(u.id, 0),
                           overdue.get(u.id, 0)) for u in absent],
        steps=sorted(steps, key=lambda row: row[1] or ""),
        municipalities=sorted(m for m in municipalities if m),
        names={u.id: u.display_name for u in [*members, *absent]},
        teams=list(s.scalars(select(Team).where(Team.id != team).order_by(Team.name))))


def _target(ctx: ServiceContext, actor: Actor, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = ctx.session.get(User, user_id)
    if user is None or user.team_id != actor.team_id or not user.active \
            or user.role not in TEAM_ROLES:
        raise InvalidInput("Choose an active member of your team.")
    return user


def reassign(ctx: ServiceContext, actor: Actor, case_ids: Sequence[int],
             to_user_id: int | None, reason: str) -> int:
    """Give cases to a team member, or back to the queue (None). One audit event per case.

    All or nothing: one case that cannot be reassigned refuses the whole action. The
    open counsellor steps follow the case; a form the previous assignee still has open
    is refused when sent (see tasks.complete_task).
    """
    require_role(actor, Role.TEAM_LEAD)
    if not reason.strip():
        raise InvalidInput("Please give a reason for the reassignment.")
    if not case_ids:
        raise InvalidInput("Select at least one case.")
    now = ctx.now()
    with ctx.transaction() as session:
        target = _target(ctx, actor, to_user_id)
        cases = lock_cases(session, case_ids)
        if len(cases) != len(set(case_ids)) or any(c.team_id != actor.team_id for c in cases):
            raise NotFound("No such case.")
        if any(c.status != CaseStatus.OPEN for c in cases):
            raise Conflict("Closed cases cannot be reassigned.")
        new = target.id if target else None
        for case in cases:
            old = case.assignee_id
            if old == new:
                continue
            case.assignee_id, case.updated_at = new, now
            for task in session.scalars(select(HumanTask).where(
                    HumanTask.case_id == case.id, HumanTask.state == TaskState.READY,
                    HumanTask.lane == Lane.COUNSELLOR)):
                task.reassigned_from_id, task.assignee_id = task.assignee_id, new
            audit.append(session, type_="case_reassigned", at=now, actor_id=actor.id,
                         case_id=case.id, details={"from": old, "to": new},
                         change={"reason": reason.strip()})
    return len(cases)


def reassign_all_of(ctx: ServiceContext, actor: Actor, from_user_id: int,
                    to_user_id: int | None, reason: str) -> int:
    """For an absence: every open case of one team member goes to another (or the queue)."""
    require_role(actor, Role.TEAM_LEAD)
    ids = ctx.session.scalars(select(Case.id).where(
        Case.team_id == actor.team_id, Case.status == CaseStatus.OPEN,
        Case.assignee_id == from_user_id)).all()
    if not ids:
        raise InvalidInput("This person has no open cases.")
    return reassign(ctx, actor, ids, to_user_id, reason)


def request_transfer(ctx: ServiceContext, actor: Actor, case_id: int, to_team_id: int,
                     reason: str) -> None:
    """Offer a case to another team (audited, with the reason); that team's lead decides."""
    require_role(actor, Role.TEAM_LEAD)
    if not reason.strip():
        raise InvalidInput("Please give a reason for the transfer.")
    now = ctx.now()
    with ctx.transaction() as session:
        case = lock_case(session, case_id)
        if case is None or case.team_id != actor.team_id:
            raise NotFound("No such case.")
        if session.get(Team, to_team_id) is None or to_team_id == actor.team_id:
            raise InvalidInput("Choose another team.")
        if case.transfer_to_team_id:
            raise Conflict("A transfer of this case is already waiting for a decision.")
        case.transfer_to_team_id, case.transfer_requested_at = to_team_id, now
        case.transfer_note = reason.strip()[:500]
        audit.append(session, type_="case_transfer_requested", at=now, actor_id=actor.id,
                     case_id=case.id, details={"from_team": case.team_id, "to_team": to_team_id},
                     change={"reason": reason.strip()})


def decide_transfer(ctx: ServiceContext, actor: Actor, case_id: int, accept: bool,
                    reason: str = "") -> None:
    """The receiving team's lead accepts (the case joins their queue) or declines."""
    require_role(actor, Role.TEAM_LEAD)
    if not accept and not reason.strip():
        raise InvalidInput("Please give a reason for declining.")
    now = ctx.now()
    with ctx.transaction() as session:
        case = lock_case(session, case_id)
        if case is None or case.transfer_to_team_id != actor.team_id:
            raise NotFound("No transfer of this case is waiting for your team.")
        from_team = case.team_id
        if accept:
            case.team_id, case.assignee_id = actor.team_id, None
            for task in session.scalars(select(HumanTask).where(
                    HumanTask.case_id == case.id, HumanTask.state == TaskState.READY)):
                task.team_id, task.assignee_id = actor.team_id, None
        case.transfer_to_team_id = case.transfer_note = case.transfer_requested_at = None
        case.updated_at = now
        audit.append(session, type_="case_transfer_accepted" if accept
                     else "case_transfer_declined", at=now, actor_id=actor.id,
                     case_id=case.id, details={"from_team": from_team, "to_team": actor.team_id},
                     change={"reason": reason.strip()} if reason.strip() else None)


def lead_options(ctx: ServiceContext, actor: Actor) -> tuple[list[User], list[Team]]:
    """Who a team lead can give a case to, and which teams it can go to."""
    require_role(actor, Role.TEAM_LEAD)
    members = ctx.session.scalars(select(User).where(
        User.team_id == actor.team_id, User.active.is_(True),
        User.role.in_(TEAM_ROLES)).order_by(User.display_name)).all()
    teams = ctx.session.scalars(select(Team).where(Team.id != actor.team_id)
                                .order_by(Team.name)).all()
    return list(members), list(teams)

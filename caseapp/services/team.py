"""What team leads do: the board, reassigning work, transferring cases between teams."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, false, func, or_, select, true

from caseapp.models import Case, HumanTask, Person, ProcessInstance, Referral, Team, User
from domain.vocabulary import TEAM_ROLES, CaseStatus, Lane, Role, SeatStatus, TaskState

from . import audit
from .actor import Actor
from .authz import require_role
from .context import ServiceContext
from .errors import Conflict, InvalidInput, NotFound
from .locking import lock_case, lock_cases

# The cases list shows this many cases a page; the queue and the escalations show at most
# this many (the oldest), with their totals.
PAGE_SIZE = 50
LIST_LIMIT = 50
SORTS = ("due", "opened", "name", "step", "assignee")
# Escalations are the steps of every lane but the counsellors' (named, so the index serves them).
ESCALATION_LANES = tuple(lane for lane in Lane if lane != Lane.COUNSELLOR)


@dataclass(frozen=True)
class BoardFilters:
    """The board's case filters, sort order and page; ``assignee`` is a user id, or "none"
    for the queue; ``sort`` one of SORTS (anything else sorts by "due")."""

    step: str | None = None
    municipality: str | None = None
    due_before: date | None = None
    assignee: str | None = None  # a user id, or "none" for the queue
    sort: str = "due"
    page: int = 1


@dataclass(frozen=True)
class MemberLoad:
    """One person's open cases, open tasks and overdue follow-ups, to balance the team."""

    user: User
    open_cases: int
    open_tasks: int
    overdue_follow_ups: int


@dataclass(frozen=True)
class CaseRow:
    """A case on the board: overdue when its follow-up is; ``waiting_until`` is set while
    the case has no open step and waits for its process timer (the follow-up)."""

    case: Case
    overdue: bool
    waiting_until: datetime | None


@dataclass(frozen=True)
class Board:
    """Everything the team lead's board shows of their own team, in one call."""

    members: list[MemberLoad]
    queue: list[tuple[HumanTask, Case]]  # the oldest LIST_LIMIT of queue_total
    queue_total: int
    escalations: list[tuple[HumanTask, Case]]  # the oldest LIST_LIMIT of escalation_total
    escalation_total: int
    overdue_in_queue: int  # overdue follow-ups of cases nobody holds
    cases: list[CaseRow]  # one page
    total_cases: int
    page: int
    pages: int
    sort: str
    page_size: int
    waiting: int
    offered: int
    incoming: list[tuple[Case, str]]  # transfers waiting for this team, with the source team
    absent: list[MemberLoad]  # deactivated or moved people who still hold open cases
    steps: list[tuple[str, str]]
    municipalities: list[str]
    names: dict[int, str]


def _case_order(sort: str):
    """The order of a sort other than the default (see ``_URGENCY``); every order ends
    with the case id, so pages never overlap."""
    oldest = (Case.opened_at, Case.id)
    if sort == "name":
        return (Person.family_key.is_(None), Person.family_key,
                func.lower(Person.given_names), *oldest)
    if sort == "step":
        return (Case.current_step_title.is_(None), Case.current_step_title, *oldest)
    if sort == "assignee":
        return (User.display_name.is_(None), User.display_name, *oldest)
    return oldest


# Most urgent first (the default): overdue follow-ups, then the nearest deadline, then the
# oldest case. Each part is read along ix_cases_team_id_status_overdue_due_at in its order,
# only as far as the page needs, so the first pages never sort the team's open cases.
_URGENCY = (
    (Case.overdue == true(), (Case.due_at.is_(None), Case.due_at, Case.opened_at, Case.id)),
    (and_(Case.overdue == false(), Case.due_at.is_not(None)),
     (Case.due_at, Case.opened_at, Case.id)),
    # ordered by the deadline too, which all of them lack, so the index order serves it
    (and_(Case.overdue == false(), Case.due_at.is_(None)),
     (Case.due_at, Case.opened_at, Case.id)),
)


def board(ctx: ServiceContext, actor: Actor, filters: BoardFilters,
          page_size: int = PAGE_SIZE) -> Board:
    """Team leads only, their own team; read-only and not audited; one page of cases.

    A fixed number of queries whatever the team's size (no query per row); a page beyond
    the last is NotFound.
    """
    require_role(actor, Role.TEAM_LEAD)
    s, team, now = ctx.session, actor.team_id, ctx.now()
    open_case_holders = select(Case.assignee_id).where(
        Case.team_id == team, Case.status == CaseStatus.OPEN, Case.assignee_id.is_not(None))
    people = s.scalars(select(User).where(or_(
        and_(User.team_id == team, User.active.is_(True)), User.id.in_(open_case_holders)))
        .order_by(User.display_name, User.id)).all()
    members = [u for u in people if u.active and u.team_id == team]
    absent = [u for u in people if not (u.active and u.team_id == team)]
    open_cases = dict(s.execute(select(Case.assignee_id, func.count()).where(
        Case.team_id == team, Case.status == CaseStatus.OPEN).group_by(Case.assignee_id)).all())
    open_tasks: dict[int | None, int] = {}
    queue_total = escalation_total = 0
    for assignee, lane, count in s.execute(select(
            HumanTask.assignee_id, HumanTask.lane, func.count()).where(
            HumanTask.team_id == team, HumanTask.state == TaskState.READY)
            .group_by(HumanTask.assignee_id, HumanTask.lane)):
        open_tasks[assignee] = open_tasks.get(assignee, 0) + count
        if lane != Lane.COUNSELLOR:
            escalation_total += count
        elif assignee is None:
            queue_total += count
    # Counted for whoever holds the case: they owe the follow-up.
    overdue = dict(s.execute(select(Case.assignee_id, func.count()).where(
        Case.team_id == team, Case.status == CaseStatus.OPEN, Case.overdue == true())
        .group_by(Case.assignee_id)).all())
    ready = (select(HumanTask, Case).join(Case, Case.id == HumanTask.case_id)
             .where(HumanTask.team_id == team, HumanTask.state == TaskState.READY)
             .order_by(HumanTask.created_at, HumanTask.id).limit(LIST_LIMIT))
    queue = s.execute(ready.where(HumanTask.assignee_id.is_(None),
                                  HumanTask.lane == Lane.COUNSELLOR)).all()
    escalations = s.execute(ready.where(HumanTask.lane.in_(ESCALATION_LANES))).all()

    cases, total = _case_page(ctx, team, filters, now, page_size)
    pages = max(1, -(-total // page_size))
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

    def load(user: User) -> MemberLoad:
        return MemberLoad(user, open_cases.get(user.id, 0), open_tasks.get(user.id, 0),
                          overdue.get(user.id, 0))
    return Board(
        members=[load(u) for u in members], absent=[load(u) for u in absent],
        queue=list(queue), queue_total=queue_total,
        escalations=list(escalations), escalation_total=escalation_total,
        overdue_in_queue=overdue.get(None, 0),
        cases=cases, total_cases=total, page=filters.page, pages=pages, page_size=page_size,
        sort=filters.sort if filters.sort in SORTS else "due",
        waiting=referral_counts.get(SeatStatus.WAITING, 0),
        offered=referral_counts.get(SeatStatus.OFFERED, 0),
        incoming=list(incoming),
        steps=sorted(steps, key=lambda row: row[1] or ""),
        municipalities=sorted(m for m in municipalities if m),
        names={u.id: u.display_name for u in people})


def _case_page(ctx: ServiceContext, team: int, filters: BoardFilters, now: datetime,
               page_size: int) -> tuple[list[CaseRow], int]:
    """One page of the team's open cases and how many match, sorted at the database.

    Only the ids are read in order (and counted, along an index); the page's 50 cases are
    then loaded with their person and timer, so a team with thousands of open cases
    never joins them all.
    """
    if filters.page < 1:
        raise NotFound("No such page.")
    ids = select(Case.id).where(Case.team_id == team, Case.status == CaseStatus.OPEN)
    if filters.step:
        ids = ids.where(Case.current_step == filters.step)
    if filters.municipality:
        ids = ids.where(Case.municipality == filters.municipality)
    if filters.due_before:
        ids = ids.where(Case.due_at < datetime.combine(
            filters.due_before, datetime.min.time(), tzinfo=now.tzinfo))
    if filters.assignee == "none":
        ids = ids.where(Case.assignee_id.is_(None))
    elif filters.assignee and filters.assignee.isdigit():
        ids = ids.where(Case.assignee_id == int(filters.assignee))
    s, offset = ctx.session, (filters.page - 1) * page_size
    if filters.sort in SORTS and filters.sort != "due":
        total = s.scalar(ids.with_only_columns(func.count()).order_by(None))
        if filters.sort == "name":
            ids = ids.join(Person, Person.id == Case.person_id)
        elif filters.sort == "assignee":
            ids = ids.outerjoin(User, User.id == Case.assignee_id)
        page = list(s.scalars(ids.order_by(*_case_order(filters.sort))
                              .limit(page_size).offset(offset)))
    else:
        # how many each part holds (one count along the index), then only the parts the
        # page reaches into are read
        sizes = {(late, undated): count for late, undated, count in s.execute(
            ids.with_only_columns(Case.overdue, Case.due_at.is_(None), func.count())
            .group_by(Case.overdue, Case.due_at.is_(None)).order_by(None))}
        counts = [sum(n for (late, _), n in sizes.items() if late),
                  sizes.get((False, False), 0), sizes.get((False, True), 0)]
        total, page = sum(counts), []
        for (part, order), count in zip(_URGENCY, counts, strict=True):
            if offset >= count:
                offset -= count
                continue
            page += s.scalars(ids.where(part).order_by(*order)
                              .limit(page_size - len(page)).offset(offset))
            offset = 0
            if len(page) == page_size:
                break
    if not page and filters.page > 1:
        raise NotFound("No such page.")
    found = {case.id: (case, timer) for case, timer in s.execute(
        select(Case, ProcessInstance.next_timer_at)
        .join(ProcessInstance, ProcessInstance.case_id == Case.id)
        .where(Case.id.in_(page)))} if page else {}
    return [CaseRow(case, case.overdue, timer if case.current_step is None else None)
            for case, timer in (found[case_id] for case_id in page)], total


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


def lead_names(ctx: ServiceContext, actor: Actor) -> list[str]:
    """The active team leads of the actor's team: who can hand a step on."""
    return list(ctx.session.scalars(select(User.display_name).where(
        User.team_id == actor.team_id, User.active.is_(True), User.role == Role.TEAM_LEAD)
        .order_by(User.display_name)))


def lead_options(ctx: ServiceContext, actor: Actor) -> tuple[list[User], list[Team]]:
    """Who a team lead can give a case to, and which teams it can go to."""
    require_role(actor, Role.TEAM_LEAD)
    members = ctx.session.scalars(select(User).where(
        User.team_id == actor.team_id, User.active.is_(True),
        User.role.in_(TEAM_ROLES)).order_by(User.display_name)).all()
    teams = ctx.session.scalars(select(Team).where(Team.id != actor.team_id)
                                .order_by(Team.name)).all()
    return list(members), list(teams)

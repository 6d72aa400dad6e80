"""Authorization rules, in one place, checked by every service function."""

from __future__ import annotations

from caseapp.models import Case, HumanTask
from domain.vocabulary import Role, lane_role

from .actor import SYSTEM, Actor
from .errors import Forbidden, NotFound


def require_writer(actor: Actor) -> None:
    """Only counsellors and team leads work on cases: auditors only read, admins never."""
    if not actor.is_writer:
        raise Forbidden("Your role has read-only access: nothing was changed.")


def require_role(actor: Actor, *roles: str) -> None:
    """Refuse any other role; the team and the assignment are checked by the caller."""
    if actor.role not in roles:
        raise Forbidden("Your role may not do this.")


def require_operator(actor: Actor) -> None:
    """Users and the catalogue: an admin, or the system actor (the command line, seeding),
    which can do nothing else."""
    require_role(actor, Role.ADMIN, SYSTEM.role)


def require_provider(actor: Actor) -> None:
    """A course provider's staff, tied to their provider: what they read and confirm is
    that provider's (the caller checks the course is)."""
    if not actor.is_provider:
        raise Forbidden("Your role may not do this.")


def can_read_case(actor: Actor, case: Case) -> bool:
    """Auditors read every case; counsellors and team leads only their own team's."""
    if actor.role == Role.AUDITOR:
        return True
    return actor.is_writer and case.team_id == actor.team_id


def require_case_readable(actor: Actor, case: Case | None) -> Case:
    """The case, if the actor may read it; NotFound whether missing or not theirs."""
    # Another team's case answers exactly like a missing one: its existence is not disclosed.
    if case is None or not can_read_case(actor, case):
        raise NotFound("No such case.")
    return case


def require_case_workable(actor: Actor, case: Case | None) -> Case:
    """Acting on a case itself (referrals): its team, and a counsellor only on their own
    or unassigned cases."""
    require_writer(actor)
    case = require_case_readable(actor, case)
    if actor.role == Role.COUNSELLOR and case.assignee_id not in (None, actor.id):
        raise Forbidden("This case is assigned to a colleague.")
    return case


def task_refusal(actor: Actor, task: HumanTask) -> str | None:
    """Why a writer of the case's team may not work this task, or None if they may: a team
    lead works any task of the team; a counsellor own or unassigned counsellor tasks."""
    if actor.role == Role.TEAM_LEAD:
        return None
    if lane_role(task.lane) != Role.COUNSELLOR:
        return "This task belongs to the team lead."
    if task.assignee_id not in (None, actor.id):
        return "This task is assigned to a colleague."
    return None


def require_task_workable(actor: Actor, case: Case, task: HumanTask) -> None:
    """A team lead works any task of the team; a counsellor own or unassigned counsellor tasks."""
    require_writer(actor)
    require_case_readable(actor, case)
    refusal = task_refusal(actor, task)
    if refusal is not None:
        raise Forbidden(refusal)

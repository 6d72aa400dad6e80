"""The domain's words, each defined once: roles and the lanes that decide whose work a
task is. (Periods are settings: caseapp.config.)"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user account may do (caseapp/services/authz.py holds the rules)."""

    COUNSELLOR = "counsellor"
    TEAM_LEAD = "team_lead"
    AUDITOR = "auditor"
    ADMIN = "admin"


ROLES = tuple(role.value for role in Role)
# They work cases, so they belong to a team.
TEAM_ROLES = (Role.COUNSELLOR.value, Role.TEAM_LEAD.value)
# The command line and seeding act as this; no account has it.
SYSTEM_ROLE = "system"


class Lane(StrEnum):
    """A lane of bpmn/*.bpmn by its BPMN id (a modeler may rename it: the id stays)."""

    COUNSELLOR = "Lane_counsellor"
    TEAM_LEAD = "Lane_team_lead"


LANE_ROLES = {Lane.COUNSELLOR.value: Role.COUNSELLOR, Lane.TEAM_LEAD.value: Role.TEAM_LEAD}


def task_lane(lane: str | None) -> str:
    """The lane a task is worked in: a task outside every lane is counsellor work."""
    return lane or Lane.COUNSELLOR.value


def lane_role(lane: str | None) -> Role:
    """Whose work a task in ``lane`` is."""
    return LANE_ROLES[task_lane(lane)]

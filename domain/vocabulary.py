"""The domain's words, each defined once: roles, the lanes that decide whose work a task
is, and the states of cases, tasks and referrals. (Periods are settings: caseapp.config.)"""

from __future__ import annotations

from enum import StrEnum


def N_(message: str) -> str:  # noqa: N802 - the conventional name of the no-op marker
    """Mark ``message`` for extraction only: it is translated later, where it is shown
    (pages show these states translated)."""
    return message


class Role(StrEnum):
    """What a user account may do (caseapp/services/authz.py holds the rules)."""

    COUNSELLOR = "counsellor"
    TEAM_LEAD = "team_lead"
    AUDITOR = "auditor"
    ADMIN = "admin"


ROLES = tuple(role.value for role in Role)
ROLE_LABELS = {Role.COUNSELLOR: N_("counsellor"), Role.TEAM_LEAD: N_("team lead"),
               Role.AUDITOR: N_("auditor"), Role.ADMIN: N_("admin")}
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


class CaseStatus(StrEnum):
    """A case closes when its process finishes; a team lead may reopen it."""

    OPEN = N_("open")
    CLOSED = N_("closed")


class TaskState(StrEnum):
    """Of a human task row: cancelled means withdrawn by the process, not by a person."""

    READY = "ready"  # waiting for a person
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # withdrawn by the process


TASK_STATE_LABELS = {TaskState.READY: N_("waiting for a person"),
                     TaskState.COMPLETED: N_("completed"),
                     TaskState.CANCELLED: N_("withdrawn by the process")}


class ReferralKind(StrEnum):
    """A course referral (seat or waiting place) or one to another offer (a status only)."""

    COURSE = "course"  # a seat or a waiting place in a course
    OFFER = "offer"  # another offer (Kita, school, recognition, MBE/JMD, ...)


REFERRAL_KIND_LABELS = {ReferralKind.COURSE: N_("course referral"),
                        ReferralKind.OFFER: N_("referral to another offer")}


class SeatStatus(StrEnum):
    """Of a course referral: a seat booked, offered from the waiting list, or waited for."""

    BOOKED = N_("booked")
    WAITING = N_("waiting")
    OFFERED = N_("offered")  # a freed seat held for who waited longest, until booked or declined
    CANCELLED = N_("cancelled")


# A course referral that holds a seat or waits for one.
ACTIVE_SEAT_STATUSES = (SeatStatus.BOOKED, SeatStatus.WAITING, SeatStatus.OFFERED)


class OfferStatus(StrEnum):
    """Of a referral to another offer."""

    OPEN = N_("open")
    ACCEPTED = N_("accepted")
    DONE = N_("done")
    DECLINED = N_("declined")


class Outcome(StrEnum):
    """The follow-up's answer: did the booked course start?"""

    STARTED = "started"
    NOT_STARTED = "not_started"
    DROPPED_OUT = "dropped_out"


# Outcomes after which the person holds no seat: a booked seat goes back to the course.
SEAT_GIVEN_UP = (Outcome.NOT_STARTED, Outcome.DROPPED_OUT)


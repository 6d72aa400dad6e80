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
    PROVIDER = "provider"  # a course provider's staff (Kursträger): its own courses only
    COORDINATION = "coordination"  # the district's education coordination: aggregates only


ROLES = tuple(role.value for role in Role)
ROLE_LABELS = {Role.COUNSELLOR: N_("counsellor"), Role.TEAM_LEAD: N_("team lead"),
               Role.AUDITOR: N_("auditor"), Role.ADMIN: N_("admin"),
               Role.PROVIDER: N_("course provider"),
               Role.COORDINATION: N_("education coordination")}
# They work cases, so they belong to a team.
TEAM_ROLES = (Role.COUNSELLOR.value, Role.TEAM_LEAD.value)
# Granting these (and reactivating any account) takes a second admin's confirmation
# (not coordination: it reads aggregates only, never a case).
PRIVILEGED_ROLES = (Role.TEAM_LEAD.value, Role.AUDITOR.value, Role.ADMIN.value)
# The command line and seeding act as this; no account has it.
SYSTEM_ROLE = "system"
# They read the monitoring's aggregates (a team lead's default is the own team).
MONITORING_ROLES = (Role.TEAM_LEAD.value, Role.ADMIN.value, Role.COORDINATION.value)


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
# A course referral that holds a seat for the person: booked, or offered from the waiting list.
HELD_SEAT_STATUSES = (SeatStatus.BOOKED, SeatStatus.OFFERED)


class OfferStatus(StrEnum):
    """Of a referral to another offer."""

    OPEN = N_("open")
    ACCEPTED = N_("accepted")
    DONE = N_("done")
    DECLINED = N_("declined")


class NetworkOfferKind(StrEnum):
    """What another offer of the network is (the public offers list them)."""

    VOLUNTEER_GERMAN_GROUP = "volunteer_german_group"
    COUNSELLING = "counselling"
    OTHER = "other"


class Outcome(StrEnum):
    """The follow-up's answer: did the booked course start?"""

    STARTED = "started"
    NOT_STARTED = "not_started"
    DROPPED_OUT = "dropped_out"


# Outcomes after which the person holds no seat: a booked seat goes back to the course.
SEAT_GIVEN_UP = (Outcome.NOT_STARTED, Outcome.DROPPED_OUT)


class SeatChangeReason(StrEnum):
    """Why the system itself changed a seat (the audit detail ``because``)."""

    CASE_CLOSED = "case_closed"
    COURSE_STARTED = "course_started"


SEAT_CHANGE_REASON_LABELS = {SeatChangeReason.CASE_CLOSED: N_("the case was closed"),
                             SeatChangeReason.COURSE_STARTED: N_("the course started")}


class ErasureCause(StrEnum):
    """Why a person's data were erased (the erasure event's ``by``)."""

    REQUEST = "request"  # Art. 17 DSGVO, by a team lead
    RETENTION = "retention"  # the retention period of the case's outcome was over


ERASURE_CAUSE_LABELS = {ErasureCause.REQUEST: N_("on request (Art. 17 DSGVO)"),
                        ErasureCause.RETENTION: N_("the retention period was over")}


class AdmissionRoute(StrEnum):
    """How a person may get into an integration course (the interview's ``course_status``).

    Every integration-course recommendation depends on it (bpmn/referral.dmn), and what to
    do next follows from it (bpmn/admission.dmn). The codes are stored answers: keep them.
    """

    ENTITLED = "entitled"  # legal claim (first residence permit for work, family, protection)
    OBLIGED = "obliged"  # by the Ausländerbehörde, the Jobcenter or the AsylbLG office
    ON_APPLICATION = "admission_possible"  # BAMF may admit within free places: not admitted yet
    NOT_ELIGIBLE = "not_eligible"
    UNKNOWN = "unknown"


class AdmissionApplication(StrEnum):
    """Of the route "on application within free places": where the application stands."""

    NOT_APPLIED = "not_applied"
    APPLIED = "applied"  # BAMF has not decided yet
    ADMITTED = "admitted"  # BAMF admitted the person


class ProviderSharing(StrEnum):
    """What the person agreed that a course provider receives (on the referral slip): the
    name and case number to register, or also how to reach them."""

    NAME = "name"  # name and case number only (what a slip carries when nothing was asked)
    NAME_AND_CONTACT = "name_and_contact"  # also phone and e-mail


class ServiceSharing(StrEnum):
    """What the person agreed that the other services a case is referred to receive (Kita,
    school office, recognition or migration counselling): the counsellor passes on only that."""

    NOTHING = "nothing"  # the person contacts the service themselves (when nothing was asked)
    NAME_AND_CONTACT = "name_and_contact"


class CourseResult(StrEnum):
    """The level a finished integration course reached in its final test (DTZ)."""

    BELOW_A2 = "below_a2"
    A2 = "A2"
    B1 = "B1"


class CivicTestResult(StrEnum):
    """The final test of the orientation course ("Leben in Deutschland")."""

    PASSED = "passed"
    NOT_PASSED = "not_passed"


class DropOutReason(StrEnum):
    """Why a participant left a course early, as the provider reports it: categories only,
    never health or other special categories (Art. 9 DSGVO)."""

    MOVED = "moved"
    WORK = "work"
    CHILDCARE = "childcare"
    LEVEL = "level"  # the course did not fit the person's level
    PERSONAL = "personal"  # personal reasons, not stated further
    UNKNOWN = "unknown"  # stopped coming, reason not known


DROP_OUT_REASON_LABELS = {
    DropOutReason.MOVED: N_("moved away"), DropOutReason.WORK: N_("took up work"),
    DropOutReason.CHILDCARE: N_("no childcare"),
    DropOutReason.LEVEL: N_("course did not fit the level"),
    DropOutReason.PERSONAL: N_("personal reasons"),
    DropOutReason.UNKNOWN: N_("stopped coming, reason not known")}


class ChainProblem(StrEnum):
    """What the audit chain check found wrong. The check returns the code with its
    parameters; pages show ``CHAIN_PROBLEM_TEXTS`` translated, the command line in English."""

    CHECKPOINT_MISSING = "checkpoint_missing"
    CHECKPOINT_CHANGED = "checkpoint_changed"
    CHECKPOINT_SEALS_LEGACY = "checkpoint_seals_legacy"
    KEPT_CHECKPOINT_DIFFERS = "kept_checkpoint_differs"
    CHECKPOINT_FILE_UNREADABLE = "checkpoint_file_unreadable"
    NO_CHECKPOINT = "no_checkpoint"
    SEAL_DIFFERS = "seal_differs"
    NO_HEAD = "no_head"
    TAIL_MISSING = "tail_missing"
    HEAD_DIFFERS = "head_differs"
    SEALED_EVENTS_DELETED = "sealed_events_deleted"
    LEGACY_WRITTEN_TO = "legacy_written_to"
    CHAIN_DELETED = "chain_deleted"
    EVENT_MISSING = "event_missing"
    POSITION_REPEATED = "position_repeated"
    LINK_BROKEN = "link_broken"
    CONTENT_CHANGED = "content_changed"
    CHANGE_DELETED = "change_deleted"
    CHANGE_BLANKED = "change_blanked"
    CHANGE_EDITED = "change_edited"
    DIFFERS_FROM_SEAL = "differs_from_seal"
    FALSE_ERASURE = "false_erasure"


# Parameters: checkpoint, chain, position, expected, last, sealed, erasure (numbers, and
# chains by their name, which a page shows as the case or user they belong to).
CHAIN_PROBLEM_TEXTS = {
    ChainProblem.CHECKPOINT_MISSING: N_("checkpoint %(checkpoint)s is missing"),
    ChainProblem.CHECKPOINT_CHANGED: N_("checkpoint %(checkpoint)s was changed or forged (or "
                                        "the audit key is not the one it was sealed with)"),
    ChainProblem.CHECKPOINT_SEALS_LEGACY: N_("checkpoint %(checkpoint)s seals the legacy "
                                             "chain, which only checkpoint 1 may"),
    ChainProblem.KEPT_CHECKPOINT_DIFFERS: N_("checkpoint %(checkpoint)s kept outside the "
                                             "database is missing or different in it"),
    ChainProblem.CHECKPOINT_FILE_UNREADABLE: N_("the file of checkpoints kept outside the "
                                                "database is not a checkpoint file"),
    ChainProblem.NO_CHECKPOINT: N_("there is no checkpoint, though init-db writes the first "
                                   "one: the checkpoints were deleted (or init-db never ran)"),
    ChainProblem.SEAL_DIFFERS: N_("the seal of chain %(chain)s is not what the checkpoints "
                                  "sealed"),
    ChainProblem.NO_HEAD: N_("chain %(chain)s has no head"),
    ChainProblem.TAIL_MISSING: N_("chain %(chain)s should end at its event %(expected)s, but "
                                  "ends at %(last)s: later events are missing"),
    ChainProblem.HEAD_DIFFERS: N_("the head of chain %(chain)s does not match its events"),
    ChainProblem.SEALED_EVENTS_DELETED: N_("chain %(chain)s was sealed by checkpoint "
                                           "%(checkpoint)s at its event %(sealed)s, but ends "
                                           "at %(last)s: events were deleted"),
    ChainProblem.LEGACY_WRITTEN_TO: N_("the legacy chain was written to after schema 0005 "
                                       "(only checkpoint 1 seals it, as it was then)"),
    ChainProblem.CHAIN_DELETED: N_("every event of chain %(chain)s is missing"),
    ChainProblem.EVENT_MISSING: N_("event %(position)s of chain %(chain)s is missing"),
    ChainProblem.POSITION_REPEATED: N_("it repeats position %(position)s of chain %(chain)s"),
    ChainProblem.LINK_BROKEN: N_("its link to the previous event does not match"),
    ChainProblem.CONTENT_CHANGED: N_("its content was changed after it was written (or its "
                                     "hash was recomputed without the audit key)"),
    ChainProblem.CHANGE_DELETED: N_("its change record was deleted without an erasure"),
    ChainProblem.CHANGE_BLANKED: N_("its change record was blanked without an erasure"),
    ChainProblem.CHANGE_EDITED: N_("its change record was edited"),
    ChainProblem.DIFFERS_FROM_SEAL: N_("it differs from what checkpoint %(checkpoint)s "
                                       "sealed"),
    ChainProblem.FALSE_ERASURE: N_("its change record claims erasure by event %(erasure)s, "
                                   "which is no later erasure of this case"),
}

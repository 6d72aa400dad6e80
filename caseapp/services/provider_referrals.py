"""What a course provider's staff see and confirm: the seats booked in their own courses,
of each person only what the person agreed a course provider receives, and the
registration, start, early end and final tests of each participant.

A provider never reads a case: it reads referrals to its own courses (services/authz.py
refuses every case page). Each confirmation is one transaction under the case's lock
(the common lock order: case, its tasks, the referral), audited in the case's history;
a confirmed start answers the case's follow-up ("did the course start?", see
services/follow_up.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from caseapp.models import Case, Course, Referral
from domain.vocabulary import (
    CivicTestResult,
    CourseResult,
    DropOutReason,
    ReferralKind,
    SeatStatus,
)

from . import audit, confirmed_start, sharing
from .actor import Actor
from .authz import require_provider
from .context import ServiceContext
from .errors import Conflict, InvalidInput, NotFound
from .locking import lock_referral

PROVIDER_VIEW = "provider"  # the access event's ``view``: a participant's seat, not the case


@dataclass(frozen=True)
class CourseSummary:
    """One of the provider's courses as its list shows it."""

    course: Course
    participants: int  # booked seats


@dataclass(frozen=True)
class Participant:
    """A booked seat as the provider sees it: the case number the slip carries, the
    name, and phone and e-mail only when the person agreed (never more of the case)."""

    referral_id: int
    course_id: int
    case_id: int
    case_number: str
    name: str | None  # None once the person's data were erased
    phone: str | None
    email: str | None
    booked_at: datetime
    registered_on: date | None
    started_on: date | None
    dropped_out_on: date | None
    drop_out_reason: str | None
    dtz_result: str | None
    civic_test_result: str | None


def courses(ctx: ServiceContext, actor: Actor) -> list[CourseSummary]:
    """The provider's courses, latest start first, each with its number of booked seats."""
    require_provider(actor)
    booked = (select(Referral.course_id, func.count().label("n"))
              .where(Referral.status == SeatStatus.BOOKED,
                     Referral.kind == ReferralKind.COURSE)
              .group_by(Referral.course_id).subquery())
    rows = ctx.session.execute(
        select(Course, func.coalesce(booked.c.n, 0))
        .outerjoin(booked, booked.c.course_id == Course.id)
        .where(Course.provider_id == actor.provider_id)
        .order_by(Course.start_date.desc(), Course.id.desc()))
    return [CourseSummary(course, n) for course, n in rows]


def own_course(ctx: ServiceContext, actor: Actor, course_id: int) -> Course:
    """One of the provider's courses; another provider's answers like a missing one."""
    require_provider(actor)
    course = ctx.session.get(Course, course_id)
    if course is None or course.provider_id != actor.provider_id:
        raise NotFound("No such course.")
    return course


def participants(ctx: ServiceContext, actor: Actor, course_id: int) -> list[Participant]:
    """The seats booked in one of the provider's courses, in booking order; the provider
    reading personal data is audited (one access event per participant shown, in the
    access log and the case's history, as every read of a case is)."""
    course = own_course(ctx, actor, course_id)
    session = ctx.session
    shown = [_participant(session, session.get(Case, referral.case_id), referral)
             for referral in session.scalars(
                 select(Referral).where(Referral.course_id == course.id,
                                        Referral.kind == ReferralKind.COURSE,
                                        Referral.status == SeatStatus.BOOKED)
                 .order_by(Referral.created_at, Referral.id))]
    _audit_reads(ctx, actor, shown)
    return shown


def participant(ctx: ServiceContext, actor: Actor, referral_id: int) -> Participant:
    """One booked seat in one of the provider's courses (its page); the read is audited."""
    require_provider(actor)
    referral = ctx.session.get(Referral, referral_id)
    if referral is None or referral.course is None \
            or referral.course.provider_id != actor.provider_id \
            or referral.status != SeatStatus.BOOKED:
        raise NotFound("No such registration.")
    shown = _participant(ctx.session, ctx.session.get(Case, referral.case_id), referral)
    _audit_reads(ctx, actor, [shown])
    return shown


def _audit_reads(ctx: ServiceContext, actor: Actor, shown: list[Participant]) -> None:
    """The access events of what was read (read first: the write transaction holds the
    audit chains only)."""
    now = ctx.now()
    ctx.session.rollback()
    with ctx.transaction() as session:
        for seat in shown:
            audit.append(session, type_="case_viewed", at=now, actor_id=actor.id,
                         case_id=seat.case_id,
                         details={"view": PROVIDER_VIEW, "referral": seat.referral_id})


def _participant(session, case: Case, referral: Referral) -> Participant:
    person = case.person
    erased = person.erased_at is not None
    answers = {} if erased else sharing.person_step_answers(session, case.id)
    contact = not erased and sharing.agreed_sharing(answers).contact_to_course_provider
    name = None if erased else " ".join(
        part for part in (person.given_names, person.family_name) if part)
    return Participant(
        referral_id=referral.id, course_id=referral.course_id, case_id=case.id,
        case_number=case.number,
        name=name,
        phone=(answers.get("phone") or person.phone) or None if contact else None,
        email=(answers.get("email") or person.email) or None if contact else None,
        booked_at=referral.created_at, registered_on=referral.registered_on,
        started_on=referral.started_on, dropped_out_on=referral.dropped_out_on,
        drop_out_reason=referral.drop_out_reason, dtz_result=referral.dtz_result,
        civic_test_result=referral.civic_test_result)


def _today(ctx: ServiceContext) -> date:
    return ctx.now().astimezone(ZoneInfo(ctx.settings.time_zone)).date()


def _own_seat(ctx: ServiceContext, actor: Actor, referral_id: int) -> tuple[Case, Referral]:
    """The booked seat, locked with its case, if it is in one of the provider's courses."""
    require_provider(actor)
    case, referral = lock_referral(ctx.session, referral_id)
    if referral is None or referral.course is None \
            or referral.course.provider_id != actor.provider_id:
        raise NotFound("No such registration.")
    if referral.status != SeatStatus.BOOKED:
        raise Conflict("This seat is no longer booked: the office gave it back.")
    return case, referral


def _at_field(field: str, template: str, **params) -> InvalidInput:
    """A refusal shown at one form field (and atop the page)."""
    return InvalidInput(template, field_errors={field: [template]}, **params)


def _check_day(ctx: ServiceContext, field: str, day: date | None, *,
               not_before: date | None = None,
               too_early: InvalidInput | None = None) -> date:
    """A day the provider confirms: given, not in the future, not before ``not_before``."""
    if day is None:
        raise _at_field(field, "Please give the date.")
    if day > _today(ctx):
        raise _at_field(field, "This date is in the future: confirm it once it has "
                        "happened.")
    if not_before is not None and day < not_before:
        raise too_early
    return day


def confirm_registration(ctx: ServiceContext, actor: Actor, referral_id: int,
                         registered_on: date | None) -> None:
    """The provider registered the person for the course (a correction replaces the date)."""
    now = ctx.now()
    with ctx.transaction() as session:
        case, referral = _own_seat(ctx, actor, referral_id)
        booked_on = _local_day(ctx, referral.created_at)
        day = _check_day(ctx, "registered_on", registered_on, not_before=booked_on,
                         too_early=_at_field("registered_on", "The seat was booked on "
                                             "%(day)s: the registration cannot be earlier.",
                                             day=booked_on))
        old, referral.registered_on = referral.registered_on, day
        _updated(referral, now)
        audit.append(session, type_="registration_confirmed", at=now, actor_id=actor.id,
                     case_id=case.id, details={"referral": referral.id,
                                               "course": referral.course_id,
                                               "from": old, "to": day})


def confirm_start(ctx: ServiceContext, actor: Actor, referral_id: int,
                  started_on: date | None) -> bool:
    """The person started the course: recorded, and it answers the case's follow-up (at
    once when it waits or is open; else when it comes due). True when it was answered."""
    now = ctx.now()
    with ctx.transaction() as session:
        case, referral = _own_seat(ctx, actor, referral_id)
        day = _check_day(ctx, "started_on", started_on, not_before=referral.registered_on,
                         too_early=_at_field("started_on", "The registration was on %(day)s: "
                                             "the start cannot be earlier.",
                                             day=referral.registered_on))
        if referral.dropped_out_on is not None and day > referral.dropped_out_on:
            raise _at_field("started_on", "The person left the course on %(day)s: the start "
                            "cannot be later.", day=referral.dropped_out_on)
        old, referral.started_on = referral.started_on, day
        _updated(referral, now)
        audit.append(session, type_="course_start_confirmed", at=now, actor_id=actor.id,
                     case_id=case.id, details={"referral": referral.id,
                                               "course": referral.course_id,
                                               "from": old, "to": day})
        return confirmed_start.answer_now(ctx, session, case, actor.id, now)


def report_drop_out(ctx: ServiceContext, actor: Actor, referral_id: int,
                    dropped_out_on: date | None, reason: str | None) -> None:
    """The person left the course early, with a reason category (never more)."""
    if reason not in set(DropOutReason):
        raise _at_field("drop_out_reason", "Please choose a reason.")
    now = ctx.now()
    with ctx.transaction() as session:
        case, referral = _own_seat(ctx, actor, referral_id)
        if referral.started_on is None:
            raise Conflict("Confirm the start first: only a course that started can be "
                           "left early.")
        day = _check_day(ctx, "dropped_out_on", dropped_out_on, not_before=referral.started_on,
                         too_early=_at_field("dropped_out_on", "The course started on "
                                             "%(day)s: the early end cannot be earlier.",
                                             day=referral.started_on))
        old = referral.dropped_out_on
        referral.dropped_out_on, referral.drop_out_reason = day, reason
        _updated(referral, now)
        audit.append(session, type_="drop_out_reported", at=now, actor_id=actor.id,
                     case_id=case.id, details={"referral": referral.id,
                                               "course": referral.course_id,
                                               "from": old, "to": day, "reason": reason})


def report_exam(ctx: ServiceContext, actor: Actor, referral_id: int, *,
                dtz_result: str | None, civic_test_result: str | None) -> None:
    """The final tests' results where known: the DTZ level and "Leben in Deutschland"."""
    dtz_result, civic_test_result = dtz_result or None, civic_test_result or None
    if dtz_result is None and civic_test_result is None:
        raise InvalidInput("Please give at least one result.")
    if dtz_result not in (None, *CourseResult) \
            or civic_test_result not in (None, *CivicTestResult):
        raise InvalidInput("Unknown result.")
    now = ctx.now()
    with ctx.transaction() as session:
        case, referral = _own_seat(ctx, actor, referral_id)
        if referral.started_on is None:
            raise Conflict("Confirm the start first: only a course that started has final "
                           "tests.")
        before = {"dtz": referral.dtz_result, "civic_test": referral.civic_test_result}
        referral.dtz_result = dtz_result or referral.dtz_result
        referral.civic_test_result = civic_test_result or referral.civic_test_result
        _updated(referral, now)
        audit.append(session, type_="exam_result_reported", at=now, actor_id=actor.id,
                     case_id=case.id,
                     details={"referral": referral.id, "course": referral.course_id,
                              "before": before,
                              "dtz": referral.dtz_result,
                              "civic_test": referral.civic_test_result})


def _updated(referral: Referral, now: datetime) -> None:
    referral.provider_updated_at = referral.updated_at = now


def _local_day(ctx: ServiceContext, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(ctx.settings.time_zone)).date()

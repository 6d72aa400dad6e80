"""The referral slip a newcomer takes to the course provider: the course, who issued it
(office, day, counsellor) and of the person only what they agreed the provider receives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from caseapp.models import Case, Referral, User
from domain.vocabulary import ReferralKind, Role, SeatStatus

from . import audit, sharing
from .actor import Actor
from .authz import require_case_readable, require_role
from .context import Office, ServiceContext
from .errors import NotFound


@dataclass(frozen=True)
class Counsellor:
    """Who at the office the person and the provider can ask: a name and a work contact."""

    name: str
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class ReferralSlip:
    """Everything the slip prints, and nothing else: of the person the name and the case
    number the provider quotes when confirming, their phone and e-mail only if they agreed
    (never the birth date or the address)."""

    person_name: str
    case_number: str
    person_phone: str | None
    person_email: str | None
    course_title: str
    course_type: str
    start_date: date
    schedule: str
    time_of_day: str
    provider_name: str
    location: str
    provider_contact: str
    what_to_bring: str
    office: Office
    issued_on: date  # the office's day
    counsellor: Counsellor | None
    written_language: str | None  # recorded in the interview: the slip's second language


def referral_slip(ctx: ServiceContext, actor: Actor, referral_id: int) -> ReferralSlip:
    """The slip of a booked seat, issued by the case's team (auditors review cases, they
    issue no slips); the counsellor is the case's, else the one who booked the seat."""
    require_role(actor, Role.COUNSELLOR, Role.TEAM_LEAD)
    now = ctx.now()
    with ctx.transaction() as session:
        referral = session.get(Referral, referral_id)
        if referral is None or referral.kind != ReferralKind.COURSE \
                or referral.status != SeatStatus.BOOKED or referral.course is None:
            raise NotFound("No booked seat with this number.")
        case = require_case_readable(actor, session.get(Case, referral.case_id))
        course = referral.course
        person = case.person
        answers = sharing.person_step_answers(session, case.id)
        contact = sharing.agreed_sharing(answers).contact_to_course_provider
        slip = ReferralSlip(
            person_name=" ".join(part for part in (person.given_names, person.family_name)
                                 if part),
            person_phone=(answers.get("phone") or person.phone) if contact else None,
            person_email=(answers.get("email") or person.email) if contact else None,
            case_number=case.number, course_title=course.title,
            course_type=course.course_type, start_date=course.start_date,
            schedule=course.schedule, time_of_day=course.time_of_day,
            provider_name=course.provider.name, location=course.location,
            provider_contact=course.provider.contact, what_to_bring=course.what_to_bring,
            office=ctx.settings.office,
            issued_on=now.astimezone(ZoneInfo(ctx.settings.time_zone)).date(),
            counsellor=_counsellor(session, case, referral),
            written_language=answers.get("written_language") or None)
        # the slip goes to a third party (the provider): who issued it, when, for which seat
        audit.append(session, type_="slip_issued", at=now, actor_id=actor.id,
                     case_id=case.id, details={"referral": referral.id, "course": course.id})
    return slip


def _counsellor(session: Session, case: Case, referral: Referral) -> Counsellor | None:
    """The case's counsellor, else who booked; a deactivated account is nobody to ask."""
    for user_id in (case.assignee_id, referral.created_by_id):
        user = session.get(User, user_id) if user_id is not None else None
        if user is not None and user.active:
            return Counsellor(user.display_name, user.work_phone, user.work_email)
    return None

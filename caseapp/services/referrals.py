"""Referral: seats, waiting lists, other offers (which courses fit: course_ranking.py).

Seats are counted with one conditional UPDATE (``seats_taken < seats_total``), so
two counsellors booking the last seat at once cannot both get it, on SQLite or
PostgreSQL; a CHECK constraint guards the same invariant in the database. A seat
offered to a waiting person is held for them (counted as taken) until they book
or decline it.
"""

from __future__ import annotations

import json

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from caseapp.models import Case, Course, HumanTask, Provider, Referral
from domain.vocabulary import (
    ACTIVE_SEAT_STATUSES,
    CaseStatus,
    OfferStatus,
    ReferralKind,
    SeatStatus,
)
from forms.choices import COURSE_LABELS, OTHER_OFFER_CODES

from . import audit, follow_up
from .actor import Actor
from .authz import require_case_readable, require_case_workable, require_writer
from .context import ServiceContext, after_commit
from .errors import Conflict, InvalidInput, NotFound
from .locking import lock_case, lock_referral


def _workable_case(actor: Actor, case: Case | None) -> Case:
    case = require_case_workable(actor, case)
    if case.status != CaseStatus.OPEN:
        raise Conflict("This case is closed.")
    return case


def referral_context(ctx: ServiceContext, case_id: int) -> dict:
    """The recommendation and preferences copied onto the open referral task."""
    row = ctx.session.scalars(select(HumanTask.context_json).where(
        HumanTask.case_id == case_id, HumanTask.form_key == "referral")
        .order_by(HumanTask.id.desc())).first()
    return json.loads(row) if row else {}


def _take_seat(session: Session, course_id: int) -> bool:
    result = session.execute(
        update(Course).where(Course.id == course_id, Course.seats_taken < Course.seats_total)
        .values(seats_taken=Course.seats_taken + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _free_seat(session: Session, course_id: int) -> None:
    session.execute(
        update(Course).where(Course.id == course_id, Course.seats_taken > 0)
        .values(seats_taken=Course.seats_taken - 1)
        .execution_options(synchronize_session=False))


def book_seat(ctx: ServiceContext, actor: Actor, case_id: int, course_id: int) -> Referral:
    """Take a seat under the case lock by the conditional UPDATE, audited; a full course refuses."""
    now = ctx.now()
    with ctx.transaction() as session:
        case = _workable_case(actor, lock_case(session, case_id))
        course = session.get(Course, course_id) if course_id is not None else None
        if course is None:
            raise NotFound("No such course.")
        if _active_course_referral(ctx, case.id, course.id):
            raise Conflict("This person already has a seat or a waiting place in this course.")
        if not _take_seat(session, course.id):
            raise Conflict("The last seat of this course was just taken. "
                           "You can put the person on the waiting list instead.")
        referral = Referral(case_id=case.id, kind=ReferralKind.COURSE, offer=course.course_type,
                            course_id=course.id, provider_id=course.provider_id,
                            status=SeatStatus.BOOKED, created_at=now, created_by_id=actor.id,
                            updated_at=now)
        session.add(referral)
        session.flush()
        case.referred_course_type = course.course_type
        case.updated_at = now
        follow_up.move_with_seats(ctx, session, case, actor.id, now)
        audit.append(session, type_="seat_booked", at=now, actor_id=actor.id, case_id=case.id,
                     details={"referral": referral.id, "course": course.id,
                              "course_type": course.course_type})
    return referral


def join_waiting_list(ctx: ServiceContext, actor: Actor, case_id: int, *,
                      course_id: int | None = None, provider_id: int | None = None,
                      course_type: str | None = None) -> Referral:
    """Wait for a seat in one course, or for any course of a type at a provider."""
    now = ctx.now()
    with ctx.transaction() as session:
        case = _workable_case(actor, lock_case(session, case_id))
        if course_id is not None:
            course = session.get(Course, course_id)
            if course is None:
                raise NotFound("No such course.")
            if _active_course_referral(ctx, case.id, course.id):
                raise Conflict("This person already has a seat or a waiting place in this "
                               "course.")
            provider_id, course_type = course.provider_id, course.course_type
        elif provider_id is None or course_type not in COURSE_LABELS \
                or session.get(Provider, provider_id) is None:
            raise InvalidInput("Choose a course, or a provider and a course type.")
        referral = Referral(case_id=case.id, kind=ReferralKind.COURSE, offer=course_type,
                            course_id=course_id, provider_id=provider_id, status=SeatStatus.WAITING,
                            created_at=now, created_by_id=actor.id, updated_at=now)
        session.add(referral)
        session.flush()
        follow_up.move_with_seats(ctx, session, case, actor.id, now)
        audit.append(session, type_="waiting_listed", at=now, actor_id=actor.id,
                     case_id=case.id, details={"referral": referral.id, "course": course_id,
                                               "provider": provider_id,
                                               "course_type": course_type})
    return referral


def _active_course_referral(ctx: ServiceContext, case_id: int, course_id: int) -> bool:
    return ctx.session.scalars(select(Referral.id).where(
        Referral.case_id == case_id, Referral.course_id == course_id,
        Referral.status.in_(ACTIVE_SEAT_STATUSES))).first() is not None


def cancel_seat(ctx: ServiceContext, actor: Actor, referral_id: int, reason: str) -> None:
    """Give back a booked or offered seat (with a reason); the seat goes to who waits."""
    require_writer(actor)
    if not reason.strip():
        raise InvalidInput("Please give a reason.")
    now = ctx.now()
    with ctx.transaction() as session:
        referral = _own_referral(ctx, actor, referral_id)
        if referral.status not in (SeatStatus.BOOKED, SeatStatus.OFFERED, SeatStatus.WAITING):
            raise Conflict("This referral is no longer active.")
        if referral.status in (SeatStatus.BOOKED, SeatStatus.OFFERED) and referral.course_id:
            give_back_seat(session, referral.course_id)
        if referral.status == SeatStatus.WAITING:
            referral.left_waiting_at = now
        referral.status, referral.note = SeatStatus.CANCELLED, reason.strip()
        referral.updated_at = now
        follow_up.move_with_seats(ctx, session, session.get(Case, referral.case_id), actor.id, now)
        audit.append(session, type_="seat_cancelled", at=now, actor_id=actor.id,
                     case_id=referral.case_id, details={"referral": referral.id},
                     change={"reason": reason.strip()})


def confirm_offered_seat(ctx: ServiceContext, actor: Actor, referral_id: int) -> None:
    """Book the seat held for this case from the waiting list (already counted)."""
    now = ctx.now()
    with ctx.transaction() as session:
        referral = _own_referral(ctx, actor, referral_id)
        if referral.status != SeatStatus.OFFERED:
            raise Conflict("No seat is offered here.")
        referral.status, referral.updated_at = SeatStatus.BOOKED, now
        case = session.get(Case, referral.case_id)
        case.referred_course_type = referral.offer
        follow_up.move_with_seats(ctx, session, case, actor.id, now)
        audit.append(session, type_="seat_booked", at=now, actor_id=actor.id,
                     case_id=referral.case_id,
                     details={"referral": referral.id, "course": referral.course_id,
                              "from_waiting_list": True})


def give_back_seat(session: Session, course_id: int) -> None:
    """Give a held seat back to the course; once committed, it is offered to who waits."""
    _free_seat(session, course_id)
    offer_after_commit(session, course_id)


def offer_after_commit(session: Session, course_id: int) -> None:
    """Offer the course's free seats once this action commits, never while it holds a case."""
    after_commit(session, lambda ctx: offer_free_seats(ctx, course_id))


def offer_free_seats(ctx: ServiceContext, course_id: int) -> int:
    """Offer the course's free seats to who waits longest for it, one transaction each.

    A waiting entry of an open case matches when it names this course, or this course's
    provider and type without a course. Each offer locks the waiting case first (the
    common lock order), so it runs after the action that freed the seat, never inside
    it. Returns how many seats were offered.
    """
    offered = 0
    while True:
        now = ctx.now()
        with ctx.transaction() as session:
            course = session.get(Course, course_id, populate_existing=True)
            if course is None or course.seats_free <= 0:
                return offered
            candidate = session.scalars(
                select(Referral.id).join(Case, Case.id == Referral.case_id).where(
                    Case.status == CaseStatus.OPEN, Referral.status == SeatStatus.WAITING,
                    Referral.offer == course.course_type,
                    or_(Referral.course_id == course.id,
                        Referral.course_id.is_(None)
                        & (Referral.provider_id == course.provider_id)))
                .order_by(Referral.created_at, Referral.id).limit(1)).first()
            if candidate is None:
                return offered
            case, referral = lock_referral(session, candidate)
            if case.status != CaseStatus.OPEN or referral.status != SeatStatus.WAITING:
                continue  # changed meanwhile: look again
            if not _take_seat(session, course.id):
                return offered
            referral.status, referral.course_id = SeatStatus.OFFERED, course.id
            referral.updated_at = referral.left_waiting_at = now
            follow_up.move_with_seats(ctx, session, case, None, now)
            audit.append(session, type_="seat_offered", at=now, actor_id=None,
                         case_id=referral.case_id,
                         details={"referral": referral.id, "course": course.id})
        offered += 1


def offer_all_free_seats(ctx: ServiceContext) -> int:
    """Offer every free seat someone waits for (the worker's sweep: a seat freed by an
    action whose follow-up did not run, after a crash say, is offered all the same)."""
    waiting = (select(Referral.id).join(Case, Case.id == Referral.case_id).where(
        Case.status == CaseStatus.OPEN, Referral.status == SeatStatus.WAITING,
        Referral.offer == Course.course_type,
        or_(Referral.course_id == Course.id,
            Referral.course_id.is_(None) & (Referral.provider_id == Course.provider_id))))
    course_ids = ctx.session.scalars(select(Course.id).where(
        Course.seats_taken < Course.seats_total, waiting.exists()).order_by(Course.id)).all()
    ctx.session.rollback()
    return sum(offer_free_seats(ctx, course_id) for course_id in course_ids)


def refer_offer(ctx: ServiceContext, actor: Actor, case_id: int, offer: str,
                note: str = "") -> Referral:
    """Record a referral to another offer (Kita, school, recognition counselling, ...)."""
    require_writer(actor)  # who asks first: a refusal says nothing about the input
    if offer not in OTHER_OFFER_CODES:
        raise InvalidInput("Unknown offer.")
    now = ctx.now()
    with ctx.transaction() as session:
        case = _workable_case(actor, lock_case(session, case_id))
        referral = Referral(case_id=case.id, kind=ReferralKind.OFFER, offer=offer,
                            status=OfferStatus.OPEN,
                            note=note.strip() or None, created_at=now, created_by_id=actor.id,
                            updated_at=now)
        session.add(referral)
        session.flush()
        audit.append(session, type_="offer_referred", at=now, actor_id=actor.id,
                     case_id=case.id, details={"referral": referral.id, "offer": offer},
                     change={"note": referral.note} if referral.note else None)
    return referral


def set_offer_status(ctx: ServiceContext, actor: Actor, referral_id: int, status: str) -> None:
    """Record how a referral to another offer went; audited with from and to."""
    require_writer(actor)
    if status not in set(OfferStatus):
        raise InvalidInput("Unknown status.")
    now = ctx.now()
    with ctx.transaction() as session:
        referral = _own_referral(ctx, actor, referral_id)
        if referral.kind != ReferralKind.OFFER:
            raise InvalidInput("Only other offers have this status.")
        old, referral.status, referral.updated_at = referral.status, status, now
        audit.append(session, type_="referral_status_changed", at=now, actor_id=actor.id,
                     case_id=referral.case_id,
                     details={"referral": referral.id, "from": old, "to": status})


def _own_referral(ctx: ServiceContext, actor: Actor, referral_id: int) -> Referral:
    case, referral = lock_referral(ctx.session, referral_id)
    if referral is None:
        raise NotFound("No such referral.")
    _workable_case(actor, case)
    return referral


def case_referrals(ctx: ServiceContext, actor: Actor, case_id: int) -> list[Referral]:
    """A case's referrals, oldest first, for whoever may read the case; not audited."""
    require_case_readable(actor, ctx.session.get(Case, case_id))
    return list(ctx.session.scalars(select(Referral).where(Referral.case_id == case_id)
                                    .order_by(Referral.created_at, Referral.id)))

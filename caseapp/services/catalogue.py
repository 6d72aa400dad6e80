"""The course catalogue: municipalities, providers, courses (admins keep it; a course
provider's staff keep their own provider's courses)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from caseapp.models import Course, Municipality, Provider
from domain.vocabulary import Role
from forms.catalogue import SCHEDULES, TIMES_OF_DAY

from . import audit, referrals
from .actor import Actor
from .authz import require_operator, require_provider
from .context import ServiceContext
from .errors import InvalidInput, NotFound
from .locking import lock_course

SCHEDULE_CODES = frozenset(choice.value for choice in SCHEDULES)
TIME_OF_DAY_CODES = frozenset(choice.value for choice in TIMES_OF_DAY)


@dataclass(frozen=True)
class NewCourse:
    """A course as an admin enters it; its seats start free and go to who waits."""

    provider_id: int
    course_type: str
    title: str
    target_level: str
    start_date: date
    schedule: str
    time_of_day: str
    childcare: bool
    location: str
    seats_total: int
    what_to_bring: str = ""


def ensure_municipality(ctx: ServiceContext, actor: Actor, name: str, latitude: float,
                        longitude: float) -> Municipality:
    """Seeding's idempotent add (operators only, not audited): an existing one is kept as is."""
    require_operator(actor)
    with ctx.transaction() as session:
        found = session.scalars(select(Municipality).where(Municipality.name == name)).first()
        if found is None:
            found = Municipality(name=name, latitude=latitude, longitude=longitude)
            session.add(found)
    return found


def create_provider(ctx: ServiceContext, actor: Actor, *, name: str, street: str,
                    postcode: str, municipality: str, contact: str, latitude: float,
                    longitude: float) -> Provider:
    """Operators add a provider with a unique name; audited as provider_created."""
    require_operator(actor)
    now = ctx.now()
    with ctx.transaction() as session:
        if session.scalars(select(Provider.id).where(Provider.name == name)).first():
            raise InvalidInput("A provider with this name exists already.")
        provider = Provider(name=name, street=street, postcode=postcode,
                            municipality=municipality, contact=contact, latitude=latitude,
                            longitude=longitude)
        session.add(provider)
        session.flush()
        audit.append(session, type_="provider_created", at=now,
                     actor_id=actor.id, details={"provider": provider.id})
    return provider


@dataclass(frozen=True)
class CourseDetails:
    """What a provider keeps up to date of a course: its dates, times, place and seats."""

    title: str
    start_date: date
    schedule: str
    time_of_day: str
    location: str
    seats_total: int
    what_to_bring: str = ""


def _require_keeper(actor: Actor, provider_id: int) -> None:
    """Admins (and the operator) keep every course, a provider's staff their provider's."""
    if actor.role == Role.PROVIDER:
        require_provider(actor)
        if actor.provider_id != provider_id:
            raise NotFound("No such course.")
    else:
        require_operator(actor)


def create_course(ctx: ServiceContext, actor: Actor, new: NewCourse) -> Course:
    """Add a course; its seats are offered to matching waiting-list entries at once."""
    _require_keeper(actor, new.provider_id)
    if new.seats_total < 1:
        raise InvalidInput("A course needs at least one seat.")
    now = ctx.now()
    with ctx.transaction() as session:
        if session.get(Provider, new.provider_id) is None:
            raise NotFound("No such provider.")
        course = Course(**new.__dict__, seats_taken=0, created_at=now)
        session.add(course)
        session.flush()
        audit.append(session, type_="course_created", at=now,
                     actor_id=actor.id,
                     details={"course": course.id, "course_type": course.course_type,
                              "seats": course.seats_total})
        referrals.offer_after_commit(session, course.id)
    return course


def set_course_seats(ctx: ServiceContext, actor: Actor, course_id: int, seats_total: int) -> None:
    """Change a course's size; new seats go to who waits, fewer than taken is refused."""
    now = ctx.now()
    with ctx.transaction() as session:
        course = _kept_course(session, actor, course_id)
        if seats_total < course.seats_taken:
            raise InvalidInput("%(taken)s seats are taken: the course cannot be smaller.",
                               taken=course.seats_taken)
        old, course.seats_total = course.seats_total, seats_total
        session.flush()
        audit.append(session, type_="course_seats_changed", at=now, actor_id=actor.id,
                     details={"course": course.id, "from": old, "to": seats_total})
        referrals.offer_after_commit(session, course.id)


def update_course(ctx: ServiceContext, actor: Actor, course_id: int,
                  details: CourseDetails) -> Course:
    """Keep a course up to date (its provider's staff, or an admin); new seats go to who
    waits, fewer than are taken is refused. Audited with the fields that changed."""
    if details.schedule not in SCHEDULE_CODES or details.time_of_day not in TIME_OF_DAY_CODES:
        raise InvalidInput("Unknown schedule or time of day.")
    now = ctx.now()
    with ctx.transaction() as session:
        course = _kept_course(session, actor, course_id)
        if details.seats_total < course.seats_taken:
            raise InvalidInput("%(taken)s seats are taken: the course cannot be smaller.",
                               taken=course.seats_taken,
                               field_errors={"seats_total": [
                                   "%(taken)s seats are taken: the course cannot be "
                                   "smaller."]})
        changed = sorted(name for name, value in details.__dict__.items()
                         if getattr(course, name) != value)
        if not changed:
            return course
        seats_before = course.seats_total
        for name, value in details.__dict__.items():
            setattr(course, name, value)
        session.flush()
        audit.append(session, type_="course_changed", at=now, actor_id=actor.id,
                     details={"course": course.id, "fields": changed,
                              "from": seats_before, "to": course.seats_total})
        if course.seats_total > seats_before:
            referrals.offer_after_commit(session, course.id)
    return course


def _kept_course(session, actor: Actor, course_id: int) -> Course:
    """The course, locked, if the actor keeps it; NotFound if not (or none)."""
    if actor.role == Role.PROVIDER:
        require_provider(actor)
    else:
        require_operator(actor)
    course = lock_course(session, course_id)
    if course is None:
        raise NotFound("No such course.")
    _require_keeper(actor, course.provider_id)
    return course


def provider_id(ctx: ServiceContext, name: str) -> int:
    """The provider of this name, for the command line and seeding; NotFound if none."""
    found = ctx.session.scalar(select(Provider.id).where(Provider.name == name.strip()))
    if found is None:
        raise NotFound("No such provider.")
    return found


def catalogue(ctx: ServiceContext) -> tuple[list[Provider], list[Course]]:
    """Every provider and course, for the admin pages and seeding; no role check, not audited."""
    providers = list(ctx.session.scalars(select(Provider).order_by(Provider.name)))
    courses = list(ctx.session.scalars(select(Course).order_by(Course.start_date, Course.id)))
    return providers, courses


def set_initial_occupancy(ctx: ServiceContext, course_id: int, seats_taken: int) -> None:
    """Seed only: seats already taken by people outside this system."""
    with ctx.transaction() as session:
        session.get(Course, course_id).seats_taken = seats_taken

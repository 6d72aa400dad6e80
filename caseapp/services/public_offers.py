"""The public overview of offers for newcomers (no login): courses of active providers
that start soon or started recently, per municipality and type, and whether places are
free, and the other offers of the network as admins entered them. It holds nothing about
people: no names, no case numbers, no figures of seats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import select

from caseapp.models import Course, NetworkOffer, Provider
from forms.choices import COURSE_TYPES

from .context import Office, ServiceContext
from .errors import NotFound

# A course that started up to this long ago is still listed: providers often take
# newcomers into a running course.
RECENTLY_STARTED = timedelta(days=28)
# Free places up to this many are "few" (a day at the desk can book them).
FEW_PLACES = 3
TYPE_ORDER = {choice.value: index for index, choice in enumerate(COURSE_TYPES)}


@dataclass(frozen=True)
class PublicCourse:
    """A course as the public sees it; ``places`` is free, few or waiting_list."""

    id: int
    course_type: str
    title: str
    target_level: str
    start_date: date
    started: bool
    schedule: str
    time_of_day: str
    childcare: bool
    provider_name: str
    address: str
    contact: str
    places: str


@dataclass(frozen=True)
class PublicNetworkOffer:
    """Another offer of the network (``kind``: volunteer_german_group, counselling, other)."""

    id: int
    kind: str
    name: str
    description: str
    schedule: str
    address: str
    contact: str


@dataclass(frozen=True)
class CourseGroup:
    course_type: str
    courses: tuple[PublicCourse, ...]


@dataclass(frozen=True)
class MunicipalityOffers:
    name: str
    course_groups: tuple[CourseGroup, ...]
    network_offers: tuple[PublicNetworkOffer, ...]


@dataclass(frozen=True)
class PublicOffers:
    office: Office  # where to ask for a place
    generated_at: datetime
    today: date  # in the office's time zone
    municipality: str | None  # the one asked for, else every one
    municipalities: tuple[str, ...]  # every municipality with offers, to choose from
    places: tuple[MunicipalityOffers, ...]


def places(seats_free: int) -> str:
    """Whether places are free, in words rather than figures: the figures change by the
    hour as the desk books, and a printed page would promise seats that are gone."""
    if seats_free <= 0:
        return "waiting_list"
    return "few" if seats_free <= FEW_PLACES else "free"


def public_offers(ctx: ServiceContext, municipality: str | None = None) -> PublicOffers:
    """The offers, of one municipality if asked (an unknown one is refused); not audited,
    no role: everybody may read them."""
    now = ctx.now()
    today = now.astimezone(ZoneInfo(ctx.settings.time_zone)).date()
    courses = ctx.session.scalars(
        select(Course).join(Course.provider)
        .where(Provider.active, Course.start_date >= today - RECENTLY_STARTED)
        .order_by(Course.start_date, Course.id)).all()
    courses_in: dict[str, list[PublicCourse]] = {}
    for course in courses:
        courses_in.setdefault(course.provider.municipality, []).append(_public(course, today))
    others_in: dict[str, list[PublicNetworkOffer]] = {}
    for other in ctx.session.scalars(select(NetworkOffer).where(NetworkOffer.active)
                                     .order_by(NetworkOffer.name, NetworkOffer.id)):
        others_in.setdefault(other.municipality, []).append(_public_other(other))
    names = tuple(sorted({*courses_in, *others_in}))
    if municipality and municipality not in names:
        raise NotFound("No offers are listed for this municipality.")
    shown = tuple(MunicipalityOffers(name, _by_type(courses_in.get(name, [])),
                                     tuple(others_in.get(name, ())))
                  for name in names if municipality in (None, "", name))
    return PublicOffers(office=ctx.settings.office, generated_at=now, today=today,
                        municipality=municipality or None, municipalities=names, places=shown)


def _by_type(courses: list[PublicCourse]) -> tuple[CourseGroup, ...]:
    ordered = sorted(courses, key=lambda c: (TYPE_ORDER.get(c.course_type, len(TYPE_ORDER)),
                                             c.start_date, c.id))
    return tuple(CourseGroup(course_type, tuple(group))
                 for course_type, group in groupby(ordered, key=lambda c: c.course_type))


def _public(course: Course, today: date) -> PublicCourse:
    return PublicCourse(
        id=course.id, course_type=course.course_type, title=course.title,
        target_level=course.target_level, start_date=course.start_date,
        started=course.start_date < today, schedule=course.schedule,
        time_of_day=course.time_of_day, childcare=course.childcare,
        provider_name=course.provider.name, address=course.location,
        contact=course.provider.contact, places=places(course.seats_free))


def _public_other(offer: NetworkOffer) -> PublicNetworkOffer:
    return PublicNetworkOffer(id=offer.id, kind=offer.kind, name=offer.name,
                              description=offer.description, schedule=offer.schedule,
                              address=offer.address, contact=offer.contact)

"""Which courses fit a person, best first: what fits and what does not, said separately.

The scoring is a pure function of two frozen records (what the person needs, what a course
offers), so every rule is tested without a database; ``rank_courses`` is the service that
loads both. Each reason is a message marked for translation, shown in the reader's
language. A course with free seats always ranks above a full one: a full course is only
offered for its waiting list, however well it fits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from caseapp.models import Case, Course, Municipality, Provider
from forms.i18n import N_

from .actor import Actor
from .authz import require_case_readable
from .context import ServiceContext
from .referrals import referral_context

# Points a criterion adds when it fits, or takes away when it does not.
POINTS = {"recommended_type": 50, "other_recommendation": 30, "municipality": 20,
          "distance": 10, "too_far": -20, "start": 10, "late_start": -10, "started": -10,
          "schedule": 10,
          "other_schedule": -15, "time_of_day": 10, "other_time_of_day": -15,
          "childcare": 15, "no_childcare": -25, "free_seats": 10}

SCHEDULE_FITS = {"full_time": N_("full-time, as the person can attend"),
                 "part_time": N_("part-time, as the person can attend")}
SCHEDULE_MISMATCHES = {"full_time": N_("full-time, but the person can attend part-time only"),
                       "part_time": N_("part-time, but the person wants full-time")}
TIME_FITS = {"mornings": N_("mornings, as the person asked"),
             "afternoons": N_("afternoons, as the person asked"),
             "evenings": N_("evenings, as the person asked")}
# (the course's time, the time asked for)
TIME_MISMATCHES = {
    ("mornings", "afternoons"): N_("mornings, but the person asked for afternoons"),
    ("mornings", "evenings"): N_("mornings, but the person asked for evenings"),
    ("afternoons", "mornings"): N_("afternoons, but the person asked for mornings"),
    ("afternoons", "evenings"): N_("afternoons, but the person asked for evenings"),
    ("evenings", "mornings"): N_("evenings, but the person asked for mornings"),
    ("evenings", "afternoons"): N_("evenings, but the person asked for afternoons"),
}
ANY_TIME = "flexible"


@dataclass(frozen=True)
class Needs:
    """What the person needs from a course, as the interview recorded it."""

    recommended_type: str | None
    other_types: frozenset[str]  # further recommended course types
    municipality: str | None
    max_travel_km: int | None  # None: not asked
    availability: str | None  # full_time / part_time; None: not asked
    time_of_day: str | None  # mornings / afternoons / evenings / flexible; None: not asked
    childcare_needed: bool
    today: date
    start_target: timedelta  # the course-start target (ProcessSettings)


@dataclass(frozen=True)
class Offer:
    """A course as the ranking sees it."""

    course_type: str
    municipality: str
    distance_km: float | None  # from the person's municipality; None if unknown
    start_date: date
    schedule: str
    time_of_day: str
    childcare: bool
    seats_free: int


@dataclass(frozen=True)
class Fit:
    """How well one course fits: its points, and the reasons for and against it."""

    points: int
    fits: tuple[str, ...]
    mismatches: tuple[str, ...]


def score(needs: Needs, offer: Offer) -> Fit | None:
    """How ``offer`` fits ``needs``; None for a course type nobody recommended."""
    fits: list[str] = []
    mismatches: list[str] = []
    points = 0

    def fit(key: str, reason: str) -> None:
        nonlocal points
        points += POINTS[key]
        fits.append(reason)

    def mismatch(key: str, reason: str) -> None:
        nonlocal points
        points += POINTS[key]
        mismatches.append(reason)

    if offer.course_type == needs.recommended_type:
        fit("recommended_type", N_("recommended course type"))
    elif offer.course_type in needs.other_types:
        fit("other_recommendation", N_("fits a recommendation"))
    else:
        return None
    if needs.municipality and offer.municipality == needs.municipality:
        fit("municipality", N_("in the person's municipality"))
    if offer.distance_km is not None and needs.max_travel_km is not None:
        if offer.distance_km <= needs.max_travel_km:
            fit("distance", N_("within the travel distance"))
        else:
            mismatch("too_far", N_("farther than the person can travel"))
    if offer.start_date < needs.today:  # courses are listed up to two weeks after they began
        mismatch("started", N_("has already started: the person would join late"))
    elif offer.start_date - needs.today <= needs.start_target:
        fit("start", N_("starts within the target time"))
    else:
        mismatch("late_start", N_("starts later than the target time"))
    if needs.availability in SCHEDULE_FITS and offer.schedule in SCHEDULE_FITS:
        if offer.schedule == needs.availability:
            fit("schedule", SCHEDULE_FITS[offer.schedule])
        else:
            mismatch("other_schedule", SCHEDULE_MISMATCHES[offer.schedule])
    if needs.time_of_day == ANY_TIME:
        fit("time_of_day", N_("any time of day suits the person"))
    elif needs.time_of_day in TIME_FITS and offer.time_of_day in TIME_FITS:
        if offer.time_of_day == needs.time_of_day:
            fit("time_of_day", TIME_FITS[offer.time_of_day])
        else:
            mismatch("other_time_of_day",
                     TIME_MISMATCHES[(offer.time_of_day, needs.time_of_day)])
    if needs.childcare_needed:
        if offer.childcare:
            fit("childcare", N_("childcare offered"))
        else:
            mismatch("no_childcare", N_("no childcare, but the person needs it"))
    if offer.seats_free > 0:
        fit("free_seats", N_("free seats"))
    else:
        mismatches.append(N_("full: waiting list only"))
    return Fit(points, tuple(fits), tuple(mismatches))


def order_key(offer: Offer, fit: Fit) -> tuple:
    """Free seats first, then more points, then the earlier start."""
    return (offer.seats_free <= 0, -fit.points, offer.start_date)


# --- the service ---------------------------------------------------------------------


@dataclass(frozen=True)
class CourseMatch:
    """A course ranked for a case, with what fits and what does not, shown to the counsellor."""

    course: Course
    distance_km: float | None
    fit: Fit

    @property
    def score(self) -> int:
        return self.fit.points

    @property
    def fits(self) -> tuple[str, ...]:
        return self.fit.fits

    @property
    def mismatches(self) -> tuple[str, ...]:
        return self.fit.mismatches

    @property
    def has_free_seats(self) -> bool:
        return self.course.seats_free > 0


def needs_of(case: Case, context: dict, today: date, start_target: timedelta) -> Needs:
    """The person's needs from the referral step's context (the interview's answers)."""
    recommended = context.get("recommended_course_type") or case.recommended_course_type
    return Needs(
        recommended_type=recommended,
        other_types=frozenset(context.get("recommended_offers") or ()),
        municipality=case.municipality,
        max_travel_km=_whole_number(context.get("max_travel_km")),
        availability=context.get("availability") or None,
        time_of_day=context.get("time_of_day") or None,
        childcare_needed=context.get("childcare_needed_during_course") == "yes",
        today=today, start_target=start_target)


def rank(needs: Needs, courses: Iterable[tuple[Course, Offer]]) -> list[CourseMatch]:
    """The courses that fit at all, best first (free seats before full courses)."""
    scored = [(course, offer, fit) for course, offer in courses
              if (fit := score(needs, offer)) is not None]
    scored.sort(key=lambda item: (*order_key(item[1], item[2]), item[0].id))
    return [CourseMatch(course, offer.distance_km, fit) for course, offer, fit in scored]


def rank_courses(ctx: ServiceContext, actor: Actor, case_id: int, limit: int = 20
                 ) -> list[CourseMatch]:
    """Courses that could fit the case, best first, for whoever may read the case."""
    case = require_case_readable(actor, ctx.session.get(Case, case_id))
    today = ctx.now().date()
    needs = needs_of(case, referral_context(ctx, case_id), today,
                     ctx.settings.course_start_target)
    home = ctx.session.scalars(select(Municipality).where(
        Municipality.name == case.municipality)).first()
    courses = ctx.session.scalars(select(Course).join(Provider).where(
        Provider.active.is_(True), Course.start_date >= today - timedelta(days=14))).all()
    offers = ((course, Offer(
        course_type=course.course_type, municipality=course.provider.municipality,
        distance_km=distance_km(home, course.provider) if home else None,
        start_date=course.start_date, schedule=course.schedule,
        time_of_day=course.time_of_day, childcare=course.childcare,
        seats_free=course.seats_free)) for course in courses)
    return rank(needs, offers)[:limit]


def _whole_number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def distance_km(home: Municipality, provider: Provider) -> float:
    """Great-circle distance in km, to one decimal."""
    lat1, lon1, lat2, lon2 = map(math.radians, (home.latitude, home.longitude,
                                                provider.latitude, provider.longitude))
    a = math.sin((lat2 - lat1) / 2) ** 2 + \
        math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(6371 * 2 * math.asin(math.sqrt(a)), 1)

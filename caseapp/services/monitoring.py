"""Bildungsmonitoring: the district's needs, seats, waiting times and course starts as
aggregates for team leads, admins and the education coordination. Counts of people only,
small cells suppressed (services/suppression.py), never a special category (Art. 9), read
from the indexed columns of cases, referrals, human tasks and courses: never a workflow."""

from __future__ import annotations

import json
import math
import statistics
import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, exists, func, select
from sqlalchemy.orm import aliased

from caseapp.models import Case, Course, HumanTask, Municipality, Provider, Referral, Team
from domain.vocabulary import (
    ACTIVE_SEAT_STATUSES,
    MONITORING_ROLES,
    CaseStatus,
    OfferStatus,
    Outcome,
    ReferralKind,
    Role,
    SeatStatus,
    TaskState,
)
from forms.validators import parse_day

from . import audit, monitoring_store
from .actor import Actor
from .authz import require_role
from .context import ServiceContext
from .errors import InvalidInput
from .suppression import SMALL_CELL, Hidden, suppressed_cells

FOLLOW_UP_FORM = "follow_up"  # the form key of "Follow-up: did the course start?"
DISTRICT = "all"  # the team parameter of the whole district (a team lead's choice)
LONGEST_PERIOD_DAYS = 10 * 366  # a longer period is a typing error, not a question
EARLIEST_DAY = date(2000, 1, 1)
NOT_RECORDED = ""  # the row of cases without the value (shown as "not recorded")


@dataclass(frozen=True)
class Query:
    """The dashboard's filters as the reader gave them (text, checked here)."""

    start: str = ""
    end: str = ""
    team: str = ""
    municipality: str = ""


@dataclass(frozen=True)
class Filters:
    """Checked filters: the period's first and last day (office time), a team, a municipality."""

    start: date
    end: date
    team_id: int | None
    team_name: str | None
    municipality: str | None


@dataclass(frozen=True)
class Choices:
    """What the filters offer."""

    teams: list[tuple[int, str]]
    municipalities: list[str]


@dataclass(frozen=True)
class Row:
    """One row: its key (codes, one per row header) and its cells: a number, ``Hidden``
    (suppressed) or None (not applicable)."""

    key: tuple
    cells: tuple
    total: bool = False


@dataclass(frozen=True)
class Table:
    """One indicator: ``columns`` are column codes; ``kinds`` say what each holds (people,
    seats, days, share; derived: computed from shown cells); ``chart`` the columns its
    chart shows as bars."""

    key: str
    headers: tuple[str, ...]
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: tuple[int, ...] = (0,)

    def chart_rows(self) -> list[Row]:
        return [row for row in self.rows if not row.total]

    def chart_max(self) -> float:
        values = [row.cells[c] for row in self.chart_rows() for c in self.chart]
        return max([v for v in values if _number(v)] or [0]) or 1


def _number(value) -> bool:
    """Whether a cell shows a number (not suppressed, not empty)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class KeyFigures:
    """The period's headline figures, each a cell of one of the tables."""

    intakes: object
    referred: object
    median_referral_to_start: object
    share_within_target: object
    waiting_now: object
    unmet_demand: object
    open_follow_ups: object
    overdue_follow_ups: object


@dataclass(frozen=True)
class Dashboard:
    """Every indicator for the filters, with when its figures were computed."""

    filters: Filters
    choices: Choices
    key_figures: KeyFigures
    tables: dict[str, Table]
    target_days: int
    generated_at: datetime
    small: int = SMALL_CELL


INDICATORS = ("intakes", "german-levels", "literacy", "recommendations", "referrals",
              "seats-demand", "waiting-times", "course-start", "drop-outs", "dtz-results",
              "civic-test-results", "waiting-list", "follow-ups", "other-offers")


def filter_choices(ctx: ServiceContext, actor: Actor) -> Choices:
    """The teams and municipalities the filters offer."""
    require_role(actor, *MONITORING_ROLES)
    return Choices([(t.id, t.name) for t in ctx.session.execute(
        select(Team.id, Team.name).order_by(Team.name))],
        list(ctx.session.scalars(select(Municipality.name).order_by(Municipality.name))))


def checked_filters(ctx: ServiceContext, actor: Actor, query: Query) -> tuple[Filters, Choices]:
    """The filters, refused clearly when a day, the period, a team or a municipality is
    not one; a team lead looks at the own team unless the district is asked for."""
    choices = filter_choices(ctx, actor)
    today = ctx.now().astimezone(_zone(ctx)).date()
    end = _day(query.end, "end") if query.end.strip() else today
    start = _day(query.start, "start") if query.start.strip() else _year_before(end)
    if start > end:
        raise InvalidInput("The period's first day (%(start)s) is after its last day "
                           "(%(end)s): choose a first day before the last.",
                           start=start.isoformat(), end=end.isoformat())
    if start < EARLIEST_DAY or end > today + timedelta(days=366) \
            or (end - start).days > LONGEST_PERIOD_DAYS:
        raise InvalidInput("The period must lie between 2000 and a year from today, and "
                           "span at most ten years.")
    team_id, team_name = _team(actor, query.team.strip(), dict(choices.teams))
    municipality = query.municipality.strip() or None
    if municipality is not None and municipality not in choices.municipalities:
        raise InvalidInput("There is no municipality of that name.")
    return Filters(start, end, team_id, team_name, municipality), choices


def _day(text: str, which: str) -> date:
    day = parse_day(text)
    if day is None and which == "start":
        raise InvalidInput("The period's first day cannot be read: write it as 31.01.2026.")
    if day is None:
        raise InvalidInput("The period's last day cannot be read: write it as 31.01.2026.")
    return day


def _team(actor: Actor, value: str, teams: dict[int, str]) -> tuple[int | None, str | None]:
    if value == DISTRICT or (not value and actor.role != Role.TEAM_LEAD):
        return None, None
    if not value:
        return actor.team_id, teams.get(actor.team_id)
    team_id = int(value) if value.isdigit() and len(value) < 10 else None
    if team_id not in teams:
        raise InvalidInput("There is no team of that kind: choose one of the list.")
    return team_id, teams[team_id]


def _year_before(end: date) -> date:
    """The first day of the twelve months that end with ``end``."""
    return end.replace(year=end.year - 1, day=min(end.day, 28) if end.month == 2
                       else end.day) + timedelta(days=1)


def _zone(ctx: ServiceContext) -> ZoneInfo:
    return ZoneInfo(ctx.settings.time_zone)


def dashboard(ctx: ServiceContext, actor: Actor, query: Query, *,
              exported: str | None = None) -> Dashboard:
    """Every indicator for the filters; the read is recorded in the reader's own chain
    (``monitoring_viewed``, or ``monitoring_exported`` with the indicator of a CSV)."""
    filters, choices = checked_filters(ctx, actor, query)
    if exported is not None and exported not in INDICATORS:
        raise InvalidInput("There is no such indicator.")
    now = ctx.now()
    computed, tables, anew = _cached(ctx, filters, now)
    ctx.session.rollback()
    with ctx.transaction() as session:
        if anew and ctx.settings.monitoring_cache > timedelta(0):  # for every web worker
            monitoring_store.save(session, _key(filters), computed, _encoded(tables))
        details = {"start": filters.start, "end": filters.end, "team": filters.team_id,
                   "municipality": filters.municipality}
        if exported is not None:
            details["indicator"] = exported
        audit.append(session, type_="monitoring_exported" if exported else "monitoring_viewed",
                     at=now, actor_id=actor.id, details=details)
    return Dashboard(filters, choices, _key_figures(tables), tables,
                     ctx.settings.course_start_target.days, computed)


# Figures computed lately, per running application (its engine) and set of filters, and
# in the database for every web worker (``monitoring_figures``; the timer worker keeps the
# default views fresh there): at 100,000 cases the referred group of a year is tens of
# thousands of rows, and the steering figures need not be newer than ``monitoring_cache``
# (the page says when they were computed).
_COMPUTED: WeakKeyDictionary = WeakKeyDictionary()
_COMPUTED_LOCK = threading.Lock()


def _key(filters: Filters) -> str:
    return "|".join(str(part) if part is not None else "" for part in (
        filters.start, filters.end, filters.team_id, filters.municipality))


def _cached(ctx: ServiceContext, filters: Filters, now: datetime
            ) -> tuple[datetime, dict[str, Table], bool]:
    """The tables for ``filters``, when they were computed, and whether just now: kept ones
    while younger than the setting allows (in this worker, else in the database), else
    computed anew (never kept when the setting is zero)."""
    key = _key(filters)
    keep = ctx.settings.monitoring_cache
    with _COMPUTED_LOCK:
        entry = _COMPUTED.get(ctx.engine, {}).get(key)
    if entry is not None and timedelta(0) <= now - entry[0] < keep:
        return (*entry, False)
    kept = monitoring_store.load(ctx.session, key, now - keep) \
        if keep > timedelta(0) else None
    entry = (kept[0], _decoded(kept[1])) if kept else (now, _tables(ctx, filters, now))
    if keep > timedelta(0):
        with _COMPUTED_LOCK:
            known = _COMPUTED.setdefault(ctx.engine, {})
            for stale in [k for k, (at, _) in known.items() if now - at >= keep]:
                del known[stale]
            known[key] = entry
    return (*entry, kept is None)


def keep_default_views(ctx: ServiceContext) -> int:
    """The timer worker's round: the default views (the last twelve months of the district
    and of each team) computed anew once half of ``monitoring_cache`` has passed, so that a
    reader finds them kept; returns how many were computed (none when nothing is kept)."""
    keep = ctx.settings.monitoring_cache
    if keep <= timedelta(0):
        return 0
    today = ctx.now().astimezone(_zone(ctx)).date()
    views = [(None, None), *ctx.session.execute(select(Team.id, Team.name).order_by(Team.id))]
    computed = 0
    for team_id, team_name in views:
        filters = Filters(_year_before(today), today, team_id, team_name, None)
        now = ctx.now()
        at = monitoring_store.computed_at(ctx.session, _key(filters))
        if at is not None and timedelta(0) <= now - at < keep / 2:
            continue
        tables = _tables(ctx, filters, now)
        ctx.session.rollback()
        with ctx.transaction() as session:
            monitoring_store.save(session, _key(filters), now, _encoded(tables))
        computed += 1
    ctx.session.rollback()
    return computed


def _encoded(tables: dict[str, Table]) -> str:
    """The tables as JSON: days and hidden cells tagged, so they come back as they were."""
    def value(v):
        if isinstance(v, Hidden):
            return {"hidden": v.value}
        if isinstance(v, date):
            return {"day": v.isoformat()}
        return v
    return json.dumps({name: {
        "key": t.key, "headers": t.headers, "columns": t.columns, "kinds": t.kinds,
        "chart": t.chart,
        "rows": [{"key": [value(k) for k in r.key], "cells": [value(c) for c in r.cells],
                  "total": r.total} for r in t.rows]} for name, t in tables.items()})


def _decoded(text: str) -> dict[str, Table]:
    def value(v):
        if isinstance(v, dict):
            return Hidden(v["hidden"]) if "hidden" in v else date.fromisoformat(v["day"])
        return v
    return {name: Table(t["key"], tuple(t["headers"]), tuple(t["columns"]),
                        tuple(t["kinds"]), tuple(
                            Row(tuple(value(k) for k in r["key"]),
                                tuple(value(c) for c in r["cells"]), r["total"])
                            for r in t["rows"]), tuple(t["chart"]))
            for name, t in json.loads(text).items()}


def _tables(ctx: ServiceContext, filters: Filters, now: datetime) -> dict[str, Table]:
    zone = _zone(ctx)
    since = datetime.combine(filters.start, time(), zone).astimezone(UTC)
    until = datetime.combine(filters.end + timedelta(days=1), time(), zone).astimezone(UTC)
    reader = _Reader(ctx, filters, zone, since, min(until, now), until)
    tables: dict[str, Table] = {}
    tables.update(reader.intake_tables())
    tables.update(reader.referral_cohort().tables(ctx.settings.course_start_target.days))
    tables["seats-demand"] = reader.seats_and_demand()
    tables["waiting-list"] = reader.waiting_list()
    tables["follow-ups"] = reader.follow_ups()
    tables["other-offers"] = reader.other_offers()
    return tables


def _total(table: Table, column: int = 0):
    return next((row.cells[column] for row in table.rows if row.total), None)


def _key_figures(tables: dict[str, Table]) -> KeyFigures:
    times = {row.key[0]: row for row in tables["waiting-times"].rows}
    starts = {row.key[0]: row for row in tables["course-start"].rows}
    follow = {row.key[0]: row for row in tables["follow-ups"].rows}
    return KeyFigures(
        intakes=_total(tables["intakes"]), referred=_total(tables["referrals"]),
        median_referral_to_start=times["referral_to_start"].cells[3],
        share_within_target=starts["within_target"].cells[1],
        waiting_now=_total(tables["seats-demand"], 1),
        unmet_demand=_total(tables["seats-demand"], 4),
        open_follow_ups=_total(tables["follow-ups"]),
        overdue_follow_ups=follow["overdue"].cells[0])


def suppressed_table(key: str, headers: Sequence[str], columns: Sequence[str],
                     kinds: Sequence[str], rows: Sequence[tuple[tuple, list, bool]],
                     lines: Iterable[Sequence[tuple[int, int]]],
                     chart: tuple[int, ...] = (0,)) -> Table:
    """A table with every people count under SMALL_CELL hidden, and a second cell of each
    ``line`` (parts and total of one sum) wherever one alone would be."""
    counts = {(r, c): value for r, (_, cells, _) in enumerate(rows)
              for c, value in enumerate(cells) if kinds[c] == "people" and _number(value)}
    hidden = suppressed_cells(counts, lines)
    return Table(key, tuple(headers), tuple(columns), tuple(kinds), tuple(
        Row(row_key, tuple(hidden.get((r, c), value) for c, value in enumerate(cells)), total)
        for r, (row_key, cells, total) in enumerate(rows)), chart)


def _column_lines(rows: Sequence, columns: Iterable[int]) -> list[list[tuple[int, int]]]:
    """Each column's cells with its total row (the last row) as one line."""
    return [[(r, c) for r in range(len(rows))] for c in columns]


def _row_lines(rows: Sequence, parts: Sequence[int], total: int) -> list[list[tuple[int, int]]]:
    return [[*((r, c) for c in parts), (r, total)] for r in range(len(rows))]


def _distribution(key: str, header: str, counts: dict[str, int], order: Sequence[str],
                  total: int) -> Table:
    """Rows of one attribute of the intakes, with a row of the cases without it and the total."""
    keys = [code for code in order if counts.get(code)]
    keys += sorted(code for code in counts if code not in order and code != NOT_RECORDED)
    if counts.get(NOT_RECORDED):
        keys.append(NOT_RECORDED)
    rows = [((code,), [counts[code]], False) for code in keys] + [(("total",), [total], True)]
    return suppressed_table(key, (header,), ("people",), ("people",), rows,
                            _column_lines(rows, [0]))


@dataclass
class _Cohort:
    """The people whose first course referral is in the period, with what is known of them."""

    people: list[dict] = field(default_factory=list)

    def tables(self, target_days: int) -> dict[str, Table]:
        people = self.people
        n = len(people)
        by_type: dict[str, int] = defaultdict(int)
        for person in people:
            by_type[person["offer"]] += 1
        rows = [((code,), [count], False) for code, count in sorted(by_type.items())]
        rows.append((("total",), [n], True))
        referrals = suppressed_table("referrals", ("offer",), ("people",), ("people",), rows,
                                     _column_lines(rows, [0]))
        return {"referrals": referrals, "waiting-times": self._waiting_times(),
                "course-start": self._course_start(target_days),
                "drop-outs": self._drop_outs(),
                "dtz-results": self._results("dtz", ("below_a2", "A2", "B1"), "dtz-results",
                                             "dtz_result"),
                "civic-test-results": self._results("civic", ("passed", "not_passed"),
                                                    "civic-test-results", "civic_test_result")}

    def _waiting_times(self) -> Table:
        measures = {"intake_to_referral": [], "referral_to_registration": [],
                    "registration_to_start": [], "referral_to_start": []}
        # Only the start has two sources: the provider's confirmation, else the follow-up.
        sources = [0, 0]
        for p in self.people:
            measures["intake_to_referral"].append((p["referred"] - p["opened"]).days)
            if p["registered"] is not None:
                measures["referral_to_registration"].append(
                    (p["registered"] - p["referred"]).days)
            if p["start"] is not None:
                measures["referral_to_start"].append((p["start"] - p["referred"]).days)
                sources[0 if p["start_confirmed"] else 1] += 1
                if p["registered"] is not None and p["start_confirmed"]:
                    measures["registration_to_start"].append(
                        (p["start"] - p["registered"]).days)
        rows = []
        for name, days in measures.items():
            enough = len(days) >= SMALL_CELL
            rows.append(((name,), [
                len(days), *(sources if name == "referral_to_start" else (None, None)),
                statistics.median(days) if enough else Hidden.SMALL,
                _p90(days) if enough else Hidden.SMALL], False))
        return suppressed_table(
            "waiting-times", ("measure",),
            ("people", "from_providers", "from_follow_up", "median_days", "p90_days"),
            ("people", "people", "people", "days", "days"), rows,
            [[(3, 1), (3, 2), (3, 0)]], chart=(3, 4))

    def _course_start(self, target_days: int) -> Table:
        within = later = not_yet = 0
        for p in self.people:
            if p["start"] is None:
                not_yet += 1
            elif (p["start"] - p["referred"]).days <= target_days:
                within += 1
            else:
                later += 1
        n = len(self.people)
        rows = [(("within_target",), [within, None], False),
                (("later",), [later, None], False),
                (("not_started",), [not_yet, None], False), (("total",), [n, None], True)]
        table = suppressed_table("course-start", ("start",), ("people", "share"),
                                 ("people", "share"), rows, _column_lines(rows, [0]))
        # A share is shown only where its count is: it would give the count away.
        return Table(table.key, table.headers, table.columns, table.kinds, tuple(
            Row(row.key, (row.cells[0], None if row.total else _share(row.cells[0], n)),
                row.total) for row in table.rows))

    def _drop_outs(self) -> Table:
        reasons: dict[str, int] = defaultdict(int)
        for p in self.people:
            if p["drop_out_reason"] is not None:
                reasons[p["drop_out_reason"]] += 1
        rows = [((code,), [count], False) for code, count in sorted(reasons.items())]
        rows.append((("total",), [sum(reasons.values())], True))
        return suppressed_table("drop-outs", ("drop_out_reason",), ("people",), ("people",),
                                rows, _column_lines(rows, [0]))

    def _results(self, name: str, order: Sequence[str], key: str, header: str) -> Table:
        counts: dict[str, int] = defaultdict(int)
        for p in self.people:
            if p[name] is not None:
                counts[p[name]] += 1
        rows = [((code,), [counts[code]], False) for code in order if counts.get(code)]
        rows.append((("total",), [sum(counts.values())], True))
        return suppressed_table(key, (header,), ("people",), ("people",), rows,
                                _column_lines(rows, [0]))


def _share(count, total: int):
    """The percentage of a shown count, or the count's own mark when it is hidden."""
    return round(100 * count / total, 1) if _number(count) else count


def _p90(days: list[int]) -> int:
    """The 90th percentile by nearest rank: the least value that 90% do not exceed."""
    ordered = sorted(days)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


FOLLOW_UP_DROPPED = "follow_up"  # a drop-out known from the follow-up answer only


class _Reader:
    """The queries of one dashboard: each an aggregate over indexed columns."""

    def __init__(self, ctx: ServiceContext, filters: Filters, zone: ZoneInfo,
                 since: datetime, until_now: datetime, until: datetime):
        self.session, self.filters, self.zone = ctx.session, filters, zone
        self.since, self.until, self.until_now = since, until, until_now

    def _of_cases(self, stmt):
        if self.filters.team_id is not None:
            stmt = stmt.where(Case.team_id == self.filters.team_id)
        if self.filters.municipality is not None:
            stmt = stmt.where(Case.municipality == self.filters.municipality)
        return stmt

    def _day(self, moment: datetime) -> date:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone).date()

    def _months(self) -> list[tuple[date, datetime]]:
        """Each month of the period by its first day, with the moment it ends (the period's
        end, or now, if earlier)."""
        months, day = [], self.filters.start.replace(day=1)
        while day <= self.filters.end:
            following = (day + timedelta(days=32)).replace(day=1)
            ends = datetime.combine(following, time(), self.zone).astimezone(UTC)
            months.append((day, min(ends, self.until_now)))
            day = following
        return months

    def intake_tables(self) -> dict[str, Table]:
        months = self._months()
        bucket = case(*((Case.opened_at < ends, index) for index, (_, ends)
                        in enumerate(months)), else_=len(months) - 1)
        stmt = self._of_cases(select(bucket, Case.german_level, Case.literacy,
                                     Case.recommended_course_type, func.count())
                              .where(Case.opened_at >= self.since, Case.opened_at < self.until)
                              .group_by(bucket, Case.german_level, Case.literacy,
                                        Case.recommended_course_type))
        per_month = [0] * len(months)
        levels: dict[str, int] = defaultdict(int)
        literacy: dict[str, int] = defaultdict(int)
        recommended: dict[str, int] = defaultdict(int)
        for index, level, literate, course_type, count in self.session.execute(stmt):
            per_month[index] += count
            levels[level or NOT_RECORDED] += count
            literacy[literate or NOT_RECORDED] += count
            recommended[course_type or NOT_RECORDED] += count
        total = sum(per_month)
        rows = [((first,), [count], False) for (first, _), count in zip(months, per_month,
                                                                           strict=True)]
        rows.append((("total",), [total], True))
        return {
            "intakes": suppressed_table("intakes", ("month",), ("people",), ("people",),
                                        rows, _column_lines(rows, [0])),
            "german-levels": _distribution(
                "german-levels", "german_level", levels,
                ("none", "A1", "A2", "B1", "B2", "C1", "C2"), total),
            "literacy": _distribution("literacy", "literacy", literacy,
                                      ("latin", "other_script", "none"), total),
            "recommendations": _distribution("recommendations", "offer", recommended, (),
                                             total)}

    def referral_cohort(self) -> _Cohort:
        """Who was first referred to a course in the period: that referral with what its
        provider confirmed, and the day the follow-up was answered where it said "started".
        One pass along the referrals of the period, one row per person."""
        earlier = aliased(Referral)
        answered = select(func.max(HumanTask.completed_at)).where(
            HumanTask.case_id == Referral.case_id, HumanTask.state == TaskState.COMPLETED,
            HumanTask.form_key == FOLLOW_UP_FORM).scalar_subquery()
        rows = self.session.execute(self._of_cases(
            select(Referral.case_id, Referral.created_at, Referral.offer,
                   Referral.registered_on, Referral.started_on, Referral.dropped_out_on,
                   Referral.drop_out_reason, Referral.dtz_result, Referral.civic_test_result,
                   Case.opened_at, Case.referral_outcome,
                   case((and_(Referral.started_on.is_(None),
                              Case.referral_outcome == Outcome.STARTED), answered)))
            .join(Case, Case.id == Referral.case_id)
            .where(Referral.kind == ReferralKind.COURSE, Referral.created_at >= self.since,
                   Referral.created_at < self.until,
                   ~exists().where(earlier.case_id == Referral.case_id,
                                   earlier.kind == ReferralKind.COURSE,
                                   earlier.created_at < Referral.created_at))))
        people: dict[int, dict] = {}
        day = self._day
        for (case_id, created, offer, registered, started, dropped, reason, dtz, civic,
             opened, outcome, done) in rows:
            if case_id in people:  # two first referrals at the same moment: one counts
                continue
            start = started if started is not None else \
                day(done) if done is not None else None
            people[case_id] = {
                "offer": offer, "referred": day(created), "opened": day(opened),
                "registered": registered, "start": start,
                "start_confirmed": started is not None,
                "drop_out_reason": (reason or "unknown") if dropped is not None
                else FOLLOW_UP_DROPPED if outcome == Outcome.DROPPED_OUT else None,
                "dtz": dtz, "civic": civic}
        return _Cohort(list(people.values()))

    def seats_and_demand(self) -> Table:
        """Free seats of courses starting from the period's first day, by course type and
        the provider's municipality, against who waits and whose recommendation has no
        course referral yet (open cases, by the municipality they live in), now."""
        seats = select(Course.course_type, Provider.municipality,
                       func.sum(Course.seats_total - Course.seats_taken)) \
            .join(Provider, Provider.id == Course.provider_id) \
            .where(Course.start_date >= self.filters.start) \
            .group_by(Course.course_type, Provider.municipality)
        if self.filters.municipality is not None:
            seats = seats.where(Provider.municipality == self.filters.municipality)
        waiting = self._of_cases(
            select(Referral.offer, Case.municipality, func.count(distinct(Referral.case_id)))
            .join(Case, Case.id == Referral.case_id)
            .where(Referral.status == SeatStatus.WAITING, Referral.kind == ReferralKind.COURSE,
                   Case.status == CaseStatus.OPEN)
            .group_by(Referral.offer, Case.municipality))
        unreferred = self._of_cases(
            select(Case.recommended_course_type, Case.municipality, func.count())
            .where(Case.status == CaseStatus.OPEN, Case.recommended_course_type.is_not(None),
                   Case.recommended_course_type != "none",
                   ~exists().where(Referral.case_id == Case.id,
                                   Referral.kind == ReferralKind.COURSE,
                                   Referral.status.in_(ACTIVE_SEAT_STATUSES)))
            .group_by(Case.recommended_course_type, Case.municipality))
        figures: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        for column, stmt in enumerate((seats, waiting, unreferred)):
            for course_type, place, value in self.session.execute(stmt):
                figures[(course_type, place or NOT_RECORDED)][column] += int(value or 0)
        rows = []
        for key in sorted(figures, key=lambda k: (k[0], k[1] == NOT_RECORDED, k[1])):
            free, waits, unref = figures[key]
            rows.append((key, [free, waits, unref, waits + unref,
                               max(waits + unref - free, 0)], False))
        totals = [sum(row[1][c] for row in rows) for c in range(5)]
        rows.append((("total", ""), totals, True))
        lines = [*_row_lines(rows, [1, 2], 3), *_column_lines(rows, [1, 2, 3])]
        table = suppressed_table(
            "seats-demand", ("offer", "municipality"),
            ("free_seats", "waiting", "unreferred", "demand", "unmet"),
            ("seats", "people", "people", "people", "derived"), rows, lines, chart=(0, 3))
        # Unmet demand (demand beyond the free seats) is shown only where the demand is,
        # and its total only where every row's is: with the free seats, it would tell.
        every = all(_number(row.cells[3]) for row in table.rows)
        return Table(table.key, table.headers, table.columns, table.kinds, tuple(
            Row(row.key, (*row.cells[:4], row.cells[4] if _number(row.cells[3])
                          and (every or not row.total) else Hidden.SECONDARY), row.total)
            for row in table.rows), table.chart)

    def waiting_list(self) -> Table:
        """People on a waiting list at the end of each month of the period."""
        # Who waits now, and who stopped waiting since the period began, each along its own
        # index (only course referrals wait); made before the period's end, as checked below.
        places = [(still, self._of_cases(
            select(Referral.case_id, Referral.created_at, Referral.left_waiting_at)
            .join(Case, Case.id == Referral.case_id).where(condition)))
            for still, condition in ((True, Referral.status == SeatStatus.WAITING),
                                     (False, and_(Referral.left_waiting_at >= self.since,
                                                  Referral.status != SeatStatus.WAITING)))]
        months = self._months()
        ends = [moment for _, moment in months]
        people: list[set[int]] = [set() for _ in months]
        for still, stmt in places:
            for case_id, created, left in self.session.execute(stmt):
                if created >= self.until:
                    continue
                # the month ends from the moment it was made on, before the moment it left
                last = len(ends) if still else bisect_left(ends, left)
                for index in range(bisect_left(ends, created), last):
                    people[index].add(case_id)
        rows = [((day,), [len(seen)], False) for (day, _), seen in zip(months, people,
                                                                         strict=True)]
        return suppressed_table("waiting-list", ("month_end",), ("people",), ("people",),
                                rows, [])

    def follow_ups(self) -> Table:
        """Open follow-ups now (open cases at the follow-up step) and how many are overdue."""
        stmt = self._of_cases(
            select(Case.overdue, func.count(distinct(Case.id)))
            .join(HumanTask, HumanTask.case_id == Case.id)
            .where(Case.status == CaseStatus.OPEN, HumanTask.state == TaskState.READY,
                   HumanTask.form_key == FOLLOW_UP_FORM)
            .group_by(Case.overdue))
        counts = {bool(overdue): n for overdue, n in self.session.execute(stmt).all()}
        rows = [(("in_time",), [counts.get(False, 0)], False),
                (("overdue",), [counts.get(True, 0)], False),
                (("total",), [sum(counts.values())], True)]
        return suppressed_table("follow-ups", ("follow_up",), ("people",), ("people",), rows,
                                _column_lines(rows, [0]))

    def other_offers(self) -> Table:
        """Referrals to other offers (Kita, school, ...) made in the period, by how they stand."""
        statuses = tuple(OfferStatus)
        stmt = self._of_cases(
            select(Referral.offer, Referral.status, func.count(distinct(Referral.case_id)))
            .join(Case, Case.id == Referral.case_id)
            .where(Referral.kind == ReferralKind.OFFER, Referral.created_at >= self.since,
                   Referral.created_at < self.until)
            .group_by(Referral.offer, Referral.status))
        counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(statuses))
        for offer, status, n in self.session.execute(stmt):
            counts[offer][statuses.index(status)] += n
        rows = [((offer,), [*cells, sum(cells)], False)
                for offer, cells in sorted(counts.items())]
        return suppressed_table(
            "other-offers", ("offer",), (*(s.value for s in statuses), "total"),
            ("people",) * (len(statuses) + 1), rows,
            _row_lines(rows, range(len(statuses)), len(statuses)), chart=(len(statuses),))

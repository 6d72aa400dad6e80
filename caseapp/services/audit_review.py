"""What auditors do with the trail: verify it, read a case's history, the access log,
search and export events.

Read-only for the cases: the only writes are the audit events that record the auditor's
own reading (``case_viewed`` with ``view=history``) and exports (``audit_exported``).
Every function checks the role itself; the views' ``roles_required`` is not the only guard.

Results are plain dataclasses, not ORM rows, so ending the read transaction (a rollback)
never expires what a template is about to render.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session

from caseapp.models import (
    AuditChange,
    AuditEvent,
    Case,
    Course,
    HumanTask,
    Person,
    Provider,
    Team,
    User,
)
from domain.vocabulary import Role

from . import audit, checkpoints
from .actor import Actor
from .authz import require_case_readable, require_role
from .context import ServiceContext
from .errors import InvalidInput

PAGE_SIZE = 50  # a page renders in a few milliseconds, without a collector pause
EXPORT_BATCH = 1000
ACCESS_TYPES = audit.ACCESS_EVENTS
EXPORT_FORMATS = ("csv", "json")
EXPORT_COLUMNS = ("seq", "at", "type", "actor", "case", "details", "change_digest", "hash")

# Detail keys holding ids that are shown as names. "from"/"to" are user ids only for
# these types (elsewhere, e.g. referral_status_changed, they are statuses).
USER_KEYS_BY_TYPE = {"case_reassigned": ("from", "to"), "task_claimed": ("to",)}
USER_KEYS = ("user",)
TEAM_KEYS = ("team_id", "team", "from_team", "to_team", "team_from", "team_to")
STEP_KEYS = ("task", "to_step")
STEP_LIST_KEYS = ("new_tasks",)
# Detail keys holding ids of the course catalogue, shown by name.
COURSE_KEYS = ("course",)
PROVIDER_KEYS = ("provider",)
# Integrity of an event as the chain check sees it (pages mark the last two).
VERIFIED, BROKEN, AFTER_BREAK = "verified", "broken", "after_break"


@dataclass(frozen=True)
class EventFilter:
    """What an auditor narrows events by. Days are inclusive, in the reader's ``zone``."""

    actor_id: int | None = None
    type: str | None = None
    case_number: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    zone: str = "UTC"

    def as_details(self) -> dict[str, Any]:
        """The filters as recorded in an export event (only those that were set)."""
        details: dict[str, Any] = {}
        if self.actor_id is not None:
            details["actor"] = self.actor_id
        if self.type:
            details["type"] = self.type
        if self.case_number:
            details["case"] = self.case_number
        if self.date_from:
            details["from"] = self.date_from.isoformat()
        if self.date_to:
            details["to"] = self.date_to.isoformat()
        if self.date_from or self.date_to:
            details["zone"] = self.zone
        return details

    def conditions(self, session: Session, *, use_case: bool = True,
                   use_type: bool = True) -> list[ColumnElement[bool]]:
        """SQL conditions on indexed columns of ``audit_events`` only."""
        conditions: list[ColumnElement[bool]] = []
        if self.actor_id is not None:
            conditions.append(AuditEvent.actor_id == self.actor_id)
        if use_type and self.type:
            conditions.append(AuditEvent.type == self.type)
        if use_case and self.case_number:
            case_id = session.scalar(select(Case.id).where(Case.number == self.case_number))
            conditions.append(AuditEvent.case_id == case_id if case_id is not None else false())
        zone = ZoneInfo(self.zone)
        if self.date_from:
            conditions.append(AuditEvent.at >= _start_of(self.date_from, zone))
        if self.date_to:
            conditions.append(AuditEvent.at < _start_of(self.date_to + timedelta(days=1), zone))
        return conditions


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Change:
    """An event's change record as an auditor sees it."""

    state: str  # "recorded", "erased" or "missing" (deleted without an erasure)
    erased_by_seq: int | None = None
    diffs: tuple[tuple[str, Any, Any], ...] = ()  # (field, old, new)
    values: tuple[tuple[str, Any], ...] = ()  # (key, value) for other records


@dataclass(frozen=True)
class Event:
    """An audit event as auditors read it: actor name and case number beside the ids."""

    seq: int
    at: datetime
    type: str
    actor_id: int | None
    actor_name: str | None  # None: the system acted
    actor_username: str | None
    case_id: int | None
    case_number: str | None
    details: dict
    change_digest: str | None
    hash: str
    chain: str = ""
    chain_seq: int = 0
    facts: tuple[tuple[str, Any], ...] = ()  # details with ids shown as names
    change: Change | None = None
    form_key: str | None = None  # of the step the event is about: labels its fields
    integrity: str = VERIFIED  # VERIFIED, BROKEN (its chain breaks here) or AFTER_BREAK
    problem: audit.Problem | None = None  # what is wrong, where it is BROKEN


@dataclass(frozen=True)
class ChainOwner:
    """Whose chain a chain name is, for a page to name it: a case (by number), a user
    (by name), the system, or the legacy chain."""

    kind: str  # "case", "user", "system" or "legacy"
    name: str | None = None  # the case number or the user's name
    case_id: int | None = None


@dataclass(frozen=True)
class UserChoice:
    """A user to filter by (deactivated ones too: they may have acted)."""

    id: int
    display_name: str
    username: str


@dataclass(frozen=True)
class CaseHistory:
    """A case's events with the filter choices that apply to it (its types and actors)."""

    case_id: int
    case_number: str
    events: list[Event]
    types: list[str]  # the event types present in this case's history
    actors: list[UserChoice]  # who acted on this case
    system_acted: bool
    # The case's chain breaks after its last event (events cut off, a head that does not
    # match): nothing shown is marked for it, the page says so.
    end_problem: audit.Problem | None = None
    owners: dict[str, ChainOwner] = field(default_factory=dict)  # the chains problems name
    person: Person | None = None  # its person, for "personal data erased on ... by ..."


@dataclass(frozen=True)
class Page:
    """One page of events, newest first, read from a place in the trail (keyset on the
    event number, so a page costs the same on the first day as after years): ``newer``
    and ``older`` are the cursors of the neighbouring pages, None where there is none."""

    events: list[Event]
    per_page: int
    newer: int | None = None  # show the events after this event number
    older: int | None = None  # show the events before this event number
    owners: dict[str, ChainOwner] = field(default_factory=dict)  # the chains problems name


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: just before event ``before`` (older events), or just after
    event ``after`` (newer ones); neither is the newest page."""

    before: int | None = None
    after: int | None = None


@dataclass
class Export:
    """An export already audited; ``rows`` reads its snapshot in batches while written out."""

    format: str
    count: int
    rows: Iterator[Event] = field(repr=False)


@dataclass(frozen=True)
class TrailCheck:
    """The chain check with the owners of the chains it names."""

    report: audit.ChainReport
    owners: dict[str, ChainOwner]


def verify(ctx: ServiceContext, actor: Actor) -> TrailCheck:
    """The chain check, also against the checkpoints the worker keeps outside the
    database (when configured)."""
    require_role(actor, Role.AUDITOR)
    report = checkpoints.verify(ctx)
    named = {report.broken_chain} if report.broken_chain else set()
    if report.problem and isinstance(report.problem.params.get("chain"), str):
        named.add(report.problem.params["chain"])
    owners = _owners(ctx.session, named)
    ctx.session.rollback()
    return TrailCheck(report, owners)


def _owners(session: Session, chains: set[str]) -> dict[str, ChainOwner]:
    owners: dict[str, ChainOwner] = {}
    for chain in chains:
        kind, _, number = chain.partition(":")
        ident = int(number) if number.isdigit() else None
        if kind == "case" and ident is not None:
            owners[chain] = ChainOwner("case", session.scalar(
                select(Case.number).where(Case.id == ident)), ident)
        elif kind == "user" and ident is not None:
            owners[chain] = ChainOwner("user", session.scalar(
                select(User.display_name).where(User.id == ident)))
        elif chain in (audit.SYSTEM_CHAIN, audit.LEGACY_CHAIN):
            owners[chain] = ChainOwner(chain)
    return owners


def filter_choices(ctx: ServiceContext, actor: Actor) -> list[UserChoice]:
    """Every user (also deactivated ones: they may have acted). The event types to choose
    from are the known ones (the pages' labels), not read from millions of events."""
    require_role(actor, Role.AUDITOR)
    session = ctx.session
    users = [UserChoice(*row) for row in session.execute(
        select(User.id, User.display_name, User.username).order_by(User.display_name, User.id))]
    session.rollback()
    return users


def case_history(ctx: ServiceContext, actor: Actor, case_id: int,
                 filters: EventFilter | None = None) -> CaseHistory:
    """Every event of one case in order, with its change record. Reading it is recorded."""
    require_role(actor, Role.AUDITOR)
    filters = filters or EventFilter()
    session = ctx.session
    case = require_case_readable(actor, session.get(Case, case_id))
    number, person = case.number, case.person
    with ctx.transaction():
        audit.append(session, type_="case_viewed", at=ctx.now(), actor_id=actor.id,
                     case_id=case_id, details={"view": "history"})
    rows = session.execute(
        _event_query().add_columns(AuditChange.data_json, AuditChange.erased_by_seq,
                                   AuditChange.digest)
        .outerjoin(AuditChange, AuditChange.digest == AuditEvent.change_digest)
        .where(AuditEvent.case_id == case_id,
               *filters.conditions(session, use_case=False))
        # by time (sealed in each event's hash); the event number only breaks ties
        .order_by(AuditEvent.at, AuditEvent.seq)).all()
    types = sorted(session.scalars(select(AuditEvent.type).distinct()
                                   .where(AuditEvent.case_id == case_id)))
    actor_ids = set(session.scalars(select(AuditEvent.actor_id).distinct()
                                    .where(AuditEvent.case_id == case_id)))
    actors = [UserChoice(*row) for row in session.execute(
        select(User.id, User.display_name, User.username)
        .where(User.id.in_(actor_ids - {None})).order_by(User.display_name, User.id))]
    events = _with_facts(session, [_event(row) for row in rows])
    events = [_with_change(event, row) for event, row in zip(events, rows, strict=True)]
    case_chain = audit.chain_of("case_opened", None, case_id)
    events, breaks = _marked(session, events, also=case_chain, in_order=True)
    end = breaks.get(case_chain)
    owners = _owners(session, set(breaks))
    session.rollback()
    return CaseHistory(case_id=case_id, case_number=number, events=events, types=types,
                       actors=actors, system_acted=None in actor_ids,
                       end_problem=end.problem if end and end.seq is None else None,
                       owners=owners, person=person)


def _marked(session: Session, events: list[Event], *, also: str | None = None,
            in_order: bool = False) -> tuple[list[Event], dict[str, audit.ChainBreak]]:
    """Events marked where their chain breaks and after it. ``in_order``: a list in the
    order it is read (a case's history), where everything below a mark is marked too."""
    chains = {event.chain for event in events} | ({also} if also else set())
    breaks = audit.chain_breaks(session, chains, shown=[event.seq for event in events])
    marked, below = [], False
    for event in events:
        found = breaks.get(event.chain)
        if found and found.seq == event.seq:
            event = replace(event, integrity=BROKEN, problem=found.problem)
        elif (found and event.chain_seq > found.chain_seq) or below:
            event = replace(event, integrity=AFTER_BREAK)
        below = below or (in_order and event.integrity != VERIFIED)
        marked.append(event)
    return marked, breaks


def access_log(ctx: ServiceContext, actor: Actor, filters: EventFilter | None = None,
               cursor: Cursor | None = None) -> Page:
    """Who opened which case, or searched for cases, when: newest first."""
    require_role(actor, Role.AUDITOR)
    filters = filters or EventFilter()
    types = (filters.type,) if filters.type in ACCESS_TYPES else ACCESS_TYPES
    return _page(ctx, filters.conditions(ctx.session, use_type=False), cursor or Cursor(),
                 types=types)


def search_events(ctx: ServiceContext, actor: Actor, filters: EventFilter | None = None,
                  cursor: Cursor | None = None) -> Page:
    """Any events, newest first. Change-record values are not part of this list."""
    require_role(actor, Role.AUDITOR)
    filters = filters or EventFilter()
    return _page(ctx, filters.conditions(ctx.session), cursor or Cursor())


def export_events(ctx: ServiceContext, actor: Actor, filters: EventFilter | None,
                  format_: str) -> Export:
    """All events matching ``filters`` (no change-record values), oldest first.

    The export is a snapshot: it ends at the newest event when it was asked for
    (the export's own event and anything later are not in it). The export is recorded
    before the rows are read; ``rows`` reads them in batches while they are written out.
    """
    require_role(actor, Role.AUDITOR)
    if format_ not in EXPORT_FORMATS:
        raise InvalidInput("Unknown export format.")
    filters = filters or EventFilter()
    session = ctx.session
    last_seq = audit.last_seq(session)
    conditions = [AuditEvent.seq <= last_seq, *filters.conditions(session)]
    count = session.scalar(select(func.count()).select_from(AuditEvent)
                           .where(*conditions)) or 0
    with ctx.transaction():
        audit.append(session, type_="audit_exported", at=ctx.now(), actor_id=actor.id,
                     details={"format": format_, "filters": filters.as_details(),
                              "events": count})
    return Export(format=format_, count=count, rows=_export_rows(ctx, conditions))


def _export_rows(ctx: ServiceContext, conditions: Sequence[ColumnElement[bool]]
                 ) -> Iterator[Event]:
    session, after = ctx.session, 0
    try:
        while True:
            rows = session.execute(_event_query().where(AuditEvent.seq > after, *conditions)
                                   .order_by(AuditEvent.seq).limit(EXPORT_BATCH)).all()
            if not rows:
                return
            for row in rows:
                yield _event(row)
            after = rows[-1].seq
    finally:
        session.rollback()


def export_record(event: Event) -> dict[str, Any]:
    """One exported event: the columns of ``EXPORT_COLUMNS``, details as an object."""
    return {"seq": event.seq, "at": event.at.astimezone(UTC).isoformat(), "type": event.type,
            "actor": event.actor_username, "case": event.case_number,
            "details": event.details, "change_digest": event.change_digest,
            "hash": event.hash}


# --- reading ---------------------------------------------------------------------------

def _event_query():
    return (select(AuditEvent.seq, AuditEvent.at, AuditEvent.type, AuditEvent.actor_id,
                   User.display_name, User.username, AuditEvent.case_id, Case.number,
                   AuditEvent.details, AuditEvent.change_digest, AuditEvent.hash,
                   AuditEvent.chain, AuditEvent.chain_seq)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .outerjoin(Case, Case.id == AuditEvent.case_id))


def _event(row) -> Event:
    return Event(seq=row.seq, at=row.at, type=row.type, actor_id=row.actor_id,
                 actor_name=row.display_name, actor_username=row.username,
                 case_id=row.case_id, case_number=row.number, details=row.details or {},
                 change_digest=row.change_digest, hash=row.hash, chain=row.chain,
                 chain_seq=row.chain_seq)


def _page(ctx: ServiceContext, conditions: list[ColumnElement[bool]], cursor: Cursor,
          types: Sequence[str] = ()) -> Page:
    """PAGE_SIZE events from the cursor on, by event number (the order written), read
    along an index that holds them in that order: the primary key, or (type, seq),
    (actor, seq), (case, seq). Several ``types`` are read type by type (each a range of
    its index, at most a page each) and merged, so no query sorts a million rows."""
    session = ctx.session
    newer_first = cursor.after is None
    rows = _seqs(session, conditions, cursor, types, PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    seqs = rows[:PAGE_SIZE] if newer_first else rows[:PAGE_SIZE][::-1]
    found = {row.seq: row for row in session.execute(
        _event_query().where(AuditEvent.seq.in_(seqs)))} if seqs else {}
    events = _with_facts(session, [_event(found[seq]) for seq in seqs])
    events, breaks = _marked(session, events)
    owners = _owners(session, set(breaks))
    if seqs:
        newer = seqs[0] if (not newer_first and more) or (newer_first and _any(
            session, conditions, Cursor(after=seqs[0]), types)) else None
        older = seqs[-1] if (newer_first and more) or (not newer_first and _any(
            session, conditions, Cursor(before=seqs[-1]), types)) else None
    else:  # nothing from here on: link back to what there is
        newer = cursor.before if cursor.before is not None and _any(
            session, conditions, Cursor(after=cursor.before - 1), types) else None
        older = cursor.after if cursor.after is not None and _any(
            session, conditions, Cursor(before=cursor.after + 1), types) else None
    session.rollback()
    return Page(events=events, per_page=PAGE_SIZE, newer=newer, older=older, owners=owners)


def _seqs(session: Session, conditions: Sequence[ColumnElement[bool]], cursor: Cursor,
          types: Sequence[str], limit: int) -> list[int]:
    """The numbers of the first ``limit`` matching events from the cursor on: newest first
    (before a number, or from the newest), oldest first after a number."""
    if cursor.after is not None:
        where, order = [AuditEvent.seq > cursor.after], AuditEvent.seq.asc()
    else:
        where = [AuditEvent.seq < cursor.before] if cursor.before is not None else []
        order = AuditEvent.seq.desc()
    if not types:
        return list(session.scalars(select(AuditEvent.seq).where(*conditions, *where)
                                    .order_by(order).limit(limit)))
    merged = {seq for type_ in types for seq in session.scalars(
        select(AuditEvent.seq).where(AuditEvent.type == type_, *conditions, *where)
        .order_by(order).limit(limit))}
    return sorted(merged, reverse=cursor.after is None)[:limit]


def _any(session: Session, conditions: Sequence[ColumnElement[bool]], cursor: Cursor,
         types: Sequence[str]) -> bool:
    return bool(_seqs(session, conditions, cursor, types, 1))


def _ids(values: Any) -> set[int]:
    items = values if isinstance(values, list) else [values]
    return {v for v in items if isinstance(v, int) and not isinstance(v, bool)}


def _with_facts(session: Session, events: list[Event]) -> list[Event]:
    """Details for reading: user, team and case ids as names, steps as their titles."""
    user_ids: set[int] = set()
    team_ids: set[int] = set()
    case_ids: set[int] = set()
    course_ids: set[int] = set()
    provider_ids: set[int] = set()
    for event in events:
        for key, value in event.details.items():
            if key in USER_KEYS or key in USER_KEYS_BY_TYPE.get(event.type, ()):
                user_ids |= _ids(value)
            elif key in TEAM_KEYS:
                team_ids |= _ids(value)
            elif key == "cases" and event.type == "cases_searched":
                case_ids |= _ids(value)
            elif key in COURSE_KEYS:
                course_ids |= _ids(value)
            elif key in PROVIDER_KEYS:
                provider_ids |= _ids(value)
            elif key == "filters" and isinstance(value, dict):
                user_ids |= _ids(value.get("actor"))
    users = _lookup(session, User.id, User.display_name, user_ids)
    teams = _lookup(session, Team.id, Team.name, team_ids)
    numbers = _lookup(session, Case.id, Case.number, case_ids)
    courses = _lookup(session, Course.id, Course.title, course_ids)
    providers = _lookup(session, Provider.id, Provider.name, provider_ids)
    step_cases = {e.case_id for e in events if e.case_id is not None
                  and any(k in e.details for k in (*STEP_KEYS, *STEP_LIST_KEYS))}
    steps: dict[tuple[int, str], tuple[str, str]] = {}  # (case, bpmn id) -> title, form
    if step_cases:
        steps = {(c, b): (t, f) for c, b, t, f in session.execute(
            select(HumanTask.case_id, HumanTask.bpmn_id, HumanTask.title, HumanTask.form_key)
            .where(HumanTask.case_id.in_(step_cases)))}

    def shown(event: Event, key: str, value: Any) -> Any:
        if key in USER_KEYS or key in USER_KEYS_BY_TYPE.get(event.type, ()):
            return _mapped(value, users)
        if key in TEAM_KEYS:
            return _mapped(value, teams)
        if key == "cases" and event.type == "cases_searched":
            return _mapped(value, numbers)
        if key in COURSE_KEYS:
            return _mapped(value, courses)
        if key in PROVIDER_KEYS:
            return _mapped(value, providers)
        if key == "filters" and isinstance(value, dict) and "actor" in value:
            return {**value, "actor": _mapped(value["actor"], users)}
        if key in STEP_KEYS or key in STEP_LIST_KEYS:
            return _mapped(value, {b: t for (c, b), (t, _f) in steps.items()
                                   if c == event.case_id})
        return value

    def first(key: str) -> int:
        return 0 if key in STEP_KEYS else 1

    def form_key(event: Event) -> str | None:
        task = event.details.get("task")
        found = steps.get((event.case_id, task)) if isinstance(task, str) else None
        return event.details.get("form") or (found[1] if found else None)

    return [replace(event, form_key=form_key(event),
                    facts=tuple((k, shown(event, k, v)) for k, v in
                                sorted(event.details.items(), key=lambda kv: first(kv[0]))))
            for event in events]


def _lookup(session: Session, key, value, ids: set[int]) -> dict:
    if not ids:
        return {}
    return dict(session.execute(select(key, value).where(key.in_(ids))).all())


def _mapped(value: Any, names: dict) -> Any:
    if isinstance(value, list):
        return [names.get(v, v) for v in value]
    return names.get(value, value)


def _with_change(event: Event, row) -> Event:
    if not event.change_digest:
        return event
    if row.digest is None:
        return replace(event, change=Change(state="missing"))
    if row.data_json is None:
        return replace(event, change=Change(state="erased", erased_by_seq=row.erased_by_seq))
    data = json.loads(row.data_json)
    if isinstance(data, dict) and data and all(
            isinstance(v, dict) and set(v) == {"old", "new"} for v in data.values()):
        return replace(event, change=Change(state="recorded", diffs=tuple(
            (key, value["old"], value["new"]) for key, value in data.items())))
    return replace(event, change=Change(state="recorded", values=tuple(_flatten(data))))


def _flatten(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _flatten(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip(".") or "value", data

"""Opening, finding and reading cases."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, select, union

from caseapp.models import Case, HumanTask, NameWord, Person, ProcessInstance, Referral, User
from domain.vocabulary import CaseStatus, Role, TaskState, lane_role
from forms.control_characters import nfc
from forms.validators import parse_day
from workflows import ScriptStopped, Step

from . import audit, follow_up, process_state
from .actor import Actor
from .authz import require_case_readable, require_role, require_writer
from .context import ServiceContext
from .errors import Conflict, InvalidInput, ProcessUnavailable
from .locking import lock_case
from .name_matching import fold_name, name_words, similar
from .process_versions import newest_version
from .script_stops import process_stopped


@dataclass(frozen=True)
class NewCase:
    """The intake form's data; the person's part is audited only in an erasable change record."""

    given_names: str
    family_name: str
    birth_date: date
    municipality: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class PossibleDuplicate:
    """A probable duplicate; one in another team comes without id, number or name."""

    case_id: int | None  # None when the match is in another team (not disclosed)
    number: str | None
    name: str | None


def find_duplicates(ctx: ServiceContext, actor: Actor, given_names: str, family_name: str,
                    birth_date: date) -> list[PossibleDuplicate]:
    """Same date of birth and a similar name. Other teams' matches are only counted."""
    require_writer(actor)
    rows = ctx.session.execute(
        select(Case.id, Case.number, Case.team_id, Person.given_names, Person.family_name)
        .join(Person, Person.id == Case.person_id)
        .where(Person.birth_date == birth_date, Person.erased_at.is_(None))).all()
    found = []
    for case_id, number, team_id, given, family in rows:
        if not (similar(family or "", family_name) and
                (similar(given or "", given_names, 0.6) or not given_names)):
            continue
        if team_id == actor.team_id:
            found.append(PossibleDuplicate(case_id, number, f"{given} {family}"))
        else:
            found.append(PossibleDuplicate(None, None, None))
    elsewhere = sum(1 for match in found if match.case_id is None)
    if elsewhere:
        # The hint tells that such a person is known to another team: who was told is
        # recorded (the number of matches only; the name and birth date are personal data).
        with ctx.transaction() as session:
            audit.append(session, type_="duplicate_hint_elsewhere", at=ctx.now(),
                         actor_id=actor.id, details={"matches": elsewhere})
    return found


def open_case(ctx: ServiceContext, actor: Actor, new: NewCase) -> Case:
    """A writer's intake, audited: the case is theirs and their team's, on the newest
    deployed process version (services/process_versions.py)."""
    require_writer(actor)
    now = ctx.now()
    with ctx.transaction() as session:
        process_state.ensure_version_stored(session, ctx.engine, now)
        version = newest_version(session)
        if version is None:
            raise ProcessUnavailable("New cases cannot be opened: the process files could not "
                                     "be loaded. Please tell an admin.")
        person = Person(given_names=nfc(new.given_names).strip(),
                        family_name=nfc(new.family_name).strip(),
                        family_key=fold_name(new.family_name)[:200], birth_date=new.birth_date,
                        phone=new.phone or None, email=new.email or None,
                        name_words=[NameWord(word=w) for w in
                                    name_words(new.given_names, new.family_name)])
        # The number comes from the case's id: a unique stand-in until the one flush
        # that gives person and case their ids; the commit writes everything else.
        case = Case(number=f"pending-{secrets.token_hex(6)}", person=person,
                    team_id=actor.team_id, assignee_id=actor.id, status=CaseStatus.OPEN,
                    municipality=new.municipality.strip(), opened_at=now, updated_at=now)
        session.add(case)
        session.flush()
        case.number = f"{now.year}-{case.id:05d}"
        try:
            run = ctx.engine.start({
                # The current process times the follow-up by the date the referral step sets
                # (services/follow_up.py); a version that waits a duration reads this period.
                "follow_up_period": ctx.settings.follow_up_period,
                "follow_up_grace_period": ctx.settings.follow_up_grace_period,
                # An age, not the birth date: the referral rules need no more than that.
                "age_at_intake": _age(new.birth_date, now.date()),
                # The rules count the years since arrival up to this day (MBE: three years).
                "intake_date": now.date(),
            }, now=now, version=version)
        except ScriptStopped as exc:
            raise process_stopped(exc) from None
        instance = ProcessInstance(case_id=case.id, version=run.version, state_json="")
        session.add(instance)
        process_state.sync(session, case, instance, run, now, actor.id)
        audit.append(session, type_="case_opened", at=now, actor_id=actor.id, case_id=case.id,
                     details={"number": case.number, "process_version": run.version,
                              "team_id": case.team_id},
                     change={"person": {"given_names": person.given_names,
                                        "family_name": person.family_name,
                                        "birth_date": person.birth_date.isoformat(),
                                        "phone": person.phone, "email": person.email},
                             "municipality": case.municipality})
    return case


@dataclass(frozen=True)
class StepStatus:
    """A step of the case's own process version, for the page's done/current/to-come list."""

    step: Step
    status: str  # "done", "current" or "todo"


@dataclass(frozen=True)
class CaseView:
    """A case read in one transaction, with the row version its forms must send back."""

    case: Case
    tasks: list[HumanTask]
    done: list[HumanTask]
    steps: list[StepStatus]
    names: dict[int, str]
    row_version: int
    referrals: list[Referral]
    follow_up_due: datetime | None = None  # while the case waits for its follow-up


def view_case(ctx: ServiceContext, actor: Actor, case_id: int) -> CaseView:
    """Everything the case page shows. Reading a case is an audit event too."""
    now = ctx.now()
    with ctx.transaction() as session:
        case = require_case_readable(actor, session.get(Case, case_id))
        tasks = session.scalars(select(HumanTask).where(HumanTask.case_id == case_id)
                                .order_by(HumanTask.created_at, HumanTask.id)).all()
        instance = session.execute(select(ProcessInstance.version, ProcessInstance.row_version)
                                   .where(ProcessInstance.case_id == case_id)).one()
        user_ids = {t.completed_by_id for t in tasks} | {t.assignee_id for t in tasks} | \
            {t.draft_saved_by_id for t in tasks} | {case.assignee_id, case.person.erased_by_id}
        names = dict(session.execute(select(User.id, User.display_name)
                                     .where(User.id.in_(user_ids - {None}))).all())
        referrals = session.scalars(select(Referral).where(Referral.case_id == case_id)
                                    .order_by(Referral.created_at, Referral.id)).all()
        audit.append(session, type_="case_viewed", at=now, actor_id=actor.id, case_id=case_id)
    ready = [t for t in tasks if t.state == TaskState.READY]
    done = [t for t in tasks if t.state == TaskState.COMPLETED]
    last_done = max(done, key=lambda t: (t.completed_at, t.id), default=None)
    waits_for_follow_up = (case.status == CaseStatus.OPEN and not ready and last_done
                           and last_done.bpmn_id == follow_up.REFERRAL_STEP)
    return CaseView(case=case, tasks=ready, done=done,
                    steps=_step_statuses(ctx.engine.outline(instance.version), ready, done),
                    names=names, row_version=instance.row_version, referrals=list(referrals),
                    follow_up_due=case.due_at if waits_for_follow_up else None)


def _step_statuses(outline: list[Step], ready: list[HumanTask],
                   done: list[HumanTask]) -> list[StepStatus]:
    current = {t.bpmn_id for t in ready}
    finished = {t.bpmn_id for t in done}
    return [StepStatus(step, "current" if step.bpmn_id in current
                       else "done" if step.bpmn_id in finished else "todo")
            for step in outline
            if lane_role(step.lane) == Role.COUNSELLOR or step.bpmn_id in current | finished]


def case_id_by_number(ctx: ServiceContext, actor: Actor, number: str) -> int:
    """The id of the case numbered ``number`` (the command line names cases by number)."""
    case = ctx.session.scalars(select(Case).where(Case.number == number.strip())).first()
    case_id = require_case_readable(actor, case).id
    ctx.session.rollback()
    return case_id


# A case number is the year and the case id ("2026-00004"); digits alone name the id.
CASE_ID_DIGITS = 9


def search_cases(ctx: ServiceContext, actor: Actor, query: str, limit: int = 50) -> list[Case]:
    """By case number, family or given name, or date of birth (YYYY-MM-DD or DD.MM.YYYY).

    Each kind of match is one lookup by index (the number, the id, the birth date, the
    name words), and only the cases found are read and sorted: the search never walks
    all of a team's cases.
    """
    query = query.strip()
    team = [] if actor.role == Role.AUDITOR else [Case.team_id == actor.team_id]
    found_by = [Case.number == query]
    if query.isdecimal() and len(query) <= CASE_ID_DIGITS:
        # "4" or "00004" finds 2026-00004 (isdecimal, not isdigit, which would take "²")
        number = int(query)
        found_by.append(and_(Case.id == number, Case.number.endswith(f"-{number:05d}")))
    birth = parse_day(query)
    if birth:
        found_by.append(Case.person_id.in_(select(Person.id).where(Person.birth_date == birth)))
    words = fold_name(query).split()
    if words:
        # Every word starts a word of the family or given names: "Amina Haddad", "Haddad,
        # Amina", "Oeztuerk" for "Öztürk"; in the database, by the index of name words.
        first, *others = words
        found_by.append(Case.person_id.in_(select(NameWord.person_id).where(
            NameWord.word >= first, NameWord.word < _after(first),
            *(NameWord.person_id.in_(select(NameWord.person_id).where(
                NameWord.word >= w, NameWord.word < _after(w))) for w in others))))
    # One lookup by index for each kind of match (cases(person_id, team_id, updated_at)
    # holds what the team filter and the order need), merged; only then sorted.
    hits = union(*(select(Case.id, Case.updated_at).where(condition, *team)
                   for condition in found_by)).subquery()
    with ctx.transaction() as session:
        newest = list(session.scalars(select(hits.c.id).order_by(
            hits.c.updated_at.desc(), hits.c.id.desc()).limit(limit)))
        loaded = {case.id: case for case in session.scalars(
            select(Case).where(Case.id.in_(newest)))} if newest else {}
        found = [loaded[case_id] for case_id in newest]
        # Search results show names and birth dates: who searched is recorded (the query
        # itself is personal data, so only the cases shown are named).
        audit.append(session, type_="cases_searched", at=ctx.now(), actor_id=actor.id,
                     details={"cases": [c.id for c in found]})
    return found


def _after(word: str) -> str:
    """The first folded word that no longer starts with `word` (folded words are a-z and 0-9)."""
    return word[:-1] + chr(ord(word[-1]) + 1)


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


REOPEN_STEP = follow_up.REFERRAL_STEP  # a reopened case goes back to the referral step


def reopen_case(ctx: ServiceContext, actor: Actor, case_id: int, reason: str) -> Case:
    """A team lead reopens a closed case: it goes back to the referral step."""
    require_role(actor, Role.TEAM_LEAD)
    if not reason.strip():
        raise InvalidInput("Please give a reason.")
    now = ctx.now()
    with ctx.transaction() as session:
        case = require_case_readable(actor, lock_case(session, case_id))
        if case.status != CaseStatus.CLOSED:
            raise Conflict("This case is open.")
        if case.person.erased_at is not None:
            raise Conflict("The personal data of this case were erased: it cannot be "
                           "reopened. Open a new case if the person comes back.")
        instance = session.scalars(select(ProcessInstance)
                                   .where(ProcessInstance.case_id == case.id)).one()
        run = ctx.engine.load(instance.version, instance.state_json)
        run.reset_to(REOPEN_STEP)
        case.status, case.closed_at, case.referral_outcome = CaseStatus.OPEN, None, None
        process_state.sync(session, case, instance, run, now, actor.id)
        audit.append(session, type_="case_reopened", at=now, actor_id=actor.id,
                     case_id=case.id, details={"to_step": REOPEN_STEP},
                     change={"reason": reason.strip()})
    return case

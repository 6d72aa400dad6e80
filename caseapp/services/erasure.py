"""Erasure of a person's data (Art. 17 DSGVO), keeping the audit trail verifiable.

Every personal value of the case's person goes: the person's row (names, birth date,
contact, the folded family name, the name words search reads), the answers in the
workflow state, in the task rows (submitted data, drafts, copied context), referral notes,
the transfer note, the case among anyone's recent cases, and the values of every change
record of the case, which are blanked and marked with the erasure event. What statistics
need stays: the case's columns (municipality, levels, course types, outcome, dates) and the
non-personal answers (forms/field_classes.py). The events and their digests stay, so
``audit verify`` still passes and reports the erased records. An open case is closed: its
open steps are withdrawn, its timers stop and its waiting places end.

On SQLite every connection deletes securely (caseapp/db.py) and the erasure ends with a
WAL checkpoint, so no erased value stays readable in the database files; PostgreSQL keeps
dead row versions until VACUUM (docs/datenschutz/loeschkonzept.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from caseapp.db import checkpoint_wal
from caseapp.models import (
    AuditChange,
    Case,
    NameWord,
    ProcessInstance,
    RecentCase,
    Referral,
)
from domain.vocabulary import CaseStatus, ErasureCause, Role, TaskState
from forms import personal_fields

from . import audit
from .actor import Actor
from .authz import require_case_readable, require_role
from .context import ServiceContext
from .errors import Conflict, InvalidInput
from .locking import lock_case, lock_case_tasks
from .process_state import release_places

REASON_MAX = 500


@dataclass(frozen=True)
class Erasure:
    """What one erasure did: the case, its erasure event and how many records it blanked."""

    case_id: int
    number: str
    event_seq: int
    change_records: int


@dataclass(frozen=True)
class ErasureRequest:
    """What the confirmation page names: the case, its person, whether it is still open."""

    case_id: int
    number: str
    name: str | None  # None once erased
    is_open: bool
    erased: bool


def erasure_request(ctx: ServiceContext, actor: Actor, case_id: int) -> ErasureRequest:
    """The case a team lead is about to erase, for the confirmation step (nothing changes)."""
    require_role(actor, Role.TEAM_LEAD)
    case = require_case_readable(actor, ctx.session.get(Case, case_id))
    person = case.person
    name = ", ".join(p for p in (person.family_name, person.given_names) if p) or None
    request = ErasureRequest(case.id, case.number, name, case.status == CaseStatus.OPEN,
                             person.erased_at is not None)
    ctx.session.rollback()
    return request


def erase_personal_data(ctx: ServiceContext, actor: Actor, case_id: int,
                        reason: str) -> Erasure:
    """A team lead erases the person of one of the team's cases, on request, with a reason."""
    require_role(actor, Role.TEAM_LEAD)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Please give a reason.")
    if len(reason) > REASON_MAX:
        raise InvalidInput("The reason may be at most %(max)s characters long.", max=REASON_MAX)
    with ctx.transaction() as session:
        case = require_case_readable(actor, lock_case(session, case_id))
        done = erase_case(ctx, session, case, actor, reason, ctx.now())
    checkpoint_wal(session.get_bind())
    return done


def erase_case(ctx: ServiceContext, session: Session, case: Case, actor: Actor, reason: str,
               now: datetime, rule: str | None = None) -> Erasure:
    """Erase the locked ``case``'s person inside the caller's transaction (the request above,
    or the retention rule with the system actor and the ``rule`` that made it due)."""
    person = case.person
    if person.erased_at is not None:
        raise Conflict("The personal data of this case were already erased.")
    blanked = personal_fields()
    person.given_names = person.family_name = person.family_key = None
    person.birth_date = None
    person.phone = person.email = None
    person.erased_at, person.erased_by_id = now, actor.id or None
    session.execute(delete(NameWord).where(NameWord.person_id == person.id))
    was_open = case.status == CaseStatus.OPEN
    for task in lock_case_tasks(session, case):
        task.data_json = _without(task.data_json, blanked)
        task.context_json = _without(task.context_json, blanked)
        task.draft_json = None
        if task.state == TaskState.READY:
            task.state = TaskState.CANCELLED  # nobody works on an erased person's case
    instance = session.scalars(select(ProcessInstance)
                               .where(ProcessInstance.case_id == case.id)).one()
    run = ctx.engine.load(instance.version, instance.state_json)
    run.blank(blanked)
    instance.state_json = run.dumps()
    instance.next_timer_at = None  # its timers stop: the worker never loads it again
    if was_open:
        case.status, case.closed_at = CaseStatus.CLOSED, now
        release_places(session, case, now)  # waiting places end, offered seats go onwards
    case.current_step = case.current_step_title = case.due_at = None
    session.execute(update(Referral).where(Referral.case_id == case.id,
                                           Referral.note.is_not(None)).values(note=None))
    case.transfer_note = None
    case.transfer_to_team_id = case.transfer_requested_at = None
    case.updated_at = now
    event = audit.append(session, type_=audit.ERASURE_EVENT, at=now, actor_id=actor.id or None,
                         case_id=case.id,
                         details={"by": ErasureCause.RETENTION if rule
                                  else ErasureCause.REQUEST,
                                  **({"rule": rule} if rule else {}),
                                  **({"closed": True} if was_open else {})},
                         change={"reason": reason})
    session.flush()
    erased = session.execute(
        update(AuditChange).where(AuditChange.case_id == case.id,
                                  AuditChange.data_json.is_not(None),
                                  AuditChange.digest != event.change_digest)
        .values(data_json=None, salt=None, erased_by_seq=event.seq)
        .execution_options(synchronize_session=False)).rowcount
    # The case leaves everyone's recent cases (the erasure itself just put it there).
    session.execute(delete(RecentCase).where(RecentCase.case_id == case.id)
                    .execution_options(synchronize_session=False))
    return Erasure(case.id, case.number, event.seq, erased)


def _without(data_json: str | None, names: frozenset[str]) -> str | None:
    if not data_json:
        return data_json
    data = json.loads(data_json)
    return json.dumps({key: None if key in names else value for key, value in data.items()},
                      default=str, ensure_ascii=False, sort_keys=True)


__all__ = ["Erasure", "ErasureRequest", "erase_case", "erase_personal_data",
           "erasure_request"]

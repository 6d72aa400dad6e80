"""The hash-chained audit trail.

Each event's hash covers its own content and the previous event's hash, so
editing or deleting any row breaks the chain at that point. Events hold no
personal data in the clear: values (old -> new) go into an :class:`AuditChange`
referenced by digest, which erasure can delete without breaking the chain.

Appends are serialized by locking the single ``audit_head`` row (``FOR UPDATE``
on PostgreSQL; SQLite already serializes writers), so concurrent actions can
never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseapp.models import AuditChange, AuditEvent, AuditHead

GENESIS = "0" * 64
ERASURE_EVENT = "data_erased"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def event_hash(seq: int, at: datetime, type_: str, actor_id: int | None, case_id: int | None,
               details: dict, change_digest: str | None, prev_hash: str) -> str:
    content = _canonical({
        "seq": seq, "at": at.isoformat(), "type": type_, "actor": actor_id, "case": case_id,
        "details": details, "change": change_digest, "prev": prev_hash,
    })
    return hashlib.sha256(content.encode()).hexdigest()


def change_digest(salt: str, data_json: str) -> str:
    return hashlib.sha256((salt + data_json).encode()).hexdigest()


def append(session: Session, *, type_: str, at: datetime, actor_id: int | None,
           case_id: int | None = None, details: dict | None = None,
           change: dict | None = None) -> AuditEvent:
    """Append one event (and its change record). Call inside the action's transaction."""
    # Stored exactly as hashed: dates become ISO strings, tuples lists.
    details = json.loads(_canonical(details or {}))
    digest = None
    if change:
        salt = secrets.token_hex(16)
        data_json = _canonical(change)
        digest = change_digest(salt, data_json)
        session.add(AuditChange(digest=digest, case_id=case_id, salt=salt, data_json=data_json))
    session.flush()  # pending rows first, so the head lock is held as briefly as possible
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    seq = head.last_seq + 1
    actor = actor_id or None
    event = AuditEvent(seq=seq, at=at, type=type_, actor_id=actor, case_id=case_id,
                       details=details, change_digest=digest, prev_hash=head.last_hash,
                       hash=event_hash(seq, at, type_, actor, case_id, details, digest,
                                       head.last_hash))
    session.add(event)
    head.last_seq, head.last_hash = seq, event.hash
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    erased_changes: int
    first_broken_seq: int | None = None
    problem: str | None = None

    def summary(self) -> str:
        if self.ok:
            erased = (f", {self.erased_changes} change record(s) erased"
                      if self.erased_changes else "")
            return f"Audit chain intact: {self.events} event(s) verified{erased}."
        return f"Audit chain BROKEN at event {self.first_broken_seq}: {self.problem}"


def verify_chain(session: Session, batch: int = 1000) -> ChainReport:
    """Walk every event in order, recomputing hashes, links and change digests."""
    prev_hash, expected_seq, count, erased = GENESIS, 1, 0, 0
    erasures: dict[int, int | None] = {}  # seq of each erasure event -> its case
    claimed_erasures: dict[int, tuple[int, int | None]] = {}  # erasure seq -> (event, case)
    rows = session.execute(
        select(AuditEvent, AuditChange)
        .outerjoin(AuditChange, AuditChange.digest == AuditEvent.change_digest)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch))
    for event, change in rows:
        count += 1
        broken = None
        if event.seq != expected_seq:
            broken = f"event {expected_seq} is missing"
        elif event.prev_hash != prev_hash:
            broken = "its link to the previous event does not match"
        elif event.hash != event_hash(event.seq, event.at, event.type, event.actor_id,
                                      event.case_id, event.details, event.change_digest,
                                      event.prev_hash):
            broken = "its content was changed after it was written"
        elif event.change_digest:
            if change is None:
                broken = "its change record was deleted without an erasure"
            elif change.data_json is None:
                if change.erased_by_seq is None or change.erased_by_seq <= event.seq:
                    broken = "its change record was blanked without an erasure"
                else:
                    erased += 1
                    claimed_erasures.setdefault(change.erased_by_seq, (event.seq, event.case_id))
            elif change_digest(change.salt or "", change.data_json) != event.change_digest:
                broken = "its change record was edited"
        if event.type == ERASURE_EVENT:
            erasures[event.seq] = event.case_id
        if broken:
            return ChainReport(False, count, erased, event.seq if event.seq == expected_seq
                               else expected_seq, broken)
        prev_hash, expected_seq = event.hash, event.seq + 1
    for erasure_seq, (event_seq, case_id) in sorted(claimed_erasures.items(),
                                                    key=lambda item: item[1]):
        if erasures.get(erasure_seq, -1) != case_id:
            return ChainReport(False, count, erased, event_seq,
                               f"its change record claims erasure by event {erasure_seq}, "
                               "which is no erasure of this case")
    head = session.get(AuditHead, 1)
    last_seq = head.last_seq if head else 0
    if last_seq != expected_seq - 1 or (head and head.last_hash != prev_hash):
        return ChainReport(False, count, erased, expected_seq,
                           f"the chain should end at event {last_seq}; later events are missing")
    return ChainReport(True, count, erased)

"""The audit trail: one keyed hash chain per case, per user and for the system.

Each event's ``hash`` is an HMAC (keyed with ``ANKOMMEN_AUDIT_KEY``, which is not in the
database) over its content and the previous event of its chain, so editing, deleting,
inserting or reordering an event breaks its chain, and nobody without the key can
recompute one. A case's events are appended under the case-row lock the action already
holds; reading (``ACCESS_EVENTS``) and events without a case go to the actor's chain, so
no action, and no page view, waits on a row shared by the installation.

A chain's tail could still be cut off together with its head row; checkpoints close that:
the worker seals every few minutes (and ``flask audit checkpoint`` on demand) the heads
that moved, HMAC-keyed and linked to the previous checkpoint, and can export them to a file
kept outside the database. ``verify_trail`` checks events, heads and checkpoints.

Events hold no personal data in the clear: values (old -> new) go into an
:class:`AuditChange` referenced by a salted digest, which erasure can blank without
breaking the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from caseapp.models import (
    AuditChain,
    AuditChange,
    AuditCheckpoint,
    AuditEvent,
    AuditSeal,
    AuditVerified,
)
from domain.vocabulary import CHAIN_PROBLEM_TEXTS, ChainProblem

from . import recent_cases

GENESIS = "0" * 64
ERASURE_EVENT = "data_erased"
# Reading is recorded in the reader's chain: a page view never locks the case it shows.
ACCESS_EVENTS = ("case_viewed", "cases_searched")
# The single chain written before per-case chains existed (schema 0005 moved it here).
LEGACY_CHAIN = "legacy"
SYSTEM_CHAIN = "system"

_KEY = "audit_key"
_HEADS = "audit_heads"  # chain heads this transaction has locked, by chain name


def configure(sessions: sessionmaker, key: str) -> None:
    """Give every session of ``sessions`` the audit key, and forget locked heads when its
    transaction ends."""
    if not key:
        raise RuntimeError("ANKOMMEN_AUDIT_KEY is not set: the audit trail cannot be sealed")
    sessions.configure(info={_KEY: key.encode()})
    sa_event.listen(sessions, "after_transaction_end", _forget_heads)
    sa_event.listen(sessions, "after_soft_rollback", _forget_heads_rolled_back)


def _forget_heads(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HEADS, None)


def _forget_heads_rolled_back(session: Session, _transaction) -> None:
    """A rolled-back savepoint may have created or moved a head: read them again (the
    locks are still held)."""
    session.info.pop(_HEADS, None)


def _key(session: Session) -> bytes:
    key = session.info.get(_KEY)
    if not key:
        raise RuntimeError("no audit key configured for this session (ANKOMMEN_AUDIT_KEY)")
    return key


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def _mac(key: bytes, content: Any) -> str:
    return hmac.new(key, _canonical(content).encode(), hashlib.sha256).hexdigest()


def event_hash(key: bytes, chain: str, chain_seq: int, at: datetime, type_: str,
               actor_id: int | None, case_id: int | None, details: dict,
               change_digest: str | None, prev_hash: str) -> str:
    """An event's keyed hash over its content, its place in its chain and the previous hash."""
    return _mac(key, {"chain": chain, "seq": chain_seq, "at": at.isoformat(), "type": type_,
                      "actor": actor_id, "case": case_id, "details": details,
                      "change": change_digest, "prev": prev_hash})


def _legacy_hash(seq: int, at: datetime, type_: str, actor_id: int | None,
                 case_id: int | None, details: dict, change_digest: str | None,
                 prev_hash: str) -> str:
    """How the single chain of schemas before 0005 was hashed (unkeyed; sealed since)."""
    content = _canonical({
        "seq": seq, "at": at.isoformat(), "type": type_, "actor": actor_id, "case": case_id,
        "details": details, "change": change_digest, "prev": prev_hash,
    })
    return hashlib.sha256(content.encode()).hexdigest()


def change_digest(salt: str, data_json: str) -> str:
    """What an event keeps of its change record: salted, so erased values stay unguessable."""
    return hashlib.sha256((salt + data_json).encode()).hexdigest()


def chain_of(type_: str, actor_id: int | None, case_id: int | None) -> str:
    """A case's own events in its chain; reading and case-less events in the actor's."""
    if case_id is not None and type_ not in ACCESS_EVENTS:
        return f"case:{case_id}"
    return f"user:{actor_id}" if actor_id else SYSTEM_CHAIN


def append(session: Session, *, type_: str, at: datetime, actor_id: int | None,
           case_id: int | None = None, details: dict | None = None,
           change: dict | None = None) -> AuditEvent:
    """Append one event (and its change record). Call inside the action's transaction,
    after its other locks (the chain head is the last lock an action takes)."""
    key = _key(session)
    actor = actor_id or None
    if actor is not None and case_id is not None:
        # Whoever acts on a case or reads it has it among their recent cases.
        recent_cases.touch(session, actor, case_id, at)
    chain = chain_of(type_, actor, case_id)
    # Stored exactly as hashed: dates become ISO strings, tuples lists.
    details = json.loads(_canonical(details or {}))
    digest = None
    if change:
        salt = secrets.token_hex(16)
        data_json = _canonical(change)
        digest = change_digest(salt, data_json)
        session.add(AuditChange(digest=digest, case_id=case_id, salt=salt, data_json=data_json))
    head = _locked_head(session, chain)
    seq = head.last_seq + 1
    event = AuditEvent(chain=chain, chain_seq=seq, at=at, type=type_, actor_id=actor,
                       case_id=case_id, details=details, change_digest=digest,
                       prev_hash=head.last_hash,
                       hash=event_hash(key, chain, seq, at, type_, actor, case_id, details,
                                       digest, head.last_hash))
    session.add(event)
    head.last_seq, head.last_hash = seq, event.hash
    return event


def _locked_head(session: Session, chain: str) -> AuditChain:
    """The chain's head row, locked for this transaction (created on first use)."""
    heads = session.info.setdefault(_HEADS, {})
    head = heads.get(chain)
    if head is None:
        lock = {"key_share": True}  # FOR NO KEY UPDATE: foreign keys to it stay unblocked
        head = session.get(AuditChain, chain, with_for_update=lock, populate_existing=True)
        if head is None:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" \
                else sqlite_insert
            session.execute(insert(AuditChain).values(chain=chain, last_seq=0,
                                                      last_hash=GENESIS)
                            .on_conflict_do_nothing(index_elements=["chain"]))
            head = session.get(AuditChain, chain, with_for_update=lock,
                               populate_existing=True)
        heads[chain] = head
    return head


# --- checkpoints -------------------------------------------------------------------------

def checkpoint_mac(key: bytes, checkpoint_id: int, at: datetime, heads: dict,
                   prev_mac: str) -> str:
    """A checkpoint's MAC over the heads it seals, linked to the previous checkpoint's."""
    return _mac(key, {"id": checkpoint_id, "at": at.isoformat(), "heads": heads,
                      "prev": prev_mac})


def seal_mac(key: bytes, chain: str, chain_seq: int, hash_: str, checkpoint_id: int) -> str:
    """A seal's MAC, so a forged seal cannot make a moved chain look sealed."""
    return _mac(key, {"chain": chain, "seq": chain_seq, "hash": hash_,
                      "checkpoint": checkpoint_id})


def write_checkpoint(session: Session, at: datetime, *, first: bool = False
                     ) -> AuditCheckpoint | None:
    """Seal every chain head that moved since the last checkpoint (None if none moved).

    ``first``: the installation's checkpoint 1, written by ``init-db`` even when there is
    nothing to seal yet (it seals the legacy chain of an upgraded database), so a trail
    whose checkpoints were all deleted never looks like one that had none.

    Reads the heads without locking them, so appends go on meanwhile; what they add is in
    the next checkpoint. What was sealed comes from the seals, each keyed, so forged seals
    cannot make a moved chain look sealed. Two writers at once: the second fails on the
    checkpoint's primary key and writes nothing.
    """
    key = _key(session)
    last = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())
                           .limit(1)).first()
    if first and last is not None:
        return None
    checkpoint_id = (last.id + 1) if last else 1
    seals = {seal.chain: seal for seal in session.scalars(select(AuditSeal))}
    moved = {}
    for chain, seq, hash_ in session.execute(
            select(AuditChain.chain, AuditChain.last_seq, AuditChain.last_hash)
            .order_by(AuditChain.chain)):
        seal = seals.get(chain)
        if seal is not None and (seal.chain_seq, seal.hash) == (seq, hash_) and \
                hmac.compare_digest(seal.mac, seal_mac(key, chain, seq, hash_,
                                                       seal.checkpoint_id)):
            continue
        if chain == LEGACY_CHAIN and checkpoint_id > 1:
            continue  # never written to since schema 0005: only checkpoint 1 seals it
        moved[chain] = [seq, hash_]
    if not moved and not first:
        return None
    prev_mac = last.mac if last else GENESIS
    checkpoint = AuditCheckpoint(id=checkpoint_id, at=at, heads=moved, prev_mac=prev_mac,
                                 mac=checkpoint_mac(key, checkpoint_id, at, moved, prev_mac))
    session.add(checkpoint)
    session.flush()
    for chain, (seq, hash_) in moved.items():
        mac = seal_mac(key, chain, seq, hash_, checkpoint_id)
        seal = seals.get(chain)
        if seal is None:
            session.add(AuditSeal(chain=chain, chain_seq=seq, hash=hash_,
                                  checkpoint_id=checkpoint_id, mac=mac))
        else:
            seal.chain_seq, seal.hash, seal.checkpoint_id, seal.mac = \
                seq, hash_, checkpoint_id, mac
    return checkpoint


def checkpoint_record(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """One checkpoint as kept outside the database (a line of the export file)."""
    return {"id": checkpoint.id, "at": checkpoint.at.isoformat(), "heads": checkpoint.heads,
            "prev_mac": checkpoint.prev_mac, "mac": checkpoint.mac}


def checkpoints_after(session: Session, after_id: int) -> list[AuditCheckpoint]:
    """Checkpoints after ``after_id``, oldest first: to bring the kept file up to date."""
    return list(session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.id > after_id)
                                .order_by(AuditCheckpoint.id)))


# --- verification ------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """What is wrong, as a code with its parameters: pages translate it, the command line
    prints it in English (``str``). No prose is stored or passed on."""

    code: ChainProblem
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return CHAIN_PROBLEM_TEXTS[self.code] % self.params


@dataclass(frozen=True)
class ChainReport:
    """What ``verify_trail`` found: counts if intact, else the first broken event and why."""

    ok: bool
    events: int
    erased_changes: int
    chains: int = 0
    checkpoint_id: int | None = None  # the newest checkpoint, if any
    checkpoint_at: datetime | None = None
    unsealed_events: int = 0  # appended after the newest checkpoint
    erasure_events: int = 0  # erasures of personal data (each blanks change records)
    first_broken_seq: int | None = None
    problem: Problem | None = None
    broken_chain: str | None = None  # the chain the problem is in, if it is in one

    def summary(self) -> str:
        if not self.ok:
            where = f" at event {self.first_broken_seq}" if self.first_broken_seq else ""
            return f"Audit chain BROKEN{where}: {self.problem}"
        erased = (f", {self.erased_changes} change record(s) erased"
                  if self.erased_changes else "")
        if self.erasure_events:
            erased += f" by {self.erasure_events} erasure event(s)"
        sealed = (f"; sealed by checkpoint {self.checkpoint_id} "
                  f"({self.checkpoint_at:%Y-%m-%d %H:%M} UTC), "
                  f"{self.unsealed_events} event(s) since" if self.checkpoint_id
                  else "; no checkpoint yet")
        return (f"Audit chain intact: {self.events} event(s) in {self.chains} chain(s) "
                f"verified{erased}{sealed}.")


@dataclass(frozen=True)
class ChainBreak:
    """Where one chain breaks first: at an event (its ``seq`` and ``chain_seq``), or at its
    end (``seq`` None, ``chain_seq`` after its last event): events from there on are not
    vouched for by the chain."""

    chain: str
    chain_seq: int
    seq: int | None
    problem: Problem


class _Broken(Exception):
    def __init__(self, seq: int | None, problem: Problem, chain: str | None = None):
        super().__init__(str(problem))
        self.seq, self.problem, self.chain = seq, problem, chain


def _problem(code: ChainProblem, **params: Any) -> Problem:
    return Problem(code, params)


def verify_trail(session: Session, kept_checkpoints: Iterable[dict] = (),
                 batch: int = 2000) -> ChainReport:
    """Check every chain, its head, and the checkpoints (also against ``kept_checkpoints``,
    the records exported earlier to outside the database).

    Reads one snapshot (its own transaction; REPEATABLE READ on PostgreSQL), so events
    appended meanwhile never look like a head that does not match its chain.
    """
    key = _key(session)
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        sealed, newest = _verify_checkpoints(session, key, list(kept_checkpoints))
        counts = _verify_chains(session, key, sealed, batch)
    except _Broken as broken:
        return ChainReport(False, 0, 0, first_broken_seq=broken.seq, problem=broken.problem,
                           broken_chain=broken.chain)
    events, erased, chains, unsealed, erasures = counts
    return ChainReport(True, events, erased, chains=chains, erasure_events=erasures,
                       checkpoint_id=newest.id if newest else None,
                       checkpoint_at=newest.at if newest else None, unsealed_events=unsealed)


def _verify_checkpoints(session: Session, key: bytes, kept: list[dict]
                        ) -> tuple[dict[str, tuple[int, str, int]], AuditCheckpoint | None]:
    """The sealed head of every chain (seq, hash, checkpoint id), from a valid series."""
    sealed: dict[str, tuple[int, str, int]] = {}
    prev_mac, newest, macs = GENESIS, None, {}
    for checkpoint in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        expected_id = newest.id + 1 if newest else 1
        if checkpoint.id != expected_id:
            raise _Broken(None, _problem(ChainProblem.CHECKPOINT_MISSING,
                                         checkpoint=expected_id))
        if checkpoint.prev_mac != prev_mac or checkpoint.mac != checkpoint_mac(
                key, checkpoint.id, checkpoint.at, checkpoint.heads, checkpoint.prev_mac):
            raise _Broken(None, _problem(ChainProblem.CHECKPOINT_CHANGED,
                                         checkpoint=checkpoint.id))
        if LEGACY_CHAIN in checkpoint.heads and checkpoint.id > 1:
            raise _Broken(None, _problem(ChainProblem.CHECKPOINT_SEALS_LEGACY,
                                         checkpoint=checkpoint.id))
        for chain, (seq, hash_) in checkpoint.heads.items():
            sealed[chain] = (seq, hash_, checkpoint.id)
        prev_mac, newest, macs[checkpoint.id] = checkpoint.mac, checkpoint, checkpoint.mac
    for record in kept:
        if macs.get(record.get("id")) != record.get("mac"):
            raise _Broken(None, _problem(ChainProblem.KEPT_CHECKPOINT_DIFFERS,
                                         checkpoint=record.get("id")))
    if newest is None and session.scalar(select(AuditEvent.seq).limit(1)) is not None:
        raise _Broken(None, _problem(ChainProblem.NO_CHECKPOINT))
    seals = {seal.chain: (seal.chain_seq, seal.hash, seal.checkpoint_id)
             for seal in session.scalars(select(AuditSeal))}
    if seals != sealed:
        wrong = sorted(set(seals.items()) ^ set(sealed.items()))[0][0]
        raise _Broken(None, _problem(ChainProblem.SEAL_DIFFERS, chain=wrong), wrong)
    return sealed, newest


class _ChainCheck:
    """One chain walked in order: the first problem of each event, and of its end."""

    def __init__(self, key: bytes, chain: str, head: tuple[int, str] | None,
                 seal: tuple[int, str, int] | None, start: tuple[int, str] | None = None):
        """``start``: the (position, hash) the chain was last found intact at, where the
        walk begins; that event must still be the one verified then."""
        self.key, self.chain, self.head, self.seal, self.start = key, chain, head, seal, start
        self.prev_hash, self.expected, self.last_event = GENESIS, 1, None
        self.erasures: dict[int, tuple[int, int | None]] = {}  # seq -> (chain_seq, case)
        self.claims: list[tuple[AuditEvent, int | None]] = []  # blanked record, erasure seq
        self.unsealed = 0

    def event(self, event: AuditEvent, change: AuditChange | None) -> Problem | None:
        if self.start is not None and self.last_event is None:
            problem = self._start_problem(event, change)
        else:
            problem = _event_problem(self.key, event, change, self.expected, self.prev_hash)
        seal = self.seal
        if problem is None and seal and seal[0] == event.chain_seq and seal[1] != event.hash:
            problem = _problem(ChainProblem.DIFFERS_FROM_SEAL, checkpoint=seal[2])
        if not seal or event.chain_seq > seal[0]:
            self.unsealed += 1
        if change is not None and change.data_json is None:
            self.claims.append((event, change.erased_by_seq))
        if event.type == ERASURE_EVENT:
            self.erasures[event.seq] = (event.chain_seq, event.case_id)
        self.prev_hash, self.expected = event.hash, event.chain_seq + 1
        self.last_event = event.seq
        return problem

    def _start_problem(self, event: AuditEvent, change: AuditChange | None
                       ) -> Problem | None:
        position, hash_ = self.start
        if event.chain_seq != position:
            return _problem(ChainProblem.EVENT_MISSING, position=position, chain=self.chain)
        if not hmac.compare_digest(event.hash, hash_):
            return _problem(ChainProblem.CONTENT_CHANGED)
        return _event_problem(self.key, event, change, position, event.prev_hash)

    def end(self) -> Problem | None:
        """What is wrong with the chain's end: its head, its seal, events cut off."""
        chain, last, head, seal = self.chain, self.expected - 1, self.head, self.seal
        if head is None:
            return _problem(ChainProblem.NO_HEAD, chain=chain)
        if head[0] > last:
            return _problem(ChainProblem.TAIL_MISSING, chain=chain, expected=head[0],
                            last=last)
        if head != (last, self.prev_hash):
            return _problem(ChainProblem.HEAD_DIFFERS, chain=chain)
        if seal and seal[0] > last:
            return _problem(ChainProblem.SEALED_EVENTS_DELETED, chain=chain,
                            checkpoint=seal[2], sealed=seal[0], last=last)
        if chain == LEGACY_CHAIN and (seal is None or seal[2] != 1 or seal[0] != last):
            return _problem(ChainProblem.LEGACY_WRITTEN_TO)
        return None

    def false_erasures(self) -> list[tuple[AuditEvent, Problem]]:
        """Blanked change records that name no later erasure of their own case."""
        found = []
        for event, erasure_seq in sorted(self.claims, key=lambda claim: claim[0].seq):
            erasure = self.erasures.get(erasure_seq)
            if erasure is None or erasure[1] != event.case_id \
                    or erasure[0] <= event.chain_seq:
                found.append((event, _problem(ChainProblem.FALSE_ERASURE,
                                              erasure=erasure_seq)))
        return found


def _heads(session: Session, chains: Iterable[str] | None = None) -> dict[str, tuple[int, str]]:
    query = select(AuditChain.chain, AuditChain.last_seq, AuditChain.last_hash)
    if chains is not None:
        query = query.where(AuditChain.chain.in_(list(chains)))
    return {chain: (seq, hash_) for chain, seq, hash_ in session.execute(query)}


def _chain_rows(session: Session, batch: int, chains: Iterable[str] | None = None):
    query = (select(AuditEvent, AuditChange)
             .outerjoin(AuditChange, AuditChange.digest == AuditEvent.change_digest)
             .order_by(AuditEvent.chain, AuditEvent.chain_seq)
             .execution_options(yield_per=batch))
    if chains is not None:
        query = query.where(AuditEvent.chain.in_(list(chains)))
    return session.execute(query)


def _verify_chains(session: Session, key: bytes, sealed: dict[str, tuple[int, str, int]],
                   batch: int) -> tuple[int, int, int, int, int]:
    heads = _heads(session)
    count = unsealed = erased = erasures = 0
    seen: set[str] = set()
    check: _ChainCheck | None = None

    def close(check: _ChainCheck) -> None:
        problem = check.end()
        if problem:
            raise _Broken(check.last_event, problem, check.chain)
        for event, problem in check.false_erasures():
            raise _Broken(event.seq, problem, check.chain)

    for event, change in _chain_rows(session, batch):
        if check is None or event.chain != check.chain:
            if check is not None:
                close(check)
                unsealed, erased = unsealed + check.unsealed, erased + len(check.claims)
                erasures += len(check.erasures)
            check = _ChainCheck(key, event.chain, heads.get(event.chain),
                                sealed.get(event.chain))
            seen.add(event.chain)
        count += 1
        problem = check.event(event, change)
        if problem:
            raise _Broken(event.seq, problem, event.chain)
    if check is not None:
        close(check)
        unsealed, erased = unsealed + check.unsealed, erased + len(check.claims)
        erasures += len(check.erasures)
    for missing in sorted((set(heads) | set(sealed)) - seen):
        if heads.get(missing, (0,))[0] or missing in sealed:
            raise _Broken(None, _problem(ChainProblem.CHAIN_DELETED, chain=missing), missing)
    return count, erased, len(seen), unsealed, erasures


def chain_breaks(session: Session, chains: Iterable[str], shown: Iterable[int] = (),
                 batch: int | None = None) -> dict[str, ChainBreak]:
    """Where each of ``chains`` first breaks (intact chains are left out), for pages that
    show events: every event from a break on is not vouched for by its chain.

    Each chain is walked from where the worker last found it intact (``audit_verified``)
    to its end; of the ``shown`` events (by ``seq``) those before that position are each
    checked on their own: content, change record, erasure, link. So a page costs what was
    appended since the worker's last round, not the chains' whole length; whatever else
    changed before that position is found by the whole check (``verify_trail``). Seals
    and positions count only if their keyed MAC holds.
    """
    key = _key(session)
    chains = sorted(set(chains))
    if not chains:
        return {}
    heads, sealed = _heads(session, chains), _seals(session, key, chains)
    verified = _verified(session, key, chains)
    breaks: dict[str, ChainBreak] = {}
    checks: dict[str, _ChainCheck] = {}

    def walk(starts: dict[str, tuple[int, str] | None]) -> None:
        for check, event, change in _walked(session, key, starts, heads, sealed, checks,
                                            batch):
            if event.chain in breaks:
                continue
            problem = check.event(event, change)
            if problem:
                breaks[event.chain] = ChainBreak(event.chain, event.chain_seq, event.seq,
                                                 problem)
    walk({chain: verified.get(chain) for chain in chains})
    # nothing left from a verified position on: walked whole, to say what is missing
    walk({chain: None for chain in chains if chain not in checks and chain in verified})
    for chain in chains:
        check = checks.get(chain)
        if check is None:
            if heads.get(chain, (0,))[0] or chain in sealed:
                breaks[chain] = ChainBreak(chain, 1, None,
                                           _problem(ChainProblem.CHAIN_DELETED, chain=chain))
            continue
        for event, problem in check.false_erasures():
            if chain not in breaks or breaks[chain].chain_seq > event.chain_seq:
                breaks[chain] = ChainBreak(chain, event.chain_seq, event.seq, problem)
            break
        if chain not in breaks:
            problem = check.end()
            if problem:
                breaks[chain] = ChainBreak(chain, check.expected, None, problem)
    for found in _earlier_breaks(session, key, shown, verified):
        if found.chain not in breaks or breaks[found.chain].chain_seq > found.chain_seq:
            breaks[found.chain] = found
    return breaks


def _earlier_breaks(session: Session, key: bytes, shown: Iterable[int],
                    verified: dict[str, tuple[int, str]]) -> list[ChainBreak]:
    """The shown events before their chain's verified position that are wrong in
    themselves (content, change record, an erasure that is not one) or whose link to the
    event before them is (deleted, or another one)."""
    seqs = sorted(set(shown))
    rows = [(event, change) for event, change in session.execute(
        select(AuditEvent, AuditChange)
        .outerjoin(AuditChange, AuditChange.digest == AuditEvent.change_digest)
        .where(AuditEvent.seq.in_(seqs)))
        if event.chain in verified and event.chain_seq < verified[event.chain][0]] \
        if seqs else []
    claimed = {change.erased_by_seq for _, change in rows
               if change is not None and change.data_json is None and change.erased_by_seq}
    erasures = {event.seq: event for event in session.scalars(
        select(AuditEvent).where(AuditEvent.seq.in_(sorted(claimed))))} if claimed else {}
    before = {(event.chain, event.chain_seq - 1) for event, _ in rows if event.chain_seq > 1}
    links = {(chain, seq): hash_ for chain, seq, hash_ in session.execute(
        # two expanding lists, looked up along the (chain, position) index: the statement
        # is compiled once, whatever the events shown; the few extra pairs are dropped
        select(AuditEvent.chain, AuditEvent.chain_seq, AuditEvent.hash).where(
            AuditEvent.chain.in_(sorted({chain for chain, _ in before})),
            AuditEvent.chain_seq.in_(sorted({seq for _, seq in before}))))
        if (chain, seq) in before} if before else {}
    found = []
    for event, change in sorted(rows, key=lambda row: row[0].seq):
        # its own content, and its link to the event before it (deleted, or another)
        previous = GENESIS if event.chain_seq == 1 else links.get(
            (event.chain, event.chain_seq - 1))
        if previous is None:
            problem = _problem(ChainProblem.EVENT_MISSING, position=event.chain_seq - 1,
                               chain=event.chain)
        else:
            problem = _event_problem(key, event, change, event.chain_seq, previous)
        if problem is None and change is not None and change.data_json is None:
            erasure = erasures.get(change.erased_by_seq)
            if erasure is None or erasure.type != ERASURE_EVENT \
                    or erasure.chain != event.chain or erasure.case_id != event.case_id \
                    or erasure.chain_seq <= event.chain_seq:
                problem = _problem(ChainProblem.FALSE_ERASURE, erasure=change.erased_by_seq)
        if problem:
            found.append(ChainBreak(event.chain, event.chain_seq, event.seq, problem))
    return found


def _seals(session: Session, key: bytes, chains: Iterable[str] | None = None
           ) -> dict[str, tuple[int, str, int]]:
    """Each chain's seal (position, hash, checkpoint), if its keyed MAC holds."""
    query = select(AuditSeal)
    if chains is not None:
        query = query.where(AuditSeal.chain.in_(list(chains)))
    return {seal.chain: (seal.chain_seq, seal.hash, seal.checkpoint_id)
            for seal in session.scalars(query)
            if hmac.compare_digest(seal.mac, seal_mac(key, seal.chain, seal.chain_seq,
                                                      seal.hash, seal.checkpoint_id))}


def _walked(session: Session, key: bytes, starts: dict[str, tuple[int, str] | None],
            heads: dict[str, tuple[int, str]], sealed: dict[str, tuple[int, str, int]],
            checks: dict[str, _ChainCheck], batch: int | None):
    """Each event of the chains from their start positions on, with its chain's check
    (made at the chain's first event and kept in ``checks``)."""
    for event, change in _rows_from(session, starts, batch):
        check = checks.get(event.chain)
        if check is None:
            check = checks[event.chain] = _ChainCheck(
                key, event.chain, heads.get(event.chain), sealed.get(event.chain),
                starts[event.chain])
        yield check, event, change


def _rows_from(session: Session, starts: dict[str, tuple[int, str] | None],
               batch: int | None, chunk: int = 200):
    """Each chain's events (with change records) from its start position on (from its
    first event without one), in chain order; a few hundred chains per query. ``batch``:
    streamed in batches of that many (a server-side cursor on PostgreSQL: for the
    worker's long walks, not for a page's few events)."""
    items = sorted(starts.items())
    for index in range(0, len(items), chunk):
        part = items[index:index + chunk]
        whole = [chain for chain, start in part if start is None]
        conditions = [and_(AuditEvent.chain == chain, AuditEvent.chain_seq >= start[0])
                      for chain, start in part if start is not None]
        if whole:
            conditions.append(AuditEvent.chain.in_(whole))
        yield from session.execute(
            select(AuditEvent, AuditChange)
            .outerjoin(AuditChange, AuditChange.digest == AuditEvent.change_digest)
            .where(or_(*conditions))
            .order_by(AuditEvent.chain, AuditEvent.chain_seq)
            .execution_options(**({"yield_per": batch} if batch else {})))


# --- verified positions ------------------------------------------------------------------

def verified_mac(key: bytes, chain: str, chain_seq: int, hash_: str, at: datetime) -> str:
    """A verified position's MAC, so a forged row cannot vouch for a changed chain."""
    return _mac(key, {"verified": chain, "seq": chain_seq, "hash": hash_,
                      "at": at.isoformat()})


def _verified(session: Session, key: bytes, chains: Iterable[str] | None = None
              ) -> dict[str, tuple[int, str]]:
    query = select(AuditVerified)
    if chains is not None:
        query = query.where(AuditVerified.chain.in_(list(chains)))
    return {row.chain: (row.chain_seq, row.hash) for row in session.scalars(query)
            if hmac.compare_digest(row.mac, verified_mac(key, row.chain, row.chain_seq,
                                                         row.hash, row.at))}


def newly_verified(session: Session, at: datetime, batch: int = 2000,
                   progress=None) -> tuple[list[dict[str, Any]], int]:
    """Walk every chain that grew from where it was last found intact: the positions to
    record (up to each chain's first problem, which pages then show) and the number of
    events walked. The first run after an upgrade walks every chain once.

    Only reads, without locks: what is appended meanwhile is walked next time.
    ``progress`` (a tqdm-like bar) counts the chains.
    """
    key = _key(session)
    # the chains whose heads moved past their positions, found by the database
    moved = list(session.scalars(
        select(AuditChain.chain)
        .outerjoin(AuditVerified, AuditVerified.chain == AuditChain.chain)
        .where(AuditChain.last_seq > func.coalesce(AuditVerified.chain_seq, 0))))
    heads: dict[str, tuple[int, str]] = {}
    sealed: dict[str, tuple[int, str, int]] = {}
    verified: dict[str, tuple[int, str]] = {}
    for index in range(0, len(moved), 500):
        part = moved[index:index + 500]
        heads |= _heads(session, part)
        sealed |= _seals(session, key, part)
        verified |= _verified(session, key, part)
    grown = {chain: verified.get(chain) for chain in moved}
    walked = 0
    checks: dict[str, _ChainCheck] = {}
    good: dict[str, tuple[int, str]] = {}
    broken: set[str] = set()
    for check, event, change in _walked(session, key, grown, heads, sealed, checks, batch):
        if progress is not None and check.last_event is None:
            progress.update(1)  # a chain's first event
        if event.chain in broken:
            continue
        if check.event(event, change):
            broken.add(event.chain)
            continue
        walked += 1
        good[event.chain] = (event.chain_seq, event.hash)
    rows = []
    for chain, (seq, hash_) in good.items():
        if checks[chain].false_erasures():
            continue  # a blanked record no erasure accounts for: the page walks and shows it
        if grown[chain] is not None and seq <= grown[chain][0]:
            continue
        rows.append({"chain": chain, "chain_seq": seq, "hash": hash_, "at": at,
                     "mac": verified_mac(key, chain, seq, hash_, at)})
    return rows, walked


def record_verified(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store what ``newly_verified`` found (a short write of its own)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for index in range(0, len(rows), 500):
        statement = insert(AuditVerified).values(rows[index:index + 500])
        session.execute(statement.on_conflict_do_update(
            index_elements=["chain"],
            set_={column: statement.excluded[column]
                  for column in ("chain_seq", "hash", "at", "mac")}))


def _event_problem(key: bytes, event: AuditEvent, change: AuditChange | None,
                   expected: int, prev_hash: str) -> Problem | None:
    if event.chain_seq != expected:
        if event.chain_seq > expected:
            return _problem(ChainProblem.EVENT_MISSING, position=expected, chain=event.chain)
        return _problem(ChainProblem.POSITION_REPEATED, position=event.chain_seq,
                        chain=event.chain)
    if event.prev_hash != prev_hash:
        return _problem(ChainProblem.LINK_BROKEN)
    if event.chain == LEGACY_CHAIN:
        expected_hash = _legacy_hash(event.chain_seq, event.at, event.type, event.actor_id,
                                     event.case_id, event.details, event.change_digest,
                                     event.prev_hash)
    else:
        expected_hash = event_hash(key, event.chain, event.chain_seq, event.at, event.type,
                                   event.actor_id, event.case_id, event.details,
                                   event.change_digest, event.prev_hash)
    if not hmac.compare_digest(event.hash, expected_hash):
        return _problem(ChainProblem.CONTENT_CHANGED)
    if event.change_digest:
        if change is None:
            return _problem(ChainProblem.CHANGE_DELETED)
        if change.data_json is None:
            if change.erased_by_seq is None:
                return _problem(ChainProblem.CHANGE_BLANKED)
        elif change_digest(change.salt or "", change.data_json) != event.change_digest:
            return _problem(ChainProblem.CHANGE_EDITED)
    return None


def last_seq(session: Session) -> int:
    """The newest event's number (for snapshots such as exports)."""
    return session.scalar(select(func.max(AuditEvent.seq))) or 0

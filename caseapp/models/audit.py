"""The audit trail: hash-chained events, their erasable change records, chain heads and
keyed checkpoints (see caseapp/services/audit.py for how they fit together)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AuditEvent(Base):
    """Append-only; one link of its chain. Holds no personal data in the clear.

    ``seq`` numbers every event of the installation in the order written (gaps are
    possible); ``chain``/``chain_seq`` place it in its chain, whose links it verifies.
    """

    __tablename__ = "audit_events"
    # Pages of events read newest first along an index in event-number order per filter.
    __table_args__ = (UniqueConstraint("chain", "chain_seq"),
                      Index("ix_audit_events_actor_id_seq", "actor_id", "seq"),
                      Index("ix_audit_events_type_seq", "type", "seq"),
                      Index("ix_audit_events_case_id_seq", "case_id", "seq"))

    seq: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(40))
    chain_seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(index=True)
    type: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    details: Mapped[dict] = mapped_column(JSON)
    change_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChange(Base):
    """The personal part of an event (field values old -> new), erasable on its own.

    The event stores ``digest`` = sha256(salt + data); erasure deletes salt and data
    and the event chain still verifies.
    """

    __tablename__ = "audit_changes"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    salt: Mapped[str | None] = mapped_column(String(32))
    data_json: Mapped[str | None] = mapped_column(Text)
    erased_by_seq: Mapped[int | None]


class AuditChain(Base):
    """The head of one chain (a case's, a user's, or the system's), locked to append."""

    __tablename__ = "audit_chains"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_seq: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A keyed seal over the chain heads that changed since the previous checkpoint.

    ``mac`` = HMAC(audit key, id, time, heads, previous mac): without the key nobody can
    write or rewrite one, so a chain sealed here cannot lose its tail unnoticed.
    """

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    heads: Mapped[dict] = mapped_column(JSON)  # chain -> [chain_seq, hash]
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditSeal(Base):
    """Where each chain was last sealed: what the checkpoints say, kept (keyed) so the
    next checkpoint finds what moved without replaying them all; verify compares them."""

    __tablename__ = "audit_seals"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    chain_seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoints.id"))
    mac: Mapped[str] = mapped_column(String(64))  # over all of the above, with the audit key


class AuditVerified(Base):
    """How far each chain was last found intact, so a page that shows events checks only
    what was appended since (and the shown events themselves), not the whole chain.

    Written by the worker's round after a walk from the previous position; ``mac`` (over
    all of the above, with the audit key) keeps a forged row from vouching for a chain.
    """

    __tablename__ = "audit_verified"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    chain_seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    mac: Mapped[str] = mapped_column(String(64))

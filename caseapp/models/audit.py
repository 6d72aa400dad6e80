from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AuditEvent(Base):
    """Append-only, hash-chained. Holds no personal data in the clear (see AuditChange)."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
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


class AuditHead(Base):
    """One row: the chain's last event. Locked while appending, so appends serialize."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))

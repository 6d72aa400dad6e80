"""Sealing the audit trail: the worker's periodic checkpoint and the on-demand one."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from caseapp.models import AuditCheckpoint

from . import audit
from .context import ServiceContext


def write_checkpoint(ctx: ServiceContext) -> AuditCheckpoint | None:
    """Seal the chain heads that moved; None when nothing moved or another worker sealed
    at the same moment (its checkpoint covers the same heads)."""
    try:
        with ctx.transaction() as session:
            return audit.write_checkpoint(session, ctx.now())
    except IntegrityError:
        return None


def records_after(ctx: ServiceContext, after_id: int) -> list[dict]:
    """Checkpoints newer than ``after_id``, as kept outside the database."""
    records = [audit.checkpoint_record(c) for c in audit.checkpoints_after(ctx.session,
                                                                           after_id)]
    ctx.session.rollback()
    return records


def verify(ctx: ServiceContext, kept: list[dict] | None = None) -> audit.ChainReport:
    """The whole trail, also against checkpoints kept outside the database."""
    report = audit.verify_trail(ctx.session, kept or ())
    ctx.session.rollback()
    return report

"""Sealing the audit trail: the worker's periodic checkpoint, the on-demand one, and the
copy of the checkpoints kept outside the database (JSON lines, appended to)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from caseapp.models import AuditCheckpoint
from domain.vocabulary import ChainProblem

from . import audit
from .context import ServiceContext

log = logging.getLogger(__name__)


class CheckpointFileError(Exception):
    """The file of kept checkpoints cannot be read as one."""


def write_checkpoint(ctx: ServiceContext, *, first: bool = False) -> AuditCheckpoint | None:
    """Seal the chain heads that moved; None when nothing moved or another worker sealed
    at the same moment (its checkpoint covers the same heads). ``first``: the
    installation's checkpoint 1 (``init-db``), if there is none yet."""
    try:
        with ctx.transaction() as session:
            return audit.write_checkpoint(session, ctx.now(), first=first)
    except IntegrityError:
        return None


def read_kept(path: Path) -> list[dict]:
    """The checkpoints kept in ``path`` (none if it does not exist yet)."""
    if not path.exists():
        return []
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    except (OSError, ValueError) as exc:
        raise CheckpointFileError(f"{path} is not a checkpoint file: {exc}") from None


def keep(ctx: ServiceContext, path: Path) -> int:
    """Append to ``path`` every checkpoint it does not hold yet; returns how many."""
    kept = read_kept(path)
    records = [audit.checkpoint_record(c) for c in audit.checkpoints_after(
        ctx.session, kept[-1]["id"] if kept else 0)]
    ctx.session.rollback()
    with path.open("a", encoding="utf-8") as out:
        out.writelines(json.dumps(r, sort_keys=True) + "\n" for r in records)
    return len(records)


def seal_and_keep(ctx: ServiceContext) -> None:
    """The worker's round: a checkpoint, and the kept copy brought up to date when
    ``ANKOMMEN_AUDIT_CHECKPOINT_FILE`` names one."""
    write_checkpoint(ctx)
    if ctx.settings.audit_checkpoint_file:
        keep(ctx, Path(ctx.settings.audit_checkpoint_file))


def verify_new_events(ctx: ServiceContext, progress=None) -> int:
    """Every chain that grew checked from where it was last found intact to its head
    (each worker round, so the audit pages check only the last seconds' events); how
    many events were walked (all of them the first time)."""
    rows, walked = audit.newly_verified(ctx.session, ctx.now(), progress=progress)
    ctx.session.rollback()  # the long read ends before the short write begins
    if rows:
        with ctx.transaction() as session:
            audit.record_verified(session, rows)
    return walked


def verify(ctx: ServiceContext, kept: list[dict] | None = None) -> audit.ChainReport:
    """The whole trail, also against checkpoints kept outside the database (by default
    the configured file's)."""
    if kept is None and ctx.settings.audit_checkpoint_file:
        try:
            kept = read_kept(Path(ctx.settings.audit_checkpoint_file))
        except CheckpointFileError:
            return audit.ChainReport(False, 0, 0, problem=audit.Problem(
                ChainProblem.CHECKPOINT_FILE_UNREADABLE))
    report = audit.verify_trail(ctx.session, kept or ())
    ctx.session.rollback()
    return report

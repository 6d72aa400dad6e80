"""What auditors do with the trail (read-only)."""

from __future__ import annotations

from . import audit
from .actor import Actor
from .authz import require_role
from .context import ServiceContext


def verify(ctx: ServiceContext, actor: Actor) -> audit.ChainReport:
    require_role(actor, "auditor")
    report = audit.verify_chain(ctx.session)
    ctx.session.rollback()  # reading only; end the transaction
    return report

"""Who worked on or looked at which case lately: a few rows per user, written with the
action's audit event, so the home page lists them without reading the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from caseapp.models import RecentCase

# The home page shows the newest RECENT_SHOWN of a user's own team; a few more are kept
# for cases that moved to another team meanwhile.
RECENT_SHOWN = 10
RECENT_KEPT = 20


def touch(session: Session, user_id: int, case_id: int, at: datetime) -> None:
    """Mark the case as the user's latest; one UPDATE when it was already among their
    recent cases, else an insert (safe against a parallel one) and a trim to RECENT_KEPT."""
    latest = (select(func.coalesce(func.max(RecentCase.touch), 0) + 1)
              .where(RecentCase.user_id == user_id).scalar_subquery())
    moved = session.execute(update(RecentCase).where(
        RecentCase.user_id == user_id, RecentCase.case_id == case_id)
        .values(touch=latest, touched_at=at).execution_options(synchronize_session=False))
    if moved.rowcount:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    new = insert(RecentCase).values(user_id=user_id, case_id=case_id, touch=latest,
                                    touched_at=at)
    session.execute(new.on_conflict_do_update(
        index_elements=["user_id", "case_id"],
        set_={"touch": new.excluded.touch, "touched_at": new.excluded.touched_at}))
    kept = (select(RecentCase.case_id).where(RecentCase.user_id == user_id)
            .order_by(RecentCase.touch.desc()).limit(RECENT_KEPT))
    session.execute(delete(RecentCase).where(RecentCase.user_id == user_id,
                                             RecentCase.case_id.not_in(kept))
                    .execution_options(synchronize_session=False))

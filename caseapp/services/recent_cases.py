"""Who worked on or looked at which case lately: a few rows per user, written with the
action's audit event, so the home page lists them without reading the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from caseapp.models import RecentCase

# The home page shows the newest RECENT_SHOWN of a user's own team; a few more are kept
# for cases that moved to another team meanwhile.
RECENT_SHOWN = 10
RECENT_KEPT = 20


# Built once: an action runs these with every audit event, and building them (not
# running them) was a tenth of a step's time. On the table, not the entity, so the ORM's
# bulk machinery stays out of it.
_RECENT = RecentCase.__table__
_LATEST = (select(func.coalesce(func.max(_RECENT.c.touch), 0) + 1)
           .where(_RECENT.c.user_id == bindparam("b_user")).scalar_subquery())
_MOVE = (update(_RECENT).where(_RECENT.c.user_id == bindparam("b_user"),
                               _RECENT.c.case_id == bindparam("b_case"))
         .values(touch=_LATEST, touched_at=bindparam("b_at")))
_TRIM = delete(_RECENT).where(
    _RECENT.c.user_id == bindparam("b_user"),
    _RECENT.c.case_id.not_in(select(_RECENT.c.case_id)
                             .where(_RECENT.c.user_id == bindparam("b_user"))
                             .order_by(_RECENT.c.touch.desc()).limit(RECENT_KEPT)))


def _insert(dialect_insert):
    new = dialect_insert(_RECENT).values(user_id=bindparam("b_user"),
                                         case_id=bindparam("b_case"), touch=_LATEST,
                                         touched_at=bindparam("b_at"))
    return new.on_conflict_do_update(
        index_elements=["user_id", "case_id"],
        set_={"touch": new.excluded.touch, "touched_at": new.excluded.touched_at})


_INSERT = {"postgresql": _insert(pg_insert), "sqlite": _insert(sqlite_insert)}


def touch(session: Session, user_id: int, case_id: int, at: datetime) -> None:
    """Mark the case as the user's latest; one UPDATE when it was already among their
    recent cases, else an insert (safe against a parallel one) and a trim to RECENT_KEPT."""
    params = {"b_user": user_id, "b_case": case_id, "b_at": at}
    if session.execute(_MOVE, params).rowcount:
        return
    session.execute(_INSERT[session.get_bind().dialect.name], params)
    session.execute(_TRIM, {"b_user": user_id})

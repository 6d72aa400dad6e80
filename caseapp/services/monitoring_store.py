"""The monitoring's figures kept in the database per set of filters (``monitoring_figures``):
read by every web worker, refreshed by whoever computes them (services/monitoring.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from caseapp.models import MonitoringFigures


def load(session: Session, key: str, after: datetime) -> tuple[datetime, str] | None:
    """The figures kept for ``key`` if computed after ``after``."""
    row = session.execute(select(MonitoringFigures.computed_at, MonitoringFigures.tables_json)
                          .where(MonitoringFigures.filters_key == key,
                                 MonitoringFigures.computed_at > after)).first()
    return (row.computed_at, row.tables_json) if row else None


def computed_at(session: Session, key: str) -> datetime | None:
    """When the figures kept for ``key`` were computed, if any are."""
    return session.scalar(select(MonitoringFigures.computed_at)
                          .where(MonitoringFigures.filters_key == key))


def save(session: Session, key: str, at: datetime, tables_json: str) -> None:
    """Keep these figures for ``key`` (newer ones computed meanwhile elsewhere stay)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(MonitoringFigures).values(filters_key=key, computed_at=at,
                                                 tables_json=tables_json)
    session.execute(statement.on_conflict_do_update(
        index_elements=["filters_key"],
        set_={"computed_at": statement.excluded.computed_at,
              "tables_json": statement.excluded.tables_json},
        where=MonitoringFigures.computed_at < statement.excluded.computed_at))

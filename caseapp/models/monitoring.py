"""The monitoring's figures as last computed, per set of filters: the timer worker keeps
the default views fresh, so no reader waits for a year of referrals to be counted."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class MonitoringFigures(Base):
    """Aggregates only (suppressed as shown), never a person: the tables as JSON."""

    __tablename__ = "monitoring_figures"

    filters_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    computed_at: Mapped[datetime]
    tables_json: Mapped[str] = mapped_column(Text)

"""Rate-limit counters, in the database so every web worker and server counts the same."""

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class RateCounter(Base):
    """One fixed window of one limit for one key (an address, an account): hits so far and
    when the window ends (seconds since the epoch)."""

    __tablename__ = "rate_counters"

    limit_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int]
    expires_at: Mapped[float] = mapped_column(Float, index=True)

"""The storage of the rate limits (Flask-Limiter, through the ``limits`` package): the
database, which every gunicorn worker and every app server shares.

``limits`` ships storages for Redis, Memcached, MongoDB and memory only; this one adds the
database the installation has anyway (SQLite or PostgreSQL), one row per counter, each
increment one atomic ``INSERT ... ON CONFLICT DO UPDATE``. It reads the app's clock, so
tests move time instead of waiting.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from limits.storage import Storage
from sqlalchemy import Connection, Engine, delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from caseapp.db import WRITE
from caseapp.models import RateCounter

SCHEME = "ankommen-db"

_INCREMENT = text(
    "INSERT INTO rate_counters (limit_key, hits, expires_at) VALUES (:key, :amount, :expires) "
    "ON CONFLICT (limit_key) DO UPDATE SET "
    "hits = CASE WHEN rate_counters.expires_at <= :now THEN :amount "
    "ELSE rate_counters.hits + :amount END, "
    "expires_at = CASE WHEN rate_counters.expires_at <= :now THEN :expires "
    "ELSE rate_counters.expires_at END "
    "RETURNING hits")


def account_key(username: str) -> str:
    """How a user name appears in a rate-limit key: a digest of it, case folded (the same for
    a name that exists and one that does not, and without the name itself)."""
    return "account-" + hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]


def clear_account(session, username: str) -> int:
    """Lift the login limits of a user name from every address, in the caller's
    transaction (an admin's unlock); the number of counters cleared."""
    return session.execute(delete(RateCounter).where(
        RateCounter.limit_key.contains(f"/{account_key(username)}/", autoescape=True))
    ).rowcount


class DatabaseStorage(Storage):
    """Fixed-window counters in the ``rate_counters`` table."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, *, engine: Engine,
                 clock: Callable[[], datetime], **options) -> None:
        super().__init__(uri, **options)
        self._engine = engine
        self._clock = clock

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def _now(self) -> float:
        return self._clock().timestamp()

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A short write transaction of its own (on SQLite: the write lock from its start)."""
        with self._engine.connect() as conn:
            conn.execution_options(**WRITE)
            with conn.begin():
                yield conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count a hit; a window that has ended starts again (and ended ones are removed)."""
        now = self._now()
        with self._writing() as conn:
            conn.execute(delete(RateCounter).where(RateCounter.expires_at <= now))
            return conn.execute(_INCREMENT, {"key": key, "amount": amount, "now": now,
                                             "expires": now + expiry}).scalar_one()

    def _live(self, column, key: str):
        with self._engine.connect() as conn:
            return conn.execute(select(column).where(RateCounter.limit_key == key,
                                                     RateCounter.expires_at > self._now())
                                ).scalar()

    def get(self, key: str) -> int:
        return self._live(RateCounter.hits, key) or 0

    def get_expiry(self, key: str) -> float:
        return self._live(RateCounter.expires_at, key) or self._now()

    def check(self) -> bool:
        try:
            with self._engine.connect() as conn:
                conn.execute(select(func.count()).select_from(RateCounter).limit(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int:
        with self._writing() as conn:
            return conn.execute(delete(RateCounter)).rowcount

    def clear(self, key: str) -> None:
        with self._writing() as conn:
            conn.execute(delete(RateCounter).where(RateCounter.limit_key == key))

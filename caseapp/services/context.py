from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from caseapp.db import WRITE
from workflows import Engine

from .errors import Conflict


@dataclass(frozen=True)
class ProcessSettings:
    follow_up_period: str = "P42D"
    follow_up_grace_period: str = "P7D"
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    password_hash_method: str = "scrypt"


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    session: Session
    engine: Engine
    settings: ProcessSettings
    clock: Callable[[], datetime] = system_clock

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One user action: commit everything or nothing.

        A read-only transaction the session may already be in (loading the user,
        rendering) ends first, so the action reads current data and, on SQLite,
        takes the write lock at its start (see caseapp.db).
        """
        session = self.session
        if session.in_transaction():
            session.commit()
        session.connection(execution_options=WRITE)
        try:
            yield session
            session.commit()
        except StaleDataError:
            session.rollback()
            raise Conflict("This case was changed by someone else at the same moment. "
                           "Your input is kept: please check the case and submit again.") from None
        except (Exception, SQLAlchemyError):
            session.rollback()
            raise

"""Engine and session set-up for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """The engine for ``url``: SQLite serializes its writes, PostgreSQL pings pooled connections."""
    # hide_parameters: statement values (names, birth dates) stay out of logs and errors.
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        engine = create_engine(url, hide_parameters=True,
                               connect_args={"timeout": BUSY_TIMEOUT_S,
                                             "check_same_thread": False})
        _serialize_sqlite_writes(engine)
        return engine
    return create_engine(url, hide_parameters=True, pool_pre_ping=True, pool_size=5,
                         max_overflow=5)


WRITE = {"ankommen_write": True}
BUSY_TIMEOUT_S = 30  # how long a SQLite writer waits for the one before it
CHECKPOINT_WAIT_MS = 1000


def _private_sqlite_file(url: str) -> None:
    """The SQLite file readable by its owner only (0600; SQLite gives its -wal and -shm
    files the same mode), in a folder it creates for the owner only (0700): the file holds
    every person's data."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # as it was, or made a moment ago by another worker
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def _serialize_sqlite_writes(engine: Engine) -> None:
    """SQLite: WAL, foreign keys, secure deletion, and BEGIN IMMEDIATE for write transactions.

    A deferred SQLite transaction that reads and later writes fails at once
    ("database is locked") when another connection wrote in between. A service
    action therefore opens its transaction with the ``WRITE`` execution option,
    which takes the write lock at BEGIN, so concurrent actions wait their turn;
    plain reads stay deferred and never block anyone (WAL).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted and overwritten content is zeroed, so erased personal data leaves no bytes.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        write = connection.get_execution_options().get("ankommen_write")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def checkpoint_wal(engine: Engine) -> None:
    """SQLite: fold the write-ahead log into the database file and empty it, so the old
    pages of erased values are gone from both files (``secure_delete`` zeroed them in the
    database). Outside any transaction; PostgreSQL needs no such step (VACUUM, see the
    deletion concept).

    It waits at most a second for readers (a page being shown) to finish: with a reader
    left, the log is folded in as far as it can be, and later checkpoints (SQLite's own,
    every 1000 pages, and the next erasure's) overwrite the rest.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions as the services expect them: loaded data stays, flushes are explicit."""
    # expire_on_commit=False: what a view renders after a service commits stays loaded.
    # autoflush=False: services flush when they mean to (the audit append reads the head).
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)

"""Backup and restore of the whole database: SQLite's online backup API, pg_dump/pg_restore.

Both work on the whole database, never on a list of tables, so a backup holds whatever
the schema holds when it is taken. A backup holds personal data: only its owner may read
the file.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from .migrate import schema_is_current

SQLITE, POSTGRESQL = "SQLite", "PostgreSQL"
MAGIC = {SQLITE: b"SQLite format 3\x00", POSTGRESQL: b"PGDMP"}  # pg_dump's custom format
# A restore waits this long for a lock, then gives up: the app or a worker is still running.
LOCK_TIMEOUT = "10s"
TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ", re.MULTILINE)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message tells the operator why."""


def backup(engine: Engine, target: Path) -> None:
    """Write a consistent copy of the whole database to ``target``, a new file."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name.")
    if not target.parent.is_dir():
        raise BackupError(f"No such directory: {target.parent}")
    partial = target.with_name(f".{target.name}.partial")  # never a half backup by its name
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    try:
        if _backend(engine) == SQLITE:
            _sqlite_backup(_sqlite_path(engine), partial)
        else:
            _pg_dump(engine, partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def check_restorable(engine: Engine, source: Path) -> None:
    """Refuse, before anything is changed, a file that is no backup for this database."""
    if not source.is_file():
        raise BackupError(f"No such file: {source}")
    with source.open("rb") as file:
        head = file.read(16)
    kind = next((kind for kind, magic in MAGIC.items() if head.startswith(magic)), None)
    if kind is None:
        raise BackupError(f"{source} is not an Ankommen backup (neither a SQLite database nor "
                          "a pg_dump archive in custom format).")
    if kind != _backend(engine):
        raise BackupError(f"{source} is a {kind} backup, but this database is "
                          f"{_backend(engine)}.")
    if kind == SQLITE:
        _check_sqlite_backup(source)
    else:
        _check_pg_archive(engine, source)


def restore(engine: Engine, source: Path) -> bool:
    """Replace the whole database with the backup in ``source``; True if its schema is the
    newest this code knows (otherwise `init-db` migrates it)."""
    check_restorable(engine, source)
    engine.dispose()  # this process keeps no connection (nor lock) while the data is replaced
    if _backend(engine) == SQLITE:
        _sqlite_restore(source, _sqlite_path(engine))
    else:
        _pg_restore(engine, source)
    engine.dispose()  # pooled connections may still know the replaced tables
    try:
        with engine.connect() as connection:
            return schema_is_current(connection)
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None


def _backend(engine: Engine) -> str:
    return SQLITE if engine.dialect.name == "sqlite" else POSTGRESQL


def _unreachable(exc: SQLAlchemyError) -> BackupError:
    return BackupError(f"The database cannot be reached: {getattr(exc, 'orig', None) or exc}")


# --- SQLite -----------------------------------------------------------------------------

def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("The database lives in memory only: there is no file to back up.")
    return Path(database)


def _sqlite_backup(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"No database at {database}: run init-db first.")
    with closing(sqlite3.connect(database, timeout=30)) as live, \
            closing(sqlite3.connect(target)) as copy:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def _check_sqlite_backup(source: Path) -> None:
    with closing(_read_only(source)) as backup_db:
        try:
            sound = backup_db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            migrated = backup_db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                         "AND name = 'alembic_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} cannot be read as a SQLite database: {exc}") from None
    if not sound:
        raise BackupError(f"{source} is damaged (SQLite's quick_check fails).")
    if not migrated:
        raise BackupError(f"{source} is a SQLite database, but not an Ankommen backup.")


def _sqlite_restore(source: Path, database: Path) -> None:
    """Page by page inside one write transaction of the live file: readers see the old or
    the restored database, never a mixture."""
    with closing(_read_only(source)) as backup_db, \
            closing(sqlite3.connect(database, timeout=30)) as live:
        backup_db.backup(live)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


# --- PostgreSQL -------------------------------------------------------------------------

def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it, and an environment carrying the password (never on a
    command line, where every user of the machine could read it)."""
    url = engine.url
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(), env


def _program(engine: Engine, name: str) -> str:
    """pg_dump/pg_restore, preferably of the server's major version (an older one refuses
    a newer server): Debian's versioned directory, then PATH, then any installed version."""
    try:
        with engine.connect():
            major = engine.dialect.server_version_info[0]
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    installed = sorted(glob.glob(f"/usr/lib/postgresql/[0-9]*/bin/{name}"),
                       key=lambda path: int(re.match(r"\d+", Path(path).parents[1].name)[0]),
                       reverse=True)
    candidates = [f"/usr/lib/postgresql/{major}/bin/{name}", shutil.which(name), *installed]
    found = next((path for path in candidates if path and os.access(path, os.X_OK)), None)
    if found is None:
        raise BackupError(f"{name} not found: install the Debian package postgresql-client "
                          f"(version {major} or newer, like the server).")
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what}: {result.stderr.strip()}")
    return result.stdout


def _pg_dump(engine: Engine, target: Path) -> None:
    url, env = _libpq(engine)
    _run([_program(engine, "pg_dump"), "--format=custom", f"--file={target}",
          f"--dbname={url}"], env, "pg_dump failed")


def _check_pg_archive(engine: Engine, source: Path) -> None:
    """The archive is readable, and the database holds no table the backup lacks (a newer
    schema's): it would survive the restore and break the next migration."""
    _, env = _libpq(engine)
    listing = _run([_program(engine, "pg_restore"), "--list", str(source)], env,
                   f"{source} cannot be read as a pg_dump archive")
    in_backup = set(TOC_TABLE.findall(listing))
    if not any(name == "alembic_version" for _schema, name in in_backup):
        raise BackupError(f"{source} is a pg_dump archive, but not an Ankommen backup.")
    try:
        with engine.connect() as connection:
            present = {(schema, name) for schema, name in connection.execute(text(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' "
                "AND table_schema NOT IN ('pg_catalog', 'information_schema')"))}
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from None
    extra = sorted(f"{schema}.{name}" for schema, name in present - in_backup)
    if extra:
        raise BackupError(
            f"The database has tables the backup lacks ({', '.join(extra)}): it holds a newer "
            "schema. Restore into a new, empty database (createdb) and point DATABASE_URL "
            "at it.")


def _pg_restore(engine: Engine, source: Path) -> None:
    url, env = _libpq(engine)
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={LOCK_TIMEOUT}".strip()
    _run([_program(engine, "pg_restore"), "--clean", "--if-exists", "--no-owner",
          "--single-transaction", f"--dbname={url}", str(source)], env,
         "pg_restore failed, nothing was changed (are the app and the timer workers "
         "stopped?)")

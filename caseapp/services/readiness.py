"""Whether this process can serve requests: database reachable, schema current, processes load.

Each check answers only "ok", "failed" or "skipped" (a check that needs the database is
skipped while it is unreachable), so a probe learns nothing about the deployment; the one
exception is a process folder that did not load at start-up: its reason (file, line,
element) is what the operator needs to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from caseapp.migrate import schema_is_current
from caseapp.models import ProcessVersion
from workflows import ProcessDefinitionError, ProcessEngine

OK, FAILED, SKIPPED = "ok", "failed", "skipped"


@dataclass(frozen=True)
class Readiness:
    """The readiness probe's answer: each check's ok, failed or skipped, nothing more."""

    checks: dict[str, str]
    reason: str | None = None  # why the process folder did not load

    @property
    def ready(self) -> bool:
        return all(result == OK for result in self.checks.values())


def check(db: Engine, engine: ProcessEngine,
          process_error: ProcessDefinitionError | None = None) -> Readiness:
    """Database, schema, then the process folder and every stored process version; an
    outage fails, never raises."""
    report = _check(db, engine)
    if process_error is None:
        return report
    return Readiness({**report.checks, "process": FAILED}, reason=str(process_error))


def _check(db: Engine, engine: ProcessEngine) -> Readiness:
    try:
        with db.connect() as connection:
            connection.execute(text("SELECT 1"))
            if not schema_is_current(connection):
                return Readiness({"database": OK, "schema": FAILED, "process": SKIPPED})
            process = OK if _versions_load(engine, connection) else FAILED
    except SQLAlchemyError:
        return Readiness({"database": FAILED, "schema": SKIPPED, "process": SKIPPED})
    return Readiness({"database": OK, "schema": OK, "process": process})


def _versions_load(engine: ProcessEngine, connection) -> bool:
    """Every stored process version (cases may run on any of them) and the current one load
    in the engine; a version that loaded once stays cached, so repeated probes are cheap."""
    versions = set(connection.scalars(select(ProcessVersion.version)))
    if engine.version is not None:
        versions.add(engine.version)
    try:
        for version in sorted(versions):
            engine.outline(version)
    except Exception:  # noqa: BLE001 - whatever breaks a stored spec, the process is not ready
        return False
    return True

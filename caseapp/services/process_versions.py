"""Deployed process versions: which one new cases start on, and deploying a folder.

The rule: new cases start on the newest deployed version, the stored version with the
latest ``deployed_at``. A version is deployed by ``flask process deploy DIR`` (deploying
a version stored before makes it the newest again), by ``flask init-db``, and, when the
process folder's version is not stored yet, by the first case opened on it. Running cases
keep the version they started on. Every process reads the newest version from the
database, so a web worker started before a deploy opens new cases on it without restart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseapp.models import ProcessVersion
from workflows import ProcessLibrary
from workflows.engine import library_spec_json

from . import audit, process_state
from .context import ServiceContext


@dataclass(frozen=True)
class Deployment:
    version: str
    deployed_at: datetime
    new: bool  # False: the version was stored before and is the newest again


def newest_version(session: Session) -> str | None:
    """The version new cases start on; None while nothing is stored."""
    return session.scalar(select(ProcessVersion.version)
                          .order_by(ProcessVersion.deployed_at.desc(),
                                    ProcessVersion.version.desc()).limit(1))


def deploy(ctx: ServiceContext, library: ProcessLibrary) -> Deployment:
    """Store a checked set of process files as the newest version (the operator's command),
    audited in the system's chain."""
    now = ctx.now()
    with ctx.transaction() as session:
        row = session.get(ProcessVersion, library.version)
        if row is None:
            session.add(ProcessVersion(version=library.version,
                                       spec_json=library_spec_json(library),
                                       sources_json=json.dumps(library.sources),
                                       deployed_at=now))
        else:
            row.deployed_at = now
        audit.append(session, type_="process_deployed", at=now, actor_id=None,
                     details={"version": library.version, "files": sorted(library.sources),
                              "stored_before": row is not None})
    return Deployment(library.version, now, new=row is None)


def store_folder_version(ctx: ServiceContext) -> None:
    """Deploy the process folder's version if it is not stored yet (``flask init-db``)."""
    with ctx.transaction() as session:
        process_state.ensure_version_stored(session, ctx.engine, ctx.now())

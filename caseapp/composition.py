"""The composition root: what an application process holds (the database, the process
engine, settings, the clock), built once from the configuration.

Shared by the web app, the CLI and the timer worker, so they all build their service
context the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from domain.vocabulary import LANE_ROLES
from forms import TASK_FORMS
from workflows import ProcessDefinitionError, ProcessEngine, ProcessLibrary, load_library, period

from .config import ConfigurationError, development_data_keys
from .db import make_engine, make_sessionmaker
from .models import ProcessVersion
from .services import audit
from .services.context import Office, ProcessSettings, ServiceContext, system_clock
from .services.retention import parse_years
from .services.special_category import DataKeyError, DataKeys

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    db: Engine
    sessions: sessionmaker[Session]
    engine: ProcessEngine
    settings: ProcessSettings
    clock: Callable[[], datetime] = field(default=system_clock)
    # Why the process folder did not load (the app runs on, on the stored versions).
    process_error: ProcessDefinitionError | None = None

    def context(self, session: Session) -> ServiceContext:
        return ServiceContext(session=session, engine=self.engine, settings=self.settings,
                              clock=self.clock)


def build_runtime(config) -> Runtime:
    db = make_engine(config["SQLALCHEMY_URL"])
    sessions = make_sessionmaker(db)
    audit.configure(sessions, config["AUDIT_KEY"])
    try:
        library, process_error = load_process_folder(config, config["BPMN_DIR"]), None
    except ProcessDefinitionError as exc:
        # Timers of running cases, the audit and new cases on the newest stored version
        # go on; /readyz answers 503 with this reason.
        library, process_error = None, exc
        log.error("the process folder %s cannot be loaded: %s", config["BPMN_DIR"], exc)

    def stored_spec(version: str) -> str:
        with sessions() as session:
            row = session.get(ProcessVersion, version)
            if row is None:
                raise KeyError(f"process version {version} is not stored")
            return row.spec_json

    _period(config, "FOLLOW_UP_GRACE_PERIOD")  # only the timer reads it; a wrong value stops here
    settings = ProcessSettings(
        follow_up_period=config["FOLLOW_UP_PERIOD"],
        follow_up_after_referral=_period(config, "FOLLOW_UP_PERIOD"),
        follow_up_after_start=_period(config, "FOLLOW_UP_AFTER_START"),
        follow_up_grace_period=config["FOLLOW_UP_GRACE_PERIOD"],
        course_start_target=_period(config, "COURSE_START_TARGET"),
        time_zone=config["BABEL_DEFAULT_TIMEZONE"],
        session_idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        session_lifetime=timedelta(hours=config["SESSION_MAX_HOURS"]),
        password_hash_method=config["PASSWORD_HASH_METHOD"],
        audit_checkpoint_file=config["AUDIT_CHECKPOINT_FILE"],
        office=Office(name=config["OFFICE_NAME"], address=config["OFFICE_ADDRESS"],
                      phone=config["OFFICE_PHONE"], email=config["OFFICE_EMAIL"]),
        data_keys=_data_keys(config),
        retention_years=_retention_years(config),
        monitoring_cache=timedelta(seconds=config["MONITORING_CACHE_SECONDS"]),
    )
    engine = ProcessEngine(library, stored_spec=stored_spec, main_process=config["MAIN_PROCESS"])
    return Runtime(db=db, sessions=sessions, engine=engine, settings=settings,
                   process_error=process_error)


def load_process_folder(config, directory: Path | str) -> ProcessLibrary:
    """A folder of BPMN and DMN files, checked as at start-up (forms, lanes, sandbox)."""
    return load_library(Path(directory), main_process=config["MAIN_PROCESS"],
                        form_keys=TASK_FORMS, lanes=LANE_ROLES)


def _data_keys(config) -> DataKeys:
    """The keys of special-category values; without a setting (a configuration made in
    code, such as a benchmark's), the development key kept under the instance folder."""
    setting = config.get("DATA_KEYS") or development_data_keys(Path(config["INSTANCE_DIR"]))
    try:
        return DataKeys.parse(setting)
    except DataKeyError as exc:
        raise ConfigurationError(f"ANKOMMEN_DATA_KEYS: {exc}.") from None


def _retention_years(config) -> dict[str, int]:
    try:
        return parse_years(config["RETENTION_YEARS"])
    except ValueError as exc:
        raise ConfigurationError(f"ANKOMMEN_RETENTION_YEARS: {exc}.") from None


def _period(config, name: str) -> timedelta:
    """A period setting as a length; a wrong one stops the start, naming its variable."""
    try:
        return period(config[name])
    except ValueError as exc:
        raise ConfigurationError(f"ANKOMMEN_{name}: {exc}") from None


def init_app(app: Flask) -> None:
    app.extensions["ankommen"] = build_runtime(app.config)

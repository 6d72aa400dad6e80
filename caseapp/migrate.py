"""Alembic, driven from code so `flask init-db` and the tests migrate the same way."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = str(files("caseapp").joinpath("migrations"))


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


@cache
def head_revisions() -> frozenset[str]:
    """The newest revision(s) of caseapp/migrations (read once: they do not change at run time)."""
    return frozenset(ScriptDirectory(MIGRATIONS).get_heads())


def schema_is_current(connection: Connection) -> bool:
    """Whether the database is migrated to the newest schema this code knows."""
    return frozenset(MigrationContext.configure(connection).get_current_heads()) \
        == head_revisions()

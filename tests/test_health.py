"""The probes: /healthz (the process answers) and /readyz (it can serve), without login."""

from __future__ import annotations

from sqlalchemy import text

from caseapp.models import ProcessVersion
from tests.helpers import open_case

CHECKS_OK = {"database": "ok", "schema": "ok", "process": "ok"}


def test_healthz_answers_without_login(app):
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


def test_readyz_is_ready_when_the_current_and_an_older_process_version_load(
        app, runtime, ctx, people, clock):
    open_case(ctx, people["anna"])
    ctx.session.add(ProcessVersion(version="1" * 64, spec_json=runtime.engine.spec_json(),
                                   sources_json="{}", deployed_at=clock()))
    ctx.session.commit()
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.json) == (200, {"status": "ready",
                                                           "checks": CHECKS_OK})


def test_readyz_names_a_schema_that_is_not_migrated_yet(app, ctx):
    """New code deployed, `init-db` not yet run: the database is one revision behind."""
    head = ctx.session.scalar(text("SELECT version_num FROM alembic_version"))
    ctx.session.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    ctx.session.commit()
    try:
        response = app.test_client().get("/readyz")
    finally:
        ctx.session.execute(text("UPDATE alembic_version SET version_num = :head"),
                            {"head": head})
        ctx.session.commit()
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "checks": {
        "database": "ok", "schema": "failed", "process": "skipped"}}


def test_readyz_names_a_stored_process_version_that_no_longer_loads(app, ctx, clock):
    """Cases of an older version must keep loading; a spec the engine cannot read fails."""
    ctx.session.add(ProcessVersion(version="0" * 64, spec_json="{}", sources_json="{}",
                                   deployed_at=clock()))
    ctx.session.commit()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "checks": {
        "database": "ok", "schema": "ok", "process": "failed"}}

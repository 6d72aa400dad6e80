"""The audit chain: verify passes on honest data and names the first tampered event."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from caseapp.models import AuditEvent
from caseapp.services import audit
from tests.helpers import complete, open_case


@pytest.fixture
def history(ctx, people):
    """(seq of "case opened", seq of "task completed") after six "user created" events."""
    case = open_case(ctx, people["anna"])
    complete(ctx, people["anna"], case.id, "person")
    return tuple(ctx.session.execute(text("SELECT seq FROM audit_events WHERE case_id = :c "
                                          "ORDER BY seq"), {"c": case.id}).scalars())


def run_verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_verify_passes_on_real_history(app, ctx, history):
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and "8 event(s)" in result.output


def test_events_hold_no_personal_data_in_the_clear(ctx, history):
    rows = ctx.session.execute(text("SELECT details FROM audit_events")).scalars().all()
    dumped = " ".join(str(r) for r in rows)
    for personal in ("Haddad", "Amina", "1991-04-12", "Aleppo"):
        assert personal not in dumped
    changes = ctx.session.execute(text("SELECT data_json FROM audit_changes")).scalars().all()
    assert any("Haddad" in c for c in changes) and any("Aleppo" in c for c in changes)


def test_edited_event_is_named(app, ctx, history):
    opened, _ = history
    ctx.session.execute(text("UPDATE audit_events SET type = 'case_viewed' WHERE seq = :s"),
                        {"s": opened})
    ctx.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {opened}" in result.output and "changed" in result.output


def test_deleted_event_is_named(app, ctx, history):
    opened, _ = history
    ctx.session.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": opened})
    ctx.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"event {opened} is missing" in result.output


def test_deleted_last_event_is_noticed(app, ctx, history):
    _, completed = history
    ctx.session.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": completed})
    ctx.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {completed}" in result.output


def test_edited_change_record_is_named(app, ctx, history):
    ctx.session.execute(text(
        "UPDATE audit_changes SET data_json = REPLACE(data_json, 'Aleppo', 'Homs')"))
    ctx.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {history[1]}" in result.output
    assert "change record was edited" in result.output


def test_change_record_deleted_without_erasure_is_named(app, ctx, history):
    ctx.session.execute(text("DELETE FROM audit_changes"))
    ctx.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert "deleted without an erasure" in result.output


def test_rewriting_an_event_and_its_hash_still_breaks_the_link(app, ctx, history):
    opened, completed = history
    event = ctx.session.get(AuditEvent, opened)
    forged = audit.event_hash(opened, event.at, "case_viewed", event.actor_id, event.case_id,
                              event.details, event.change_digest, event.prev_hash)
    ctx.session.execute(text("UPDATE audit_events SET type = 'case_viewed', hash = :h "
                             "WHERE seq = :s"), {"h": forged, "s": opened})
    ctx.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {completed}" in result.output and "link" in result.output


def test_erased_change_record_still_verifies_and_is_reported(app, ctx, people, history):
    opened, completed = history
    case_id = ctx.session.get(AuditEvent, opened).case_id
    erasure = audit.append(ctx.session, type_=audit.ERASURE_EVENT, at=ctx.now(),
                           actor_id=people["lea"].id, case_id=case_id)
    ctx.session.commit()
    ctx.session.execute(text("UPDATE audit_changes SET data_json = NULL, salt = NULL, "
                             "erased_by_seq = :e"), {"e": erasure.seq})
    ctx.session.commit()
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "2 change record(s) erased" in result.output


def test_forged_erasure_marker_is_named(app, ctx, history):
    opened, completed = history
    ctx.session.execute(text("UPDATE audit_changes SET data_json = NULL, erased_by_seq = :e"),
                        {"e": completed + 50})
    ctx.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {opened}" in result.output

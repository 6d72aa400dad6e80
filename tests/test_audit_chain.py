"""The audit trail: verify passes on honest data and names every kind of tampering, also
by someone with write access to the database but without the audit key."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, select, text

from caseapp import create_app
from caseapp.migrate import upgrade
from caseapp.models import AuditChain, AuditEvent
from caseapp.services import audit, audit_review, cases, checkpoints
from domain.vocabulary import ChainProblem
from tests.conftest import TestConfig
from tests.factories import answers, identifying, person
from tests.helpers import complete, complete_until, open_case


@pytest.fixture
def history(ctx, people):
    """The case's own events in chain order: opened, then four steps completed."""
    case = open_case(ctx, people["anna"])
    for step in ("person", "residence", "family", "education_work"):
        complete(ctx, people["anna"], case.id, step)
    events = list(ctx.session.scalars(select(AuditEvent).where(AuditEvent.chain ==
                                                               f"case:{case.id}")
                                      .order_by(AuditEvent.chain_seq)))
    ctx.session.expunge_all()  # as written, whatever the test does to the rows
    return events


def run_verify(app, *args):
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def run_checkpoint(app, *args):
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint", *args])
    assert result.exit_code == 0, result.output
    return result


def sql(ctx, statement, **params):
    ctx.session.rollback()  # a fresh snapshot: SQLite refuses a write on a stale one
    ctx.session.execute(text(statement), params)
    ctx.session.commit()


def forge(key: bytes, event: AuditEvent, prev_hash: str, **changed) -> str:
    """What someone would write for ``event`` with ``changed`` fields, using ``key``."""
    values = {"type_": event.type, "details": event.details, **changed}
    return audit.event_hash(key, event.chain, event.chain_seq, event.at, values["type_"],
                            event.actor_id, event.case_id, values["details"],
                            event.change_digest, prev_hash)


def test_verify_passes_on_real_history(app, ctx, history):
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    # six "user created" events in the system chain, five in the case's chain
    assert "intact: 11 event(s) in 2 chain(s)" in result.output
    assert "sealed by checkpoint 1" in result.output  # init-db's, before any event
    assert "11 event(s) since" in result.output


def test_each_case_has_its_own_chain_and_reading_goes_to_the_reader(ctx, people, history):
    case_id = history[0].case_id
    cases.view_case(ctx, people["lea"], case_id)
    viewed = ctx.session.scalars(select(AuditEvent).where(AuditEvent.type == "case_viewed")
                                 ).one()
    assert viewed.case_id == case_id and viewed.chain == f"user:{people['lea'].id}"
    assert [e.chain_seq for e in history] == [1, 2, 3, 4, 5]
    assert {e.chain for e in history} == {f"case:{case_id}"}


def test_events_hold_no_personal_data_in_the_clear(ctx, history):
    rows = ctx.session.execute(text("SELECT details FROM audit_events")).scalars().all()
    dumped = " ".join(str(r) for r in rows)
    for personal in identifying():
        assert personal not in dumped
    changes = ctx.session.execute(text("SELECT data_json FROM audit_changes")).scalars().all()
    for personal in (person()["family_name"], answers("person")["place_of_birth"]):
        assert any(personal in c for c in changes), personal


def test_special_category_field_names_stay_out_of_event_details(ctx, people):
    """Events list the fields a step changed, but never that a pregnancy was answered."""
    case_id = open_case(ctx, people["anna"]).id
    complete_until(ctx, people["anna"], case_id, "family", family={"pregnancy": "yes"})
    ctx.session.rollback()
    details = ctx.session.scalars(select(AuditEvent.details).where(
        AuditEvent.type == "task_completed")).all()
    assert all("pregnancy" not in d["fields"] for d in details)


def test_edited_event_is_named(app, ctx, history):
    sql(ctx, "UPDATE audit_events SET type = 'case_viewed' WHERE seq = :s", s=history[1].seq)
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {history[1].seq}" in result.output
    assert "changed after it was written" in result.output


def test_deleted_event_is_named(app, ctx, history):
    sql(ctx, "DELETE FROM audit_events WHERE seq = :s", s=history[2].seq)
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {history[3].seq}" in result.output
    assert f"event 3 of chain case:{history[0].case_id} is missing" in result.output


def test_deleted_last_event_is_noticed(app, ctx, history):
    sql(ctx, "DELETE FROM audit_events WHERE seq = :s", s=history[-1].seq)
    result = run_verify(app)
    assert result.exit_code == 1
    assert "should end at its event 5, but ends at 4" in result.output


def test_inserted_event_is_named(app, ctx, history):
    first = history[0]
    sql(ctx, "UPDATE audit_events SET chain_seq = chain_seq + 100 WHERE chain = :c "
             "AND chain_seq > 1", c=first.chain)
    sql(ctx, "INSERT INTO audit_events (chain, chain_seq, at, type, actor_id, case_id, "
             "details, prev_hash, hash) VALUES (:c, 2, :at, 'case_viewed', :a, :case, '{}', "
             ":p, :h)", c=first.chain, at=first.at, a=first.actor_id, case=first.case_id,
        p=first.hash, h="0" * 64)
    result = run_verify(app)
    assert result.exit_code == 1 and "BROKEN at event" in result.output


def test_reordered_events_are_named(app, ctx, history):
    a, b = history[1], history[2]
    sql(ctx, "UPDATE audit_events SET chain_seq = -1 WHERE seq = :s", s=a.seq)
    sql(ctx, "UPDATE audit_events SET chain_seq = :n WHERE seq = :s", n=a.chain_seq, s=b.seq)
    sql(ctx, "UPDATE audit_events SET chain_seq = :n WHERE seq = :s", n=b.chain_seq, s=a.seq)
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {b.seq}" in result.output and "link" in result.output


def test_chain_recomputed_end_to_end_without_the_key_is_caught(app, ctx, history):
    """Edit one event and rewrite every later hash and the head, as anyone with database
    access but a guessed key could: the keyed hashes do not match."""
    guessed = b"not the audit key"
    prev = history[0].prev_hash
    for index, event in enumerate(history):
        changed = {"details": {**event.details, "fields": []}} if index == 1 else {}
        new_hash = forge(guessed, event, prev, **changed)
        sql(ctx, "UPDATE audit_events SET prev_hash = :p, hash = :h, details = :d "
                 "WHERE seq = :s", p=prev, h=new_hash,
            d=json.dumps(changed.get("details", event.details)), s=event.seq)
        prev = new_hash
    sql(ctx, "UPDATE audit_chains SET last_hash = :h WHERE chain = :c", h=prev,
        c=history[0].chain)
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {history[0].seq}" in result.output
    assert "recomputed without the audit key" in result.output


def test_truncated_tail_is_caught_once_sealed(app, ctx, history):
    """Deleting the newest events and moving the head back leaves a consistent chain:
    the checkpoint that sealed it remembers where it ended."""
    run_checkpoint(app)
    last, before = history[-1], history[-2]
    sql(ctx, "DELETE FROM audit_events WHERE seq = :s", s=last.seq)
    sql(ctx, "UPDATE audit_chains SET last_seq = :n, last_hash = :h WHERE chain = :c",
        n=before.chain_seq, h=before.hash, c=last.chain)
    result = run_verify(app)
    assert result.exit_code == 1
    assert "was sealed by checkpoint 2 at its event 5, but ends at 4" in result.output


def test_a_whole_deleted_chain_is_caught_once_sealed(app, ctx, history):
    run_checkpoint(app)
    chain = history[0].chain
    sql(ctx, "DELETE FROM audit_events WHERE chain = :c", c=chain)
    sql(ctx, "DELETE FROM audit_chains WHERE chain = :c", c=chain)
    result = run_verify(app)
    assert result.exit_code == 1 and f"every event of chain {chain} is missing" in result.output


def test_checkpoints_seal_only_what_moved_and_verify_reports_them(app, ctx, people, history):
    run_checkpoint(app)
    assert "Nothing new to seal" in run_checkpoint(app).output
    complete(ctx, people["anna"], history[0].case_id, "practical")
    assert "Checkpoint 3 written" in run_checkpoint(app).output
    heads = ctx.session.execute(text("SELECT heads FROM audit_checkpoints WHERE id = 3")
                                ).scalar_one()
    heads = heads if isinstance(heads, dict) else json.loads(heads)
    assert list(heads) == [history[0].chain] and heads[history[0].chain][0] == 6
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "sealed by checkpoint 3" in result.output and "0 event(s) since" in result.output


def test_forged_checkpoint_is_caught(app, ctx, history):
    run_checkpoint(app)
    sql(ctx, "UPDATE audit_checkpoints SET heads = :h WHERE id = 2", h=json.dumps({}))
    result = run_verify(app)
    assert result.exit_code == 1 and "checkpoint 2 was changed or forged" in result.output


def test_deleted_checkpoint_is_caught(app, ctx, people, history):
    run_checkpoint(app)
    complete(ctx, people["anna"], history[0].case_id, "practical")
    run_checkpoint(app)
    sql(ctx, "DELETE FROM audit_seals")
    sql(ctx, "DELETE FROM audit_checkpoints WHERE id = 2")
    result = run_verify(app)
    assert result.exit_code == 1 and "checkpoint 2 is missing" in result.output


def test_exported_checkpoints_catch_a_deleted_newest_one(app, ctx, people, history, tmp_path):
    """The newest checkpoint can only be missed against a copy kept outside the database."""
    kept = tmp_path / "checkpoints.jsonl"
    run_checkpoint(app, "--export", str(kept))
    ctx.session.rollback()
    seals_before = ctx.session.execute(text("SELECT chain, chain_seq, hash, checkpoint_id, "
                                            "mac FROM audit_seals")).all()
    complete(ctx, people["anna"], history[0].case_id, "practical")
    assert "1 checkpoint(s) appended" in run_checkpoint(app, "--export", str(kept)).output
    assert [json.loads(line)["id"] for line in kept.read_text().splitlines()] == [1, 2, 3]
    assert run_verify(app, "--checkpoints", str(kept)).exit_code == 0
    # someone with database access puts the seals back as they were and drops the newest
    sql(ctx, "DELETE FROM audit_seals")
    for row in seals_before:
        sql(ctx, "INSERT INTO audit_seals (chain, chain_seq, hash, checkpoint_id, mac) "
                 "VALUES (:c, :s, :h, :k, :m)", c=row[0], s=row[1], h=row[2], k=row[3],
            m=row[4])
    sql(ctx, "DELETE FROM audit_checkpoints WHERE id = 3")
    assert run_verify(app).exit_code == 0  # inside the database alone, nothing is amiss
    result = run_verify(app, "--checkpoints", str(kept))
    assert result.exit_code == 1
    assert "checkpoint 3 kept outside the database is missing" in result.output


def test_another_key_cannot_verify_the_trail(app, ctx, history):
    ctx.session.info["audit_key"] = b"another key"
    report = audit.verify_trail(ctx.session)
    assert not report.ok and report.problem.code == ChainProblem.CHECKPOINT_CHANGED
    assert "not the one it was sealed with" in str(report.problem)  # the command line's text


def test_edited_change_record_is_named(app, ctx, history):
    place = answers("person")["place_of_birth"]
    sql(ctx, f"UPDATE audit_changes SET data_json = REPLACE(data_json, '{place}', 'Homs')")
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {history[1].seq}" in result.output
    assert "change record was edited" in result.output


def test_change_record_deleted_without_erasure_is_named(app, ctx, history):
    sql(ctx, "DELETE FROM audit_changes")
    result = run_verify(app)
    assert result.exit_code == 1
    assert "deleted without an erasure" in result.output


def test_erased_change_record_still_verifies_and_is_reported(app, ctx, people, history):
    erasure = audit.append(ctx.session, type_=audit.ERASURE_EVENT, at=ctx.now(),
                           actor_id=people["lea"].id, case_id=history[0].case_id)
    ctx.session.commit()
    sql(ctx, "UPDATE audit_changes SET data_json = NULL, salt = NULL, erased_by_seq = :e",
        e=erasure.seq)
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "5 change record(s) erased" in result.output


def test_forged_erasure_marker_is_named(app, ctx, history):
    sql(ctx, "UPDATE audit_changes SET data_json = NULL, erased_by_seq = :e",
        e=history[-1].seq + 50)
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {history[0].seq}" in result.output


def test_an_upgraded_database_keeps_verifying(app, db_url, ctx):
    """Events written by the single chain before schema 0005 are verified as before, and
    init-db seals them with the key, so recomputing them afterwards is caught."""
    _rebuild_at_0004(db_url)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        prev = audit.GENESIS
        at = ctx.now()
        stored_at = at if engine.dialect.name == "postgresql" else at.replace(tzinfo=None)
        for seq, type_ in enumerate(("user_created", "login", "logout"), start=1):
            digest = audit._legacy_hash(seq, at, type_, None, None, {}, None, prev)
            conn.execute(text("INSERT INTO audit_events (seq, at, type, details, prev_hash, "
                              "hash) VALUES (:s, :at, :t, '{}', :p, :h)"),
                         {"s": seq, "at": stored_at, "t": type_, "p": prev,
                          "h": digest})
            prev = digest
        conn.execute(text("INSERT INTO audit_head (id, last_seq, last_hash) "
                          "VALUES (1, 3, :h)"), {"h": prev})
    engine.dispose()
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "3 event(s) in 1 chain(s)" in result.output and "checkpoint 1" in result.output
    # recomputed with the old, unkeyed hash after an edit: the seal no longer matches
    first_hash = audit._legacy_hash(1, at, "case_viewed", None, None, {}, None, audit.GENESIS)
    sql(ctx, "UPDATE audit_events SET type = 'case_viewed', hash = :h WHERE seq = 1",
        h=first_hash)
    prev = first_hash
    for seq, type_ in ((2, "login"), (3, "logout")):
        digest = audit._legacy_hash(seq, at, type_, None, None, {}, None, prev)
        sql(ctx, "UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = :s",
            p=prev, h=digest, s=seq)
        prev = digest
    sql(ctx, "UPDATE audit_chains SET last_hash = :h", h=prev)
    result = run_verify(app)
    assert result.exit_code == 1 and "differs from what checkpoint 1 sealed" in result.output
    new = ctx.session.scalars(select(AuditChain.chain)).all()
    assert new == [audit.LEGACY_CHAIN]


def _rebuild_at_0004(url: str) -> None:
    """An empty database at schema 0004, as an installation was before this upgrade."""
    from caseapp.models import Base

    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
            for table in ("audit_head", "alembic_version"):
                conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    upgrade(engine, "0004")
    engine.dispose()


def test_the_auditor_sees_chains_and_seals_in_german(app, login, history):
    page = login("ida", language="de").get("/audit/verify").text
    assert "Intakt: 12 Ereignisse in 3 Ketten verifiziert." in page  # with the login
    assert "Versiegelt durch Prüfpunkt 1" in page and "seitdem 12 Ereignisse" in page
    run_checkpoint(app)
    page = login("ida", language="de").get("/audit/verify").text
    assert "Versiegelt durch Prüfpunkt 2" in page and "seitdem 1 Ereignisse" in page  # login


def test_the_auditor_reads_what_is_broken_in_german_with_the_chain_named_by_its_case(
        app, ctx, login, history):
    """The check gives a code with parameters; the page words it in the reader's language."""
    sql(ctx, "DELETE FROM audit_events WHERE seq = :s", s=history[1].seq)
    report = audit.verify_trail(ctx.session)
    chain = f"case:{history[0].case_id}"
    assert report.problem == audit.Problem(ChainProblem.EVENT_MISSING,
                                           {"position": 2, "chain": chain})
    assert report.broken_chain == chain and report.first_broken_seq == history[2].seq
    number = history[0].details["number"]
    german = login("ida", language="de").get("/audit/verify").text
    assert f"Unterbrochen bei Ereignis {history[2].seq}: Ereignis 2 der Kette Fall {number} " \
           "fehlt" in german
    assert "is missing" not in german and chain not in german
    assert f'href="/audit/cases/{history[0].case_id}"' in german  # to the case's history
    english = login("ida", language="en").get("/audit/verify").text
    assert f"event 2 of chain case {number} is missing" in english


def test_events_forged_into_the_legacy_chain_are_caught(app, ctx, history):
    """The legacy chain is hashed without the key, so it is frozen: nothing may join it
    after the upgrade, and a fresh installation has none."""
    prev = audit.GENESIS
    digest = audit._legacy_hash(1, history[0].at, "case_viewed", None, history[0].case_id,
                                {}, None, prev)
    sql(ctx, "INSERT INTO audit_events (chain, chain_seq, at, type, case_id, details, "
             "prev_hash, hash) VALUES ('legacy', 1, :at, 'case_viewed', :c, '{}', :p, :h)",
        at=history[0].at, c=history[0].case_id, p=prev, h=digest)
    sql(ctx, "INSERT INTO audit_chains (chain, last_seq, last_hash) VALUES ('legacy', 1, :h)",
        h=digest)
    assert "legacy chain was written to after schema 0005" in run_verify(app).output
    run_checkpoint(app)  # the worker does not seal it either
    result = run_verify(app)
    assert result.exit_code == 1 and "legacy chain was written to" in result.output


def test_forged_seals_neither_stop_sealing_nor_pass_verify(app, ctx, people, history):
    """Seals claiming the current heads (to keep a chain from being sealed again) have no
    valid key: the next checkpoint seals the chain all the same, and verify names them."""
    run_checkpoint(app)
    complete(ctx, people["anna"], history[0].case_id, "practical")
    ctx.session.rollback()
    head = ctx.session.get(AuditChain, history[0].chain)
    sql(ctx, "UPDATE audit_seals SET chain_seq = :s, hash = :h WHERE chain = :c",
        s=head.last_seq, h=head.last_hash, c=head.chain)
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"the seal of chain {head.chain} is not what the checkpoints sealed" in result.output
    assert "Checkpoint 3 written" in run_checkpoint(app).output
    assert run_verify(app).exit_code == 0


def test_deleting_every_checkpoint_is_caught(app, ctx, history):
    run_checkpoint(app)
    last, before = history[-1], history[-2]
    sql(ctx, "DELETE FROM audit_seals")
    sql(ctx, "DELETE FROM audit_checkpoints")
    sql(ctx, "DELETE FROM audit_events WHERE seq = :s", s=last.seq)
    sql(ctx, "UPDATE audit_chains SET last_seq = :n, last_hash = :h WHERE chain = :c",
        n=before.chain_seq, h=before.hash, c=last.chain)
    result = run_verify(app)
    assert result.exit_code == 1 and "there is no checkpoint" in result.output


def test_one_erasure_does_not_cover_blanking_another_case(app, ctx, people, history):
    other = open_case(ctx, people["anna"], family_name="Petrenko")
    erasure = audit.append(ctx.session, type_=audit.ERASURE_EVENT, at=ctx.now(),
                           actor_id=people["lea"].id, case_id=history[0].case_id)
    ctx.session.commit()
    sql(ctx, "UPDATE audit_changes SET data_json = NULL, salt = NULL, erased_by_seq = :e",
        e=erasure.seq)  # every case's records, under the erasure of one
    result = run_verify(app)
    assert result.exit_code == 1
    assert "which is no later erasure of this case" in result.output
    ctx.session.rollback()
    opened = ctx.session.scalar(select(AuditEvent.seq).where(
        AuditEvent.case_id == other.id, AuditEvent.type == "case_opened"))
    assert f"BROKEN at event {opened}" in result.output


def test_the_worker_keeps_checkpoints_outside_and_the_auditor_checks_against_them(
        db_url, clock, tmp_path, ctx, people, history):
    kept = tmp_path / "kept" / "checkpoints.jsonl"
    kept.parent.mkdir()
    app = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                     AUDIT_CHECKPOINT_FILE=str(kept))
    runtime = app.extensions["ankommen"]
    runtime.clock = clock
    worker = runtime.context(runtime.sessions())
    checkpoints.seal_and_keep(worker)
    complete(ctx, people["anna"], history[0].case_id, "practical")
    checkpoints.seal_and_keep(worker)
    assert [json.loads(line)["id"] for line in kept.read_text().splitlines()] == [1, 2, 3]
    assert audit_review.verify(worker, people["ida"]).report.ok
    sql(ctx, "DELETE FROM audit_seals WHERE checkpoint_id = 3")
    sql(ctx, "DELETE FROM audit_checkpoints WHERE id = 3")
    report = audit_review.verify(worker, people["ida"]).report
    assert not report.ok and report.problem == audit.Problem(
        ChainProblem.KEPT_CHECKPOINT_DIFFERS, {"checkpoint": 3})
    kept.write_text("not json\n")
    report = audit_review.verify(worker, people["ida"]).report
    assert not report.ok and report.problem.code == ChainProblem.CHECKPOINT_FILE_UNREADABLE
    worker.session.close()
    runtime.db.dispose()

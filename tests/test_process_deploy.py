"""`flask process validate|deploy DIR`, new cases on the newest version while running cases
keep theirs, and a process folder that does not load stops nothing else."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import select

from caseapp import create_app
from caseapp.models import AuditEvent, HumanTask, ProcessInstance
from tests.conftest import TestConfig
from tests.helpers import complete, open_case, ready_task
from tests.process_files import insert_script

BPMN = Path(str(files("bpmn")))
ORIGINAL = (BPMN / "first_orientation.bpmn").read_text()


def invoke(app, *args):
    """The command's result; its ``output`` holds what it wrote to stdout and stderr."""
    return app.test_cli_runner().invoke(args=list(args))


def folder(tmp_path: Path, name: str = "process", bpmn: str | bytes = ORIGINAL,
           without: tuple[str, ...] = ()) -> Path:
    """A copy of bpmn/ with its main process replaced (and some files left out)."""
    target = tmp_path / name
    target.mkdir()
    for source in BPMN.glob("*.dmn"):
        if source.name not in without:
            (target / source.name).write_bytes(source.read_bytes())
    main = target / "first_orientation.bpmn"
    main.write_bytes(bpmn if isinstance(bpmn, bytes) else bpmn.encode())
    return target


def test_validate_a_good_folder(app, tmp_path):
    result = invoke(app, "process", "validate", str(folder(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "valid: version " in result.output
    assert "first_orientation.bpmn" in result.output and "referral.dmn" in result.output


@pytest.mark.parametrize("change, without, complaint", [
    (lambda b: b.replace("</bpmn:userTask>", "</bpmn:usertask>", 1), (),
     "first_orientation.bpmn:"),  # malformed XML: file and line
    (lambda b: b.replace('value="referral"', 'value="no_such_form"'), (),
     "element 'Task_referral': user task names form 'no_such_form', which does not exist"),
    (lambda b: b, ("referral.dmn",), "referral_decision"),
    (lambda b: insert_script(b, "Flow_s1", "Script_bad", "import os"), (),
     "element 'Script_bad': imports are not allowed"),
])
def test_validate_refuses_a_bad_folder_naming_what_is_wrong(app, tmp_path, change, without,
                                                            complaint):
    result = invoke(app, "process", "validate",
                    str(folder(tmp_path, bpmn=change(ORIGINAL), without=without)))
    assert result.exit_code == 1
    assert "refused: " in result.output and complaint in result.output
    assert "Traceback" not in result.output


def test_a_file_that_is_not_utf8_is_refused_by_name_and_line(app, tmp_path):
    bpmn = ORIGINAL.replace('name="Person and contact"', 'name="Person und Kontakt"')
    latin1 = bpmn.encode("utf-8").replace(b"und Kontakt", b"\xfcber Kontakt")
    result = invoke(app, "process", "validate", str(folder(tmp_path, bpmn=latin1)))
    assert result.exit_code == 1
    line = latin1[:latin1.index(b"\xfc")].count(b"\n") + 1
    assert f"first_orientation.bpmn:{line}: not UTF-8" in result.output


def test_deploy_a_changed_folder_while_a_case_runs(app, ctx, people, tmp_path, clock):
    """The running case keeps its version and completes its step; a new case takes the new
    one, in this process (started before the deploy), without a restart."""
    anna = people["anna"]
    running = open_case(ctx, anna, family_name="Alt")
    renamed = folder(tmp_path, bpmn=ORIGINAL.replace('name="Person and contact"',
                                                     'name="Person and how to reach them"'))
    refused = invoke(app, "process", "deploy", str(folder(tmp_path, "broken",
                                                          bpmn="<bpmn")))
    assert refused.exit_code == 1
    clock.advance(minutes=5)
    deployed = invoke(app, "process", "deploy", str(renamed))
    assert deployed.exit_code == 0, deployed.output
    assert "deployed: version " in deployed.output

    new = open_case(ctx, anna, family_name="Neu")
    assert ready_task(ctx, new.id).title == "Person and how to reach them"
    assert ready_task(ctx, running.id).title == "Person and contact"
    versions = dict(ctx.session.execute(select(ProcessInstance.case_id,
                                               ProcessInstance.version)).all())
    assert versions[running.id] != versions[new.id]
    assert deployed.output.split("version ")[1].split(",")[0] == versions[new.id]
    event = ctx.session.scalars(select(AuditEvent)
                                .where(AuditEvent.type == "process_deployed")).one()
    assert event.details["version"] == versions[new.id]
    assert invoke(app, "audit", "verify").exit_code == 0
    for case in (running, new):
        complete(ctx, anna, case.id, "person")
        assert ready_task(ctx, case.id).form_key == "residence"

    clock.advance(minutes=5)
    again = invoke(app, "process", "deploy", str(BPMN))  # the old version, the newest again
    assert again.exit_code == 0 and "the newest again" in again.output
    assert ready_task(ctx, open_case(ctx, anna, family_name="Drei").id).title \
        == "Person and contact"


@pytest.fixture
def broken_app(db_url, clock, tmp_path, app, people):
    """A second process (web, worker, CLI) on the same database whose ANKOMMEN_BPMN_DIR
    does not load; the first one opened a case before."""
    bad = folder(tmp_path, "bad", bpmn=ORIGINAL.replace('value="referral"', 'value="nope"'))
    broken = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                        BPMN_DIR=str(bad))
    broken.extensions["ankommen"].clock = clock
    yield broken
    broken.extensions["ankommen"].db.dispose()


def test_a_broken_folder_answers_readyz_with_the_reason(broken_app):
    client = broken_app.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["process"] == "failed"
    assert "first_orientation.bpmn" in response.json["reason"]
    assert "Task_referral" in response.json["reason"] and "nope" in response.json["reason"]


def test_a_broken_folder_stops_neither_audit_verify_nor_the_worker(app, ctx, people, clock,
                                                                   broken_app):
    anna = people["anna"]
    case = open_case(ctx, anna)
    for step in ("person", "residence", "family", "education_work", "practical",
                 "goals_plan", "language_literacy", "referral"):
        complete(ctx, anna, case.id, step)
    verify = invoke(broken_app, "audit", "verify")
    assert verify.exit_code == 0, verify.output
    clock.advance(days=43)
    worker = invoke(broken_app, "worker", "--once")
    assert worker.exit_code == 0, worker.output
    assert "Fired timers in 1 case(s)" in worker.output
    assert ready_task(ctx, case.id).form_key == "follow_up"


def test_a_broken_folder_opens_new_cases_on_the_newest_stored_version(app, ctx, people,
                                                                      broken_app):
    open_case(ctx, people["anna"])  # stores the good folder's version
    broken_ctx = broken_app.extensions["ankommen"].context(ctx.session)
    case = open_case(broken_ctx, people["anna"], family_name="Zwei")
    assert ready_task(ctx, case.id).form_key == "person"
    assert ctx.session.scalar(select(HumanTask.title).where(HumanTask.case_id == case.id)) \
        == "Person and contact"

"""Scripts, conditions and DMN cells cannot hang or exhaust the server: what is plainly
endless or oversized is refused at load, the rest is stopped within its budget at run time,
naming the element; a counsellor's step and the timer worker survive it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from caseapp import create_app
from caseapp.models import AuditEvent, Case, HumanTask, Referral
from caseapp.services import checkpoints, provider_referrals, referrals, timers
from caseapp.services.errors import ProcessStopped
from tests.conftest import TestConfig
from tests.factories import posted
from tests.helpers import (
    add_course,
    at_referral,
    complete,
    open_case,
    ready_task,
    row_version,
)
from tests.process_files import insert_script
from tests.test_process_validation import load, with_script
from tests.test_providers import staff_of
from tests.test_web import task_form
from workflows import ProcessEngine, ScriptRefused, ScriptStopped
from workflows.library import parse_library
from workflows.sandbox import SandboxEnvironment

BPMN = Path(str(files("bpmn")))
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("script, complaint", [
    ("while True: pass", "the loop never ends"),
    ("x = 'a' * 10**10", "would build a value of 10,000,000,000"),
    ("x = 2 ** 10**10", "would compute an integer of 10,000,000,001 bits"),
    ("x = list(range(10**10))", "would build a value of 10,000,000,000"),
    ("x = 1 &lt;&lt; 10**9", "would compute an integer"),
    ("x = '{0.__class__}'.format(1)", "may not read an attribute or an item ('{0.__class__}')"),
    ("x = '{0[0]}'.format(['a'])", "may not read an attribute or an item ('{0[0]}')"),
    ("x = str.format('{0.real}', 1)", "may not read an attribute"),
    ("x = f'{1:>10000000000}'", "a format width of 10,000,000,000 is too large"),
])
def test_hostile_script_is_refused_at_load(tmp_path, script, complaint):
    with pytest.raises(ScriptRefused) as err:
        load(tmp_path, with_script(script))
    assert (err.value.file, err.value.element) == ("first_orientation.bpmn", "Script_bad")
    assert complaint in str(err.value)


@pytest.mark.parametrize("script, budget", [
    ("x = 0\nwhile x >= 0:\n    x += 1", "steps"),
    ("x = [[i * j for i in range(1000)] for j in range(1000)]", "steps"),
    ("def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nx = f(40)", "steps"),
    ("x = 0\ntry:\n    while x >= 0:\n        x += 1\nexcept:\n    x = -1", "steps"),
    ("n = 10\nx = 'a' * 10**n", "size"),
    ("s = 'a'\nfor i in range(40):\n    s = s + s", "size"),
    ("x = [1]\nfor i in range(40):\n    x.extend(x)", "size"),
    ("x = []\nfor i in range(100):\n    x.append([0] * 10**6)", "size"),
    ("x = 'a'.center(10**9 + len(''))", "size"),
    ("rows = [[0] * 1000] * 1000\nx = str([rows] * 1000)", "size"),
    ("t = '{0.__class__}'\nx = t.format(1)", "format"),
])
def test_hostile_script_is_stopped_at_run_time_naming_its_element(tmp_path, script, budget):
    """Loaded (nothing shows it statically), then stopped within its budget, never hung."""
    library = load(tmp_path, with_script(escape(script)))
    with pytest.raises(ScriptStopped) as err:
        ProcessEngine(library).start({}, now=START)
    assert (err.value.file, err.value.element, err.value.budget) \
        == ("first_orientation.bpmn", "Script_bad", budget)


def small_process(first: str, decision: str | None = None) -> dict[str, bytes]:
    """Start -> ``first`` (one BPMN element with id X, incoming F1, outgoing F2) -> a user
    task -> end, with an optional DMN file."""
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="small" isExecutable="true">
    <bpmn:startEvent id="Begin"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    {first}
    <bpmn:userTask id="Task_greet" name="Greet">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="greet" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Begin" targetRef="X" />
    <bpmn:sequenceFlow id="F3" sourceRef="Task_greet" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>"""
    found = {"small.bpmn": bpmn.encode()}
    if decision:
        found["small.dmn"] = decision.encode()
    return found


def start_small(process: dict[str, bytes]):
    library = parse_library(process, main_process="small", form_keys={"greet"})
    return ProcessEngine(library).start({"n": 1000}, now=START)


LOOPING = "len([1 for a in range(n) for b in range(n)]) &gt; 0"


def test_a_looping_gateway_condition_is_stopped_naming_the_gateway():
    gateway = f"""<bpmn:exclusiveGateway id="X" default="F2"><bpmn:incoming>F1</bpmn:incoming>
      <bpmn:outgoing>F2</bpmn:outgoing><bpmn:outgoing>F4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="F2" sourceRef="X" targetRef="Task_greet" />
    <bpmn:sequenceFlow id="F4" sourceRef="X" targetRef="End">
      <bpmn:conditionExpression>{LOOPING}</bpmn:conditionExpression></bpmn:sequenceFlow>"""
    with pytest.raises(ScriptStopped) as err:
        start_small(small_process(gateway))
    assert (err.value.element, err.value.budget) == ("X", "steps")


def test_a_looping_dmn_cell_is_stopped_naming_the_business_rule_task():
    task = """<bpmn:businessRuleTask id="X"><bpmn:extensionElements>
      <spiffworkflow:calledDecisionId>pick</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements><bpmn:incoming>F1</bpmn:incoming>
      <bpmn:outgoing>F2</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="F2" sourceRef="X" targetRef="Task_greet" />"""
    decision = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="DD" name="Decisions"
             namespace="http://ankommen.example/dmn">
  <decision id="pick" name="Pick"><decisionTable id="Table" hitPolicy="COLLECT">
    <input id="In"><inputExpression id="InExpr"><text>{LOOPING}</text></inputExpression></input>
    <output id="Out" name="offer" typeRef="string" />
    <rule id="Rule"><inputEntry id="InE"><text>True</text></inputEntry>
      <outputEntry id="OutE"><text>"mbe"</text></outputEntry></rule>
  </decisionTable></decision>
</definitions>"""
    with pytest.raises(ScriptStopped) as err:
        start_small(small_process(task, decision))
    assert (err.value.element, err.value.budget) == ("X", "steps")


def test_ordinary_scripts_stay_within_the_budget():
    """What process scripts do (the real ones: tests/test_engine.py) runs as before."""
    env = SandboxEnvironment()
    data = {"children": [3, 7], "name": "Amal"}
    env.execute("school_age = [a for a in children if a >= 6]\n"
                "label = '{} ({})'.format(name, len(children))\n"
                "line = f'{name:>6}|' + '-' * 3\nshare = '%d%%' % 50\n"
                "total = sum(children) ** 2\nrows = sorted(children * 2)\n"
                "is_text = isinstance(name, str) and not isinstance(children, dict)\n"
                "names = sorted(['b', 'A'], key=str.lower)\nlisted = list(range(3))\n"
                "def ages():\n    while True:\n        yield 1\n"
                "first = [a for a, c in zip(ages(), children)]", data)
    assert data["is_text"] and data["names"] == ["A", "b"] and data["listed"] == [0, 1, 2]
    assert data["first"] == [1, 1]
    assert data["school_age"] == [7] and data["label"] == "Amal (2)"
    assert data["line"] == "  Amal|---" and data["share"] == "50%"
    assert data["total"] == 100 and data["rows"] == [3, 3, 7, 7]


# --- a counsellor's step and the timer worker, on a process with hostile scripts ---------

# Loops only when the person step records this place of birth, or for people over 60.
ENDLESS_PLACE = "Endlos"
AFTER_PERSON = (f"n = 0\nwhile place_of_birth == '{ENDLESS_PLACE}' and n >= 0:\n"
                "    n += 1")
AFTER_TIMER = "n = 0\nwhile age_at_intake > 60 and n >= 0:\n    n += 1"


@pytest.fixture
def app(db_url, clock, tmp_path):
    folder = tmp_path / "bpmn"
    folder.mkdir()
    for source in BPMN.glob("*.dmn"):
        (folder / source.name).write_bytes(source.read_bytes())
    bpmn = (BPMN / "first_orientation.bpmn").read_text()
    bpmn = insert_script(bpmn, "Flow_s1", "Script_after_person", AFTER_PERSON)
    bpmn = insert_script(bpmn, "Flow_6", "Script_after_timer", AFTER_TIMER)
    (folder / "first_orientation.bpmn").write_text(bpmn)
    app = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                     BPMN_DIR=str(folder))
    runtime = app.extensions["ankommen"]
    runtime.clock = clock
    with runtime.sessions() as session:
        checkpoints.write_checkpoint(runtime.context(session), first=True)
    yield app
    runtime.db.dispose()


def test_a_step_whose_script_is_stopped_is_refused_and_keeps_the_input(login, ctx, people):
    case = open_case(ctx, people["anna"])
    anna = login("anna")
    action, hidden = task_form(anna.get(f"/cases/{case.id}").text)
    version = row_version(ctx, case.id)
    refused = anna.post(action, data={**hidden, **posted("person"),
                                      "place_of_birth": ENDLESS_PLACE})
    assert refused.status_code == 422
    assert "Script_after_person" in refused.text and "too many steps" in refused.text
    assert f'value="{ENDLESS_PLACE}"' in refused.text and "kept as a draft" in refused.text
    assert ready_task(ctx, case.id).form_key == "person"
    assert row_version(ctx, case.id) == version
    with pytest.raises(ProcessStopped) as err:
        complete(ctx, people["anna"], case.id, "person", place_of_birth=ENDLESS_PLACE)
    assert err.value.params["element"] == "Script_after_person"
    complete(ctx, people["anna"], case.id, "person")  # another answer goes on
    assert ready_task(ctx, case.id).form_key == "residence"


def test_german_refusal_of_a_stopped_step(login, ctx, people):
    case = open_case(ctx, people["anna"])
    anna = login("anna", language="de")
    action, hidden = task_form(anna.get(f"/cases/{case.id}").text)
    refused = anna.post(action, data={**hidden, **posted("person"),
                                      "place_of_birth": ENDLESS_PLACE})
    assert refused.status_code == 422
    assert "Der Prozess konnte nicht weiterlaufen" in refused.text
    assert "zu viele Schritte" in refused.text


def test_a_timer_whose_script_is_stopped_does_not_stop_the_worker(ctx, people, clock):
    anna = people["anna"]
    old = at_referral(ctx, anna, family_name="Eins", birth_date=date(1950, 1, 1))
    young = at_referral(ctx, anna, family_name="Zwei")
    for case_id in (old, young):
        complete(ctx, anna, case_id, "referral")
    clock.advance(days=43)
    assert timers.fire_due_timers(ctx) == 2
    assert ready_task(ctx, young).form_key == "follow_up"
    ctx.session.rollback()
    assert ctx.session.scalar(select(HumanTask).where(
        HumanTask.case_id == old, HumanTask.state == "ready")) is None
    failed = ctx.session.scalars(select(AuditEvent).where(AuditEvent.type == "timer_failed")).one()
    assert failed.case_id == old and failed.details["error"] == "ScriptStopped"
    assert timers.fire_due_timers(ctx) == 0  # retried later, not at once


def test_the_stopped_budget_holds_a_script_that_catches_the_error():
    env = SandboxEnvironment()
    with pytest.raises(ScriptStopped) as err:
        env.execute("x = 0\nfor i in range(10):\n    try:\n        while x >= 0:\n"
                    "            x += 1\n    except:\n        pass", {})
    assert err.value.budget == "steps"


def test_big_but_cheap_values_pass():
    """Guards look at sizes, not at values: a large number within the bits is fine."""
    assert SandboxEnvironment().evaluate("10**18 * 10**18", {}) == 10**36


def test_a_confirmed_start_stands_when_the_process_stops_a_script(ctx, people, places, clock):
    """The provider's confirmation is kept; the follow-up, which the stopped script guards,
    is left for the counsellor, and nothing of the attempt is saved."""
    anna = people["anna"]
    staff = staff_of(ctx, places["vhs"])
    course = add_course(ctx, places["vhs"], days=10)
    old = at_referral(ctx, anna, family_name="Eins", birth_date=date(1950, 1, 1))
    seat = referrals.book_seat(ctx, anna, old, course).id
    complete(ctx, anna, old, "referral")
    clock.advance(days=11)
    started = clock.current.date() - timedelta(days=1)
    assert provider_referrals.confirm_start(ctx, staff, seat, started) is False
    ctx.session.rollback()
    assert ctx.session.get(Referral, seat).started_on == started
    assert ctx.session.get(Case, old).status == "open"
    assert ready_task(ctx, old) is None  # the follow-up still waits for its time
    assert not ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == old, AuditEvent.type.in_(("timer_fired", "task_completed")),
        AuditEvent.details["task"].as_string() == "Task_follow_up")).all()

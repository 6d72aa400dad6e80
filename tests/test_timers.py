"""Timers fire on the time the engine is given, without patching SpiffWorkflow."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

import caseapp  # noqa: F401 - importing the app must leave SpiffWorkflow as it is
from forms import TASK_FORMS
from workflows import ProcessEngine, load_library
from workflows.library import parse_library
from workflows.timers import engine_time

BPMN = Path(str(files("bpmn")))
DATA = Path(__file__).resolve().parent / "data"
STORED_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # when its referral was completed

SNAPSHOT_BEFORE_AND_AFTER_START_UP = """
import importlib, inspect, json, pkgutil, sys
from datetime import datetime, timezone
import SpiffWorkflow

def snapshot():
    seen = {}
    for name, module in list(sys.modules.items()):
        if name == "SpiffWorkflow" or name.startswith("SpiffWorkflow."):
            for attr, value in list(vars(module).items()):
                seen[(name, attr)] = value
                if inspect.isclass(value) and value.__module__ == name:
                    for member, inner in list(vars(value).items()):
                        seen[(name, attr + "." + member)] = inner
    return seen

for info in pkgutil.walk_packages(SpiffWorkflow.__path__, "SpiffWorkflow."):
    try:
        importlib.import_module(info.name)
    except ModuleNotFoundError as missing:  # an optional dependency (graphviz export)
        if missing.name.startswith("SpiffWorkflow"):
            raise
before = snapshot()

from caseapp import create_app
from caseapp.config import Config

class StartUp(Config):
    SECRET_KEY = AUDIT_KEY = "not-a-secret"

app = create_app(StartUp(), SQLALCHEMY_URL="sqlite:///" + sys.argv[1] + "/unused.db",
                 INSTANCE_DIR=sys.argv[1])
run = app.extensions["ankommen"].engine.start(
    {"follow_up_period": "P42D", "follow_up_grace_period": "P7D"},
    now=datetime(2040, 6, 1, tzinfo=timezone.utc))
run.fire_due_timers(datetime(2040, 6, 2, tzinfo=timezone.utc))
after = snapshot()
missing = object()
print(json.dumps({
    "checked": len(before),
    "timer_datetime_checked": ("SpiffWorkflow.bpmn.specs.event_definitions.timer",
                               "datetime") in before,
    "changed": sorted(".".join(key) for key, value in before.items()
                      if after.get(key, missing) is not value),
}))
"""


def test_starting_the_app_and_running_the_engine_replaces_nothing_in_spiffworkflow(tmp_path):
    """Every attribute of every SpiffWorkflow module and class is the same object after the
    app has started and an instance has run (in a fresh interpreter)."""
    result = subprocess.run([sys.executable, "-c", SNAPSHOT_BEFORE_AND_AFTER_START_UP,
                             str(tmp_path)],
                            capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent)
    report = json.loads(result.stdout)
    assert report["timer_datetime_checked"] and report["checked"] > 1000
    assert report["changed"] == []


def test_spiffworkflow_timers_keep_the_real_datetime():
    """With workflows and caseapp imported, SpiffWorkflow's timer module reads real time."""
    assert spiff_timer.datetime is datetime


def test_an_instance_stored_before_loads_and_its_timers_fire_on_the_engine_time():
    """Spec and state as the earlier engine (which replaced the timer module's datetime)
    stored them, waiting 42 days for the follow-up: both load, and the timers go on."""
    spec_json = (DATA / "waiting_for_follow_up.spec.json").read_text()
    library = load_library(BPMN, main_process="first_orientation", form_keys=TASK_FORMS)
    engine = ProcessEngine(library, stored_spec={"older": spec_json}.__getitem__)
    run = engine.load("older", (DATA / "waiting_for_follow_up.state.json").read_text())
    due = STORED_START + timedelta(days=42)
    assert run.next_timer_due() == due
    assert run.fire_due_timers(due) == []
    assert run.fire_due_timers(due + timedelta(seconds=1)) == ["Follow-up due"]
    assert [t.form_key for t in run.ready_human_tasks()] == ["follow_up"]
    overdue = due + timedelta(seconds=1, days=7)  # the grace period, from when it fired
    run = engine.load("older", run.dumps())
    assert run.next_timer_due() == overdue
    assert run.fire_due_timers(overdue) == []
    assert run.fire_due_timers(overdue + timedelta(seconds=1)) == ["Follow-up overdue"]
    assert sorted(t.form_key for t in run.ready_human_tasks()) == ["follow_up",
                                                                    "overdue_review"]


TIMERS_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_timers" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="timers" isExecutable="true">
    <bpmn:startEvent id="Start_in_an_hour" name="In an hour">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_work" name="Work">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="work" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="Boundary_daily" name="Daily reminder" cancelActivity="false"
        attachedToRef="Task_work">
      <bpmn:outgoing>Flow_3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeCycle>"R2/P1D"</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="Task_reminder" name="Reminder">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="reminder" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_3</bpmn:incoming>
      <bpmn:outgoing>Flow_4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="Timer_new_year" name="New year">
      <bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_5</bpmn:outgoing>
      <bpmn:timerEventDefinition>
        <bpmn:timeDate>"2041-01-01T00:00:00+00:00"</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="End_reminded"><bpmn:incoming>Flow_4</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="End_done"><bpmn:incoming>Flow_5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start_in_an_hour" targetRef="Task_work" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_work" targetRef="Timer_new_year" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Boundary_daily" targetRef="Task_reminder" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Task_reminder" targetRef="End_reminded" />
    <bpmn:sequenceFlow id="Flow_5" sourceRef="Timer_new_year" targetRef="End_done" />
  </bpmn:process>
</bpmn:definitions>
"""
FAR_FROM_NOW = datetime(2040, 6, 1, 8, 0, tzinfo=UTC)  # a real-time timer would not fire


def event_typenames(spec_json: str) -> set[str]:
    found = set()
    json.loads(spec_json, object_hook=lambda d: found.add(d.get("typename", "")) or d)
    return {name for name in found if name.endswith("EventDefinition")}


@pytest.mark.parametrize("spec_from", ["parser", "stored spec"])
def test_every_kind_of_timer_runs_on_the_time_the_engine_is_given(spec_from):
    """Duration (start event), cycle (boundary) and date (intermediate) timers take their
    due times from the engine's time and fire only once it has passed them, whether their
    spec was just parsed or restored from its stored JSON."""
    library = parse_library({"timers.bpmn": TIMERS_BPMN.encode()}, main_process="timers",
                            form_keys={"work", "reminder"})
    spec_json = ProcessEngine(library).spec_json()
    assert event_typenames(spec_json) == {
        "NoneEventDefinition", "TimeDateEventDefinition", "DurationTimerEventDefinition",
        "CycleTimerEventDefinition"}  # SpiffWorkflow's names, as stored before
    engine = ProcessEngine(library, stored_spec={"stored": spec_json}.__getitem__)
    version = library.version if spec_from == "parser" else "stored"
    run = engine.load(version, engine.start(now=FAR_FROM_NOW).dumps())
    in_an_hour = FAR_FROM_NOW + timedelta(hours=1)
    assert run.next_timer_due() == in_an_hour
    [pending] = run.workflow.waiting_events()  # reported as SpiffWorkflow's own timer
    assert (pending.name, pending.event_type) == ("In an hour", "DurationTimerEventDefinition")
    assert run.fire_due_timers(in_an_hour) == []
    assert run.fire_due_timers(in_an_hour + timedelta(seconds=1)) == ["In an hour"]
    assert [t.form_key for t in run.ready_human_tasks()] == ["work"]

    reminder = in_an_hour + timedelta(days=1, seconds=1)
    run = engine.load(version, run.dumps())
    assert run.next_timer_due() == reminder
    run.fire_due_timers(reminder)
    assert [t.form_key for t in run.ready_human_tasks()] == ["work"]
    run.fire_due_timers(reminder + timedelta(seconds=1))
    assert sorted(t.form_key for t in run.ready_human_tasks()) == ["reminder", "work"]
    assert run.next_timer_due() == reminder + timedelta(days=1)  # the cycle's second round

    [work] = [t for t in run.ready_human_tasks() if t.form_key == "work"]
    run.complete(work.id, {}, now=reminder + timedelta(hours=1))
    new_year = datetime(2041, 1, 1, tzinfo=UTC)
    assert run.next_timer_due() == new_year
    assert run.fire_due_timers(new_year) == []
    assert run.fire_due_timers(new_year + timedelta(seconds=1)) == ["New year"]


def test_engine_time_refuses_a_time_without_zone():
    """A naive time is ambiguous; the engine compares aware UTC times."""
    with pytest.raises(ValueError), engine_time(datetime(2040, 6, 1, 8, 0)):
        pass

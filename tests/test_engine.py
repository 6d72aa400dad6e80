"""The engine boundary on the real process files, round-tripping through JSON at every step."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest

from forms import TASK_FORMS
from tests.factories import answers
from workflows import ProcessEngine, TaskNotReady, load_library
from workflows.engine import spiff_serializer

BPMN = Path(str(files("bpmn")))
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = {"follow_up_period": "P42D", "follow_up_grace_period": "P7D"}


def due(**after_start) -> str:
    """The follow-up's due time, as the application hands it to the referral step."""
    return (START + timedelta(**after_start)).isoformat()


@pytest.fixture(scope="module")
def library():
    return load_library(BPMN, main_process="first_orientation", form_keys=TASK_FORMS)


def fresh_engine(library, stored: dict[str, str]) -> ProcessEngine:
    """An engine that knows only the stored specs (as after a restart with new files)."""
    engine = ProcessEngine(library, stored_spec=stored.__getitem__)
    engine._specs.clear()  # force the stored-spec path
    return engine


def roundtrip(engine: ProcessEngine, run):
    state = run.dumps()
    json.loads(state)  # valid JSON
    return engine.load(run.version, state)


def test_version_is_a_content_hash(library, tmp_path):
    again = load_library(BPMN, main_process="first_orientation", form_keys=TASK_FORMS)
    assert again.version == library.version
    for source in BPMN.iterdir():
        if source.suffix in (".bpmn", ".dmn"):
            (tmp_path / source.name).write_bytes(source.read_bytes())
    dmn = tmp_path / "referral.dmn"
    dmn.write_text(dmn.read_text().replace("German at B1 or above", "B1 or better"))
    changed = load_library(tmp_path, main_process="first_orientation", form_keys=TASK_FORMS)
    assert changed.version != library.version


def test_ready_task_carries_lane_form_title_and_documentation(library):
    run = ProcessEngine(library).start(SETTINGS, now=START)
    [task] = run.ready_human_tasks()
    assert (task.title, task.lane, task.form_key) == ("Person and contact", "Lane_counsellor",
                                                      "person")
    assert "interpreter" in task.documentation


def test_whole_process_round_trips_after_every_step(library):
    engine = ProcessEngine(library)
    stored = {library.version: engine.spec_json()}
    engine = fresh_engine(library, stored)
    run = roundtrip(engine, engine.start(SETTINGS, now=START))

    def complete(form_key, data, now=START):
        nonlocal run
        [task] = [t for t in run.ready_human_tasks() if t.form_key == form_key]
        run.complete(task.id, data, now=now)
        run = roundtrip(engine, run)

    complete("person", {"sex": "female", "data_protection_notice_given": date(2025, 9, 1)})
    complete("residence", {"residence_done": True, "course_status": "entitled"})
    for form_key in ("family", "education_work", "practical", "goals_plan"):
        complete(form_key, {f"{form_key}_done": True})
    complete("language_literacy", {"german_level": "A2", "literacy": "latin"})
    [referral] = run.ready_human_tasks()
    data = run.task_data(referral.id)
    assert data["recommended_course_type"] == "integrationskurs"
    assert data["recommendation_rule"] == ("literate in Latin script, below B1, a route into "
                                           "an integration course")
    assert data["data_protection_notice_given"] == date(2025, 9, 1)  # dates survive JSON
    assert data["goals_plan_done"] is True  # subprocess data flows on
    complete("referral", {"course_type": "integrationskurs", "fee": Decimal("2.29"),
                          "follow_up_due": due(days=42)})

    assert run.ready_human_tasks() == []
    assert run.next_timer_due() == START + timedelta(days=42)
    assert run.fire_due_timers(START + timedelta(days=41)) == []
    assert run.ready_human_tasks() == []
    assert run.fire_due_timers(START + timedelta(days=42, seconds=1)) == ["Follow-up due"]
    run = roundtrip(engine, run)
    assert [t.form_key for t in run.ready_human_tasks()] == ["follow_up"]
    complete("follow_up", {"follow_up_result": "started"}, now=START + timedelta(days=43))
    assert run.is_finished


def test_overdue_follow_up_escalates_to_team_lead_lane(library):
    engine = ProcessEngine(library)
    run = engine.start(SETTINGS, now=START)
    steps = [(key, {}) for key in ("person", "residence", "family", "education_work",
                                   "practical", "goals_plan")]
    steps += [("language_literacy", {"german_level": "none", "literacy": "none"}),
              ("referral", {"course_type": "alphabetisierung", "follow_up_due": due(days=42)})]
    for form_key, data in steps:
        [task] = run.ready_human_tasks()
        assert task.form_key == form_key
        run.complete(task.id, data, now=START)
    run.fire_due_timers(START + timedelta(days=43))
    run = roundtrip(engine, run)
    assert run.fire_due_timers(START + timedelta(days=49)) == []
    assert run.fire_due_timers(START + timedelta(days=51)) == ["Follow-up overdue"]
    lanes = sorted((t.lane, t.form_key) for t in run.ready_human_tasks())
    assert lanes == [("Lane_counsellor", "follow_up"), ("Lane_team_lead", "overdue_review")]


def test_two_loads_in_a_row_from_one_cache(library):
    """Deserializing mutates the spec dict it is given; the cache must survive that."""
    engine = ProcessEngine(library)
    stored = {library.version: engine.spec_json()}
    engine = fresh_engine(library, stored)
    state = engine.start(SETTINGS, now=START).dumps()
    first = engine.load(library.version, state)
    second = engine.load(library.version, state)
    for run in (first, second):
        [task] = run.ready_human_tasks()
        assert task.form_key == "person"  # the form key survived the reload


def test_instance_is_stored_without_its_spec(library):
    engine = ProcessEngine(library)
    state = json.loads(engine.start(SETTINGS, now=START).dumps())
    assert "spec" not in state and "subprocess_specs" not in state


def test_unknown_version_is_a_clear_error(library):
    engine = fresh_engine(library, {})
    with pytest.raises(KeyError):
        engine.load("0" * 64, "{}")


def test_completing_a_task_twice_is_refused(library):
    run = ProcessEngine(library).start(SETTINGS, now=START)
    [task] = run.ready_human_tasks()
    run.complete(task.id, {"sex": "male"}, now=START)
    with pytest.raises(TaskNotReady):
        run.complete(task.id, {"sex": "female"}, now=START)
    with pytest.raises(TaskNotReady):
        run.complete("not-a-uuid", {}, now=START)


def test_outline_lists_the_interview_steps_in_order(library):
    steps = ProcessEngine(library).outline(library.version)
    assert [s.form_key for s in steps] == [
        "person", "residence", "family", "education_work", "practical", "goals_plan",
        "language_literacy", "referral", "follow_up", "overdue_review"]
    assert {s.group for s in steps[:6]} == {"Situation analysis"}
    assert steps[-1].lane == "Lane_team_lead"


DURATION_TIMER = "<bpmn:timeDuration>follow_up_period</bpmn:timeDuration>"
DATE_TIMER = "<bpmn:timeDate>follow_up_due</bpmn:timeDate>"


def library_with(tmp_path, old: str, new: str):
    """The process files with ``old`` replaced by ``new`` in the main process."""
    for source in BPMN.iterdir():
        if source.suffix in (".bpmn", ".dmn"):
            (tmp_path / source.name).write_bytes(source.read_bytes())
    bpmn = tmp_path / "first_orientation.bpmn"
    assert old in bpmn.read_text()
    bpmn.write_text(bpmn.read_text().replace(old, new))
    return load_library(tmp_path, main_process="first_orientation", form_keys=TASK_FORMS)


def referred(library, follow_up_due: str | None = None):
    """A run of ``library`` waiting after its referral step, completed at START."""
    run = ProcessEngine(library).start(SETTINGS, now=START)
    while run.ready_human_tasks():
        data = {"german_level": "A2", "literacy": "latin", "course_type": "integrationskurs"}
        if follow_up_due and run.ready_human_tasks()[0].form_key == "referral":
            data["follow_up_due"] = follow_up_due
        run.complete(run.ready_human_tasks()[0].id, data, now=START)
    return run


def test_the_follow_up_timer_fires_at_the_date_the_referral_was_given(library):
    run = referred(library, "2026-05-04T08:00:00+00:00")
    assert run.next_timer_due() == datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    assert run.fire_due_timers(datetime(2026, 5, 4, 8, 0, tzinfo=UTC)) == []
    assert run.fire_due_timers(datetime(2026, 5, 4, 8, 1, tzinfo=UTC)) == ["Follow-up due"]


def test_a_waiting_date_timer_moves_and_fires_at_its_new_time(library):
    run = referred(library, due(days=42))
    assert run.move_timer("Timer_follow_up_due", START + timedelta(days=90)) is True
    run = ProcessEngine(library).load(run.version, run.dumps())
    assert run.next_timer_due() == START + timedelta(days=90)
    assert run.fire_due_timers(START + timedelta(days=43)) == []
    assert run.move_timer("Timer_follow_up_due", START + timedelta(days=90)) is False  # no change
    assert run.fire_due_timers(START + timedelta(days=90, seconds=1)) == ["Follow-up due"]
    assert run.move_timer("Timer_follow_up_due", START) is False  # it fired: nothing waits


def test_a_waiting_duration_timer_of_an_older_version_moves_too(tmp_path):
    """Cases that waited a fixed period after the referral before the date came in."""
    run = referred(library_with(tmp_path, DATE_TIMER, DURATION_TIMER))
    assert run.next_timer_due() == START + timedelta(days=42)
    assert run.move_timer("Timer_follow_up_due", START + timedelta(days=60)) is True
    assert run.fire_due_timers(START + timedelta(days=43)) == []
    assert run.fire_due_timers(START + timedelta(days=60, seconds=1)) == ["Follow-up due"]


def test_only_an_aware_time_moves_a_timer(library):
    with pytest.raises(ValueError, match="aware"):
        referred(library, due(days=42)).move_timer("Timer_follow_up_due", datetime(2026, 5, 4))


# --- each value stored once, nothing lost ----------------------------------------------

DATA = Path(__file__).resolve().parent / "data"
INTERVIEW = ("person", "residence", "family", "education_work", "practical", "goals_plan",
             "language_literacy")
# Answers a person types in (not codes, which rules may copy into values of their own).
FREE_TEXT = ("place_of_birth", "address", "languages_spoken", "residence_paragraph",
             "work_experience", "goals_own_words", "agreed_plan")


def snapshot(workflow) -> dict:
    """Everything a workflow holds, per (sub)process and task in stored order, to compare."""
    def one(wf):
        return {"data": wf.data, "success": wf.success, "completed": wf.completed,
                "correlations": wf.correlations, "root": wf.task_tree.id,
                "last_task": wf.last_task.id if wf.last_task else None,
                "tasks": [(task.id, task._parent, task._children, task.state,
                           task.task_spec.name, task.triggered, task.internal_data, task.data,
                           task.last_state_change) for task in wf.tasks.values()]}
    return {"workflow": one(workflow), "bpmn_events": len(workflow.bpmn_events),
            "subprocesses": {task_id: (sp.parent_task_id, sp.spec.name, one(sp))
                             for task_id, sp in workflow.subprocesses.items()}}


def spiffs_own_round_trip(workflow):
    """The workflow through SpiffWorkflow's own serializer and layout, spec included."""
    serializer = spiff_serializer()
    return serializer.deserialize_json(serializer.serialize_json(workflow))


def answer(run, form_key: str, data, now=START):
    [task] = [t for t in run.ready_human_tasks() if t.form_key == form_key]
    run.complete(task.id, data, now=now)


def test_every_state_restores_what_spiffworkflows_own_serializer_restores(library):
    """Storing each value once loses nothing: after every step of a case (subprocess,
    rules, timers, escalation, end, reopening) the stored state restores every task's
    state and data, and every (sub)process's data, as the live run and SpiffWorkflow's own
    serializer have them; and a restored run goes on storing the same."""
    engine = fresh_engine(library, {library.version: ProcessEngine(library).spec_json()})
    run = engine.start(SETTINGS, now=START)

    def check():
        nonlocal run
        state = run.dumps()
        restored = engine.load(run.version, state)
        assert snapshot(restored.workflow) == snapshot(run.workflow) \
            == snapshot(spiffs_own_round_trip(run.workflow))
        assert restored.dumps() == state
        run = restored

    check()
    for form_key in INTERVIEW:
        answer(run, form_key, answers(form_key))
        check()
    answer(run, "referral", {**answers("referral"), "follow_up_due": due(days=42)})
    check()
    run.fire_due_timers(START + timedelta(days=43))
    check()
    run.fire_due_timers(START + timedelta(days=51))  # overdue: the team lead's review too
    check()
    answer(run, "overdue_review", {}, now=START + timedelta(days=52))
    answer(run, "follow_up", answers("follow_up"), now=START + timedelta(days=52))
    assert run.is_finished
    check()
    run.reset_to("Task_referral")  # the case reopened
    check()
    assert [t.form_key for t in run.ready_human_tasks()] == ["referral"]
    assert run.task_data(run.ready_human_tasks()[0].id)["goals_own_words"] == \
        answers("goals_plan")["goals_own_words"]


def test_each_answer_is_stored_once_and_a_case_fits_in_15_kib(library):
    """At the end of the interview (waiting for the follow-up) the stored state holds each
    answer once, where SpiffWorkflow's own layout repeats it in the subprocess's data and
    in the task around it, and is at most 15 KiB."""
    engine = ProcessEngine(library)
    run = engine.start(SETTINGS, now=START)
    for form_key in INTERVIEW:
        answer(run, form_key, answers(form_key))
    answer(run, "referral", {**answers("referral"), "follow_up_due": due(days=42)})
    state = run.dumps()
    spiffs_own = spiff_serializer().serialize_json(run.workflow)
    for field in FREE_TEXT:
        value = json.dumps(next(answers(k)[field] for k in INTERVIEW if field in answers(k)))
        assert state.count(value) == 1, field
        assert spiffs_own.count(value) == 3, field
    assert len(state.encode()) <= 15 * 1024


def test_an_instance_stored_in_spiffworkflows_layout_loads_as_it_was(library):
    """A state stored before values were kept once (3.2's layout, every value repeated)
    restores exactly what SpiffWorkflow itself restores from it, and stored again in the
    compact layout, restores the same once more."""
    spec_json = (DATA / "waiting_for_follow_up.spec.json").read_text()
    old_state = (DATA / "waiting_for_follow_up.state.json").read_text()
    engine = ProcessEngine(library, stored_spec={"older": spec_json}.__getitem__)
    run = engine.load("older", old_state)

    whole = json.loads(old_state)  # as SpiffWorkflow stores an instance: spec included
    whole.update(json.loads(spec_json))
    by_spiff = spiff_serializer().deserialize_json(json.dumps(whole))
    assert snapshot(run.workflow) == snapshot(by_spiff)
    compact = run.dumps()
    assert len(compact) < len(old_state)
    assert snapshot(engine.load("older", compact).workflow) == snapshot(by_spiff)

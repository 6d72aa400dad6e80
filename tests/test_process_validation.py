"""Malformed or unsafe process files are refused at load, naming file and element."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from caseapp.migrate import alembic_config, upgrade
from domain.vocabulary import LANE_ROLES, Lane
from forms import TASK_FORMS
from tests.helpers import open_case
from workflows import ProcessDefinitionError, ProcessEngine, ScriptRefused, load_library
from workflows.sandbox import SandboxEnvironment

BPMN = Path(str(files("bpmn")))
ORIGINAL = (BPMN / "first_orientation.bpmn").read_text()
DMN = (BPMN / "referral.dmn").read_text()
# The process's other decisions, as they are (the tests change the referral table).
OTHER_DMN = {path.name: path.read_text() for path in BPMN.glob("*.dmn")
             if path.name != "referral.dmn"}


def copy_other_decisions(tmp_path: Path) -> None:
    for name, source in OTHER_DMN.items():
        (tmp_path / name).write_text(source)


def load(tmp_path: Path, bpmn: str = ORIGINAL, dmn: str | None = DMN):
    (tmp_path / "first_orientation.bpmn").write_text(bpmn)
    copy_other_decisions(tmp_path)
    if dmn is not None:
        (tmp_path / "referral.dmn").write_text(dmn)
    return load_library(tmp_path, main_process="first_orientation", form_keys=TASK_FORMS)


def with_script(script: str) -> str:
    """The real process with a script task inserted before the situation analysis."""
    task = (f'<bpmn:scriptTask id="Script_bad" name="Bad"><bpmn:incoming>Flow_1</bpmn:incoming>'
            f'<bpmn:outgoing>Flow_x</bpmn:outgoing><bpmn:script>{script}</bpmn:script>'
            f'</bpmn:scriptTask><bpmn:sequenceFlow id="Flow_x" sourceRef="Script_bad" '
            f'targetRef="Task_situation_analysis" />')
    bpmn = ORIGINAL.replace('<bpmn:sequenceFlow id="Flow_1" sourceRef="Start_arrival" '
                            'targetRef="Task_situation_analysis" />',
                            '<bpmn:sequenceFlow id="Flow_1" sourceRef="Start_arrival" '
                            'targetRef="Script_bad" />' + task)
    return bpmn.replace("<bpmn:incoming>Flow_1</bpmn:incoming>\n      <bpmn:outgoing>Flow_2",
                        "<bpmn:incoming>Flow_x</bpmn:incoming>\n      <bpmn:outgoing>Flow_2")


def test_real_files_load(tmp_path):
    assert load(tmp_path).main_process == "first_orientation"


def test_malformed_xml_names_file_and_line(tmp_path):
    with pytest.raises(ProcessDefinitionError) as err:
        load(tmp_path, ORIGINAL.replace("</bpmn:userTask>", "</bpmn:usertask>", 1))
    assert err.value.file == "first_orientation.bpmn"
    assert err.value.line is not None
    assert "not well-formed" in str(err.value)


def test_schema_violation_is_refused(tmp_path):
    with pytest.raises(ProcessDefinitionError) as err:
        load(tmp_path, ORIGINAL.replace('<bpmn:startEvent id="Start_arrival"',
                                        '<bpmn:startEvent bogus="1" id="Start_arrival"'))
    assert err.value.file == "first_orientation.bpmn"


def test_user_task_without_form_key_is_refused(tmp_path):
    bpmn = ORIGINAL.replace('<spiffworkflow:property name="formKey" value="follow_up" />', "")
    with pytest.raises(ProcessDefinitionError) as err:
        load(tmp_path, bpmn)
    assert err.value.element == "Task_follow_up"
    assert "formKey" in str(err.value)


def test_user_task_with_unknown_form_is_refused(tmp_path):
    bpmn = ORIGINAL.replace('value="referral"', 'value="no_such_form"')
    with pytest.raises(ProcessDefinitionError) as err:
        load(tmp_path, bpmn)
    assert (err.value.file, err.value.element) == ("first_orientation.bpmn", "Task_referral")
    assert "no_such_form" in str(err.value)


def test_missing_dmn_is_refused(tmp_path):
    with pytest.raises(ProcessDefinitionError) as err:
        load(tmp_path, dmn=None)
    assert "referral_decision" in str(err.value)


@pytest.mark.parametrize("script, complaint", [
    ("import os", "imports are not allowed"),
    ("x = __import__('os')", "__import__"),
    ("data = open('/etc/passwd').read()", "'open' is not available"),
    ("x = ().__class__.__base__.__subclasses__()", "__class__"),
    ("x = (lambda: 1).__globals__", "__globals__"),
    ("x = getattr(1, 'real')", "'getattr' is not available"),
])
def test_unsafe_script_is_refused_at_load(tmp_path, script, complaint):
    with pytest.raises(ScriptRefused) as err:
        load(tmp_path, with_script(script))
    assert err.value.element == "Script_bad"
    assert err.value.file == "first_orientation.bpmn"
    assert complaint in str(err.value)


def test_unsafe_gateway_condition_is_refused_at_load(tmp_path):
    bpmn = ORIGINAL.replace(
        '<bpmn:sequenceFlow id="Flow_4" sourceRef="Task_pick_course" '
        'targetRef="Task_referral" />',
        '<bpmn:sequenceFlow id="Flow_4" sourceRef="Task_pick_course" '
        'targetRef="Gateway_x" /><bpmn:exclusiveGateway id="Gateway_x" default="Flow_y">'
        '<bpmn:incoming>Flow_4</bpmn:incoming><bpmn:outgoing>Flow_y</bpmn:outgoing>'
        '<bpmn:outgoing>Flow_z</bpmn:outgoing></bpmn:exclusiveGateway>'
        '<bpmn:sequenceFlow id="Flow_y" sourceRef="Gateway_x" targetRef="Task_referral" />'
        '<bpmn:sequenceFlow id="Flow_z" sourceRef="Gateway_x" targetRef="Task_referral">'
        '<bpmn:conditionExpression>open("x") is None</bpmn:conditionExpression>'
        '</bpmn:sequenceFlow>')
    bpmn = bpmn.replace("<bpmn:incoming>Flow_4</bpmn:incoming>\n      <bpmn:outgoing>Flow_5",
                        "<bpmn:incoming>Flow_y</bpmn:incoming><bpmn:incoming>Flow_z"
                        "</bpmn:incoming>\n      <bpmn:outgoing>Flow_5")
    with pytest.raises(ScriptRefused) as err:
        load(tmp_path, bpmn)
    assert err.value.element == "Gateway_x"
    assert "'open' is not available" in str(err.value)


def test_unsafe_dmn_cell_is_refused_at_load(tmp_path):
    dmn = DMN.replace('<text>"alphabetisierung"</text>', "<text>__import__('os').getcwd()</text>")
    with pytest.raises(ScriptRefused) as err:
        load(tmp_path, dmn=dmn)
    assert err.value.element == "Task_referral_decision"


class TestSandboxAtRunTime:
    """The same rules hold when code is evaluated, not only when it is loaded."""

    env = SandboxEnvironment()

    @pytest.mark.parametrize("expression", [
        "__import__('os')", "open('/etc/passwd')", "().__class__.__base__",
        "(lambda: 0).__globals__", "[c for c in ().__class__.__mro__]",
    ])
    def test_escape_is_refused(self, expression):
        with pytest.raises((ScriptRefused, NameError)):
            self.env.evaluate(expression, {})

    def test_format_string_attribute_walk_is_refused(self):
        with pytest.raises(Exception, match=re.compile("format|not allowed|access", re.I)):
            self.env.evaluate("'{0.__class__}'.format(1)", {})

    def test_ordinary_expressions_and_scripts_work(self):
        assert self.env.evaluate("german_level in ('A1', 'A2')", {"german_level": "A2"})
        data = {"children": [3, 7]}
        self.env.execute("school_age = [a for a in children if a >= 6]\ntotal = 0\n"
                         "for a in children:\n    total += a\ndata = {}\ndata['x'] = 1", data)
        assert data["school_age"] == [7] and data["total"] == 10 and data["data"] == {"x": 1}
        assert "_getattr_" not in data and "__builtins__" not in data


def test_a_renamed_lane_keeps_its_tasks_work(tmp_path):
    """A modeler renaming the lanes changes what the diagram shows, not who works what."""
    renamed = ORIGINAL.replace('name="Counsellor"', 'name="Beratung"') \
        .replace('name="Team lead"', 'name="Leitung"')
    library = load(tmp_path, renamed)
    lanes = {step.form_key: step.lane for step in ProcessEngine(library).outline(library.version)}
    assert lanes["person"] == lanes["referral"] == Lane.COUNSELLOR
    assert lanes["overdue_review"] == Lane.TEAM_LEAD


def test_a_user_task_in_an_unknown_lane_is_refused(tmp_path):
    (tmp_path / "first_orientation.bpmn").write_text(
        ORIGINAL.replace('id="Lane_team_lead"', 'id="Lane_reception"'))
    (tmp_path / "referral.dmn").write_text(DMN)
    copy_other_decisions(tmp_path)
    with pytest.raises(ProcessDefinitionError) as refused:
        load_library(tmp_path, main_process="first_orientation", form_keys=TASK_FORMS,
                     lanes=LANE_ROLES)
    assert "Task_overdue_review" in str(refused.value)
    assert "lane 'Lane_reception', which decides nobody's work" in str(refused.value)


def test_an_upgraded_database_names_lanes_by_id(db_url, ctx, people):
    """Task rows and stored specs written before schema 0007 named lanes by their names."""
    open_case(ctx, people["anna"])
    ctx.session.commit()
    engine = create_engine(db_url)
    command.downgrade(alembic_config(engine), "0007")  # the schemas after it undone first
    with engine.begin() as conn:
        conn.execute(text("UPDATE human_tasks SET lane = 'Counsellor'"))
        version, spec = conn.execute(text("SELECT version, spec_json FROM process_versions")
                                     ).one()
        old = spec.replace('"Lane_counsellor"', '"Counsellor"') \
            .replace('"Lane_team_lead"', '"Team lead"')
        conn.execute(text("UPDATE process_versions SET spec_json = :s"), {"s": old})
    command.stamp(alembic_config(engine), "0006")
    upgrade(engine, "head")  # 0007 renames the lanes, the later revisions redo their schemas
    with engine.connect() as conn:
        assert conn.execute(text("SELECT DISTINCT lane FROM human_tasks")).scalars().all() \
            == ["Lane_counsellor"]
        spec = json.loads(conn.execute(text("SELECT spec_json FROM process_versions")).scalar())
    lanes = {task.get("lane") for process in [spec["spec"], *spec["subprocess_specs"].values()]
             for task in process["task_specs"].values()}
    assert {"Lane_counsellor", "Lane_team_lead"} <= lanes and "Counsellor" not in lanes
    engine.dispose()

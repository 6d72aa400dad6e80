"""Extracting the texts of process files: what pages show of BPMN and DMN, nothing else."""

from __future__ import annotations

from importlib.resources import files
from io import BytesIO
from pathlib import Path

from forms import TASK_FORMS
from workflows import ProcessEngine, load_library
from workflows.message_extraction import extract_bpmn, extract_dmn

BPMN = Path(str(files("bpmn")))

SMALL_PROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_small">
  <bpmn:process id="intake" name="Intake" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_desk" name="Front desk" />
    </bpmn:laneSet>
    <bpmn:startEvent id="Start" />
    <bpmn:userTask id="Task_greet" name="Greet   the
      person">
      <bpmn:documentation>Only for modellers.</bpmn:documentation>
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="greet" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_1" name="greeted" sourceRef="Start" targetRef="Task_greet" />
    <bpmn:endEvent id="End" name="  " />
  </bpmn:process>
</bpmn:definitions>
"""

SMALL_DECISION = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="D" name="Decisions">
  <decision id="pick" name="Pick an offer">
    <decisionTable id="Table" hitPolicy="COLLECT">
      <input id="In" label="Age"><inputExpression id="InExpr"><text>age</text></inputExpression>
      </input>
      <output id="Out_code" name="offer" typeRef="string" />
      <output id="Out_rule" name="rule" typeRef="string" />
      <rule id="Rule_young">
        <inputEntry id="In_young"><text>? &lt; 27</text></inputEntry>
        <outputEntry id="Out_young_code"><text>"jmd"</text></outputEntry>
        <outputEntry id="Out_young_rule"><text>"aged under 27"</text></outputEntry>
      </rule>
      <rule id="Rule_other">
        <inputEntry id="In_other"><text></text></inputEntry>
        <outputEntry id="Out_other_code"><text>"mbe"</text></outputEntry>
        <outputEntry id="Out_other_rule"><text>"age " + str(age)</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


def extracted(extractor, source: bytes, **options) -> list[tuple[int, str, list[str]]]:
    return [(line, message, comments)
            for line, _function, message, comments in extractor(BytesIO(source), [], [], options)]


def test_a_process_gives_every_element_name_with_its_line_and_element():
    assert extracted(extract_bpmn, SMALL_PROCESS) == [
        (5, "Intake", ["process intake"]),
        (7, "Front desk", ["lane Lane_desk"]),
        # XML turns the line break into a space; the picture looks the name up collapsed.
        (11, "Greet   the       person", ["userTask Task_greet"]),
        (11, "Greet the person", ["userTask Task_greet"]),
        (19, "greeted", ["sequenceFlow Flow_1"]),
    ]


def test_a_decision_gives_the_plain_texts_of_the_outputs_named_only():
    assert extracted(extract_dmn, SMALL_DECISION, outputs=["rule"]) == [
        (12, "aged under 27", ["rule Rule_young"])]
    assert extracted(extract_dmn, SMALL_DECISION, outputs="offer rule") == [
        (11, "jmd", ["offer Rule_young"]), (12, "aged under 27", ["rule Rule_young"]),
        (16, "mbe", ["offer Rule_other"])]
    assert extracted(extract_dmn, SMALL_DECISION) == []


def test_every_step_group_and_lane_of_the_real_process_is_extracted():
    library = load_library(BPMN, main_process="first_orientation", form_keys=TASK_FORMS)
    steps = ProcessEngine(library).outline(library.version)
    shown = {text for step in steps for text in (step.title, step.group) if text}
    names = {message for path in BPMN.glob("*.bpmn")
             for _line, message, _comments in extracted(extract_bpmn, path.read_bytes())}
    assert {"Person and contact", "Situation analysis"} <= shown
    assert shown <= names
    assert {"Counsellor", "Team lead"} <= names  # the lanes' names, for the diagram


def test_every_rule_of_the_referral_table_is_extracted():
    source = (BPMN / "referral.dmn").read_bytes()
    rules = [message for _line, message, comments
             in extracted(extract_dmn, source, outputs=["recommendation_rules"])]
    assert source.count(b"<rule ") == len(rules)
    assert "not literate in any script" in rules and "alphabetisierung" not in rules

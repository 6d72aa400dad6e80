"""The process picture: the SVG drawing, the element states of a run, service and page."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from caseapp.models import ProcessInstance, ProcessVersion
from caseapp.services import diagram as diagram_service
from caseapp.services.errors import NotFound
from caseapp.views.diagram import bp as diagram_bp
from forms import TASK_FORMS
from tests.helpers import complete_until, open_case
from workflows import ProcessEngine, load_library
from workflows.diagram import CHAR_WIDTH, NAME_BAND, main_source, render_svg

BPMN = Path(str(files("bpmn")))
SOURCE = (BPMN / "first_orientation.bpmn").read_text()
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = {"follow_up_period": "P42D", "follow_up_grace_period": "P7D"}
# What the referral step is completed with besides its form (services/follow_up.py).
REFERRED = {"course_type": "integrationskurs",
            "follow_up_due": (START + timedelta(days=42)).isoformat()}
SVG = "{http://www.w3.org/2000/svg}"
MODEL = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"
SITUATION = ("person", "residence", "family", "education_work", "practical", "goals_plan")


def main_plane_shapes(source: str = SOURCE) -> dict[str, tuple[str, ET.Element]]:
    """{bpmn id: (element tag, dc:Bounds)} of the shapes of the first diagram."""
    root = ET.fromstring(source)
    tags = {el.get("id"): el.tag.removeprefix(MODEL) for el in root.iter() if el.get("id")}
    plane = root.find(f"{DI}BPMNDiagram/{DI}BPMNPlane")
    return {shape.get("bpmnElement"): (tags[shape.get("bpmnElement")], shape.find(f"{DC}Bounds"))
            for shape in plane.iter(f"{DI}BPMNShape")}


def classes(svg: str) -> dict[str, str]:
    """{data-element: class} of every group in the picture."""
    root = ET.fromstring(svg)
    return {g.get("data-element"): g.get("class") for g in root.iter(f"{SVG}g")
            if g.get("data-element")}


def title_of(svg: str, bpmn_id: str) -> str:
    root = ET.fromstring(svg)
    [group] = [g for g in root.iter(f"{SVG}g") if g.get("data-element") == bpmn_id]
    return group.find(f"{SVG}title").text


# --- drawing -------------------------------------------------------------------------

def test_every_flow_node_of_the_main_plane_is_a_marked_group():
    svg = render_svg(SOURCE, {"Start_arrival": "done", "Task_situation_analysis": "current"},
                     title="Process of case 2026-00001")
    found = classes(svg)
    shapes = main_plane_shapes()
    flow_nodes = {i for i, (tag, _) in shapes.items() if tag not in ("participant", "lane")}
    assert "Task_language_assessment" in flow_nodes and "Boundary_follow_up_overdue" in flow_nodes
    for bpmn_id in flow_nodes:
        assert found[bpmn_id].split()[0] == "el", bpmn_id
    assert found["Start_arrival"] == "el event done"
    assert found["Task_situation_analysis"] == "el subprocess current"
    assert found["Task_language_assessment"] == "el task not-reached"
    assert found["Task_referral_decision"] == "el task not-reached"
    assert found["Timer_follow_up_due"] == "el event not-reached"
    assert found["Lane_team_lead"] == "lane" and found["Participant_centre"] == "pool"
    # The subprocess's own steps are on its own plane, not in the main picture.
    assert "Task_person" not in found
    assert found["Flow_1"] == "flow taken" and found["Flow_2"] == "flow"
    assert title_of(svg, "Task_situation_analysis") == "Situation analysis: current step"
    assert title_of(svg, "Timer_follow_up_due") == "Follow-up due: not reached"


def test_root_is_an_accessible_svg_without_inline_styles():
    svg = render_svg(SOURCE, {}, title="Process of case 2026-00001")
    assert not svg.startswith("<?xml")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("class") == "process-picture"
    title = root.find(f"{SVG}title")
    assert root.get("aria-labelledby") == title.get("id")
    assert title.text == "Process of case 2026-00001"
    assert all(el.get("style") is None for el in root.iter())
    assert root.find(f".//{SVG}style") is None
    names = {t.text for t in root.iter(f"{SVG}tspan")} | {t.text for t in root.iter(f"{SVG}text")}
    assert {"Language and", "Migrationszentrum", "Counsellor", "Team lead"} <= names


def test_view_box_covers_every_shape():
    svg = render_svg(SOURCE, {})
    root = ET.fromstring(svg)
    x, y, width, height = (float(v) for v in root.get("viewBox").split())
    assert (float(root.get("width")), float(root.get("height"))) == (width, height)
    for bpmn_id, (_tag, bounds) in main_plane_shapes().items():
        bx, by = float(bounds.get("x")), float(bounds.get("y"))
        assert x <= bx and y <= by, bpmn_id
        assert bx + float(bounds.get("width")) <= x + width, bpmn_id
        assert by + float(bounds.get("height")) <= y + height, bpmn_id


def test_names_are_escaped():
    source = SOURCE.replace('name="Language and literacy"',
                            'name="A &lt;&amp;&gt; B &quot;x&quot;"')
    svg = render_svg(source, {"Task_language_assessment": "current"}, title="<&> case")
    assert "&lt;&amp;&gt;" in svg and "<&>" not in svg
    root = ET.fromstring(svg)  # well-formed
    assert root.find(f"{SVG}title").text == "<&> case"
    assert title_of(svg, "Task_language_assessment") == 'A <&> B "x": current step'


def test_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    source = SOURCE.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
    ).replace('name="Referral"', 'name="&x;"')
    try:
        svg = render_svg(source, {})
    except etree.XMLSyntaxError:
        return  # refused: fine too
    assert "TOP SECRET" not in svg


def test_unknown_state_counts_as_not_reached():
    svg = render_svg(SOURCE, {"Task_referral": "bogus"})
    assert classes(svg)["Task_referral"] == "el task not-reached"


def test_main_source_is_the_file_with_the_main_process():
    sources = {"referral.dmn": (BPMN / "referral.dmn").read_text(),
               "other.bpmn": SOURCE.replace('id="first_orientation"', 'id="other"'),
               "first_orientation.bpmn": SOURCE}
    assert main_source(sources, "first_orientation") == SOURCE
    assert main_source(sources, "missing") is None


# --- element states of a run -----------------------------------------------------------

@pytest.fixture(scope="module")
def library():
    return load_library(BPMN, main_process="first_orientation", form_keys=TASK_FORMS)


def complete(run, form_key, data=None, now=START):
    [task] = [t for t in run.ready_human_tasks() if t.form_key == form_key]
    run.complete(task.id, data or {}, now=now)


def test_states_follow_the_run(library):
    engine = ProcessEngine(library)
    run = engine.start(SETTINGS, now=START)
    assert run.element_states() == {"Start_arrival": "done", "Task_situation_analysis": "current",
                                    "Start_situation": "done", "Task_person": "current"}

    for form_key in SITUATION:
        complete(run, form_key)
    run = engine.load(run.version, run.dumps())
    states = run.element_states()
    assert states["Task_situation_analysis"] == "done"
    assert states["Task_goals_plan"] == "done"
    assert states["Task_language_assessment"] == "current"
    assert "Task_referral" not in states and "Timer_follow_up_due" not in states

    complete(run, "language_literacy", {"german_level": "A2", "literacy": "latin"})
    complete(run, "referral", REFERRED)
    states = engine.load(run.version, run.dumps()).element_states()
    assert states["Task_prepare_referral"] == states["Task_pick_course"] == "done"
    assert states["Task_referral_decision"] == states["Task_referral"] == "done"
    assert states["Timer_follow_up_due"] == "waiting"
    assert "Task_follow_up" not in states and "Boundary_follow_up_overdue" not in states
    picture = classes(render_svg(SOURCE, states))
    assert picture["Timer_follow_up_due"] == "el event waiting"
    assert picture["Flow_5"] == "flow taken" and picture["Flow_6"] == "flow"

    run.fire_due_timers(START + timedelta(days=43))
    states = run.element_states()
    assert states["Timer_follow_up_due"] == "done"
    assert states["Task_follow_up"] == "current"
    assert states["Boundary_follow_up_overdue"] == "waiting"

    complete(run, "follow_up", {"follow_up_result": "started"},
             now=START + timedelta(days=44))
    states = run.element_states()
    assert states["End_followed_up"] == "done" and states["Task_follow_up"] == "done"
    assert "Boundary_follow_up_overdue" not in states and "Task_overdue_review" not in states


def test_reopened_step_is_current_again(library):
    run = ProcessEngine(library).start(SETTINGS, now=START)
    for form_key in SITUATION:
        complete(run, form_key)
    complete(run, "language_literacy", {"german_level": "A2", "literacy": "latin"})
    complete(run, "referral", REFERRED)
    run.fire_due_timers(START + timedelta(days=43))
    complete(run, "follow_up", {"follow_up_result": "started"}, now=START + timedelta(days=44))
    assert run.is_finished
    run.reset_to("Task_referral")
    states = run.element_states()
    assert states["Task_referral"] == "current"
    assert states["Task_language_assessment"] == "done"
    assert "Task_follow_up" not in states and "End_followed_up" not in states


# --- service and page ------------------------------------------------------------------

@pytest.fixture
def with_blueprint(app):
    """The diagram page, registered before the first request (web.py may do it already)."""
    if "diagram" not in app.blueprints:
        app.register_blueprint(diagram_bp)
    return app


@pytest.fixture
def client_for(with_blueprint, login):
    return login


@pytest.fixture
def at_language_step(ctx, people):
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "goals_plan")
    return case


def test_case_picture_marks_the_cases_progress(ctx, people, at_language_step):
    svg = diagram_service.case_picture(ctx, people["anna"], at_language_step.id)
    found = classes(svg)
    assert found["Task_situation_analysis"] == "el subprocess done"
    assert found["Task_language_assessment"] == "el task current"
    assert found["Task_referral"] == "el task not-reached"
    assert ET.fromstring(svg).find(f"{SVG}title").text == \
        f"Process of case {at_language_step.number}"
    # Auditors see every case; other teams and the admin do not learn that it exists.
    assert diagram_service.case_picture(ctx, people["ida"], at_language_step.id) == svg
    for outsider in ("sami", "adam"):
        with pytest.raises(NotFound):
            diagram_service.case_picture(ctx, people[outsider], at_language_step.id)
    with pytest.raises(NotFound):
        diagram_service.case_picture(ctx, people["anna"], at_language_step.id + 1000)


def test_picture_page(client_for, at_language_step):
    url = f"/cases/{at_language_step.id}/process.svg"
    response = client_for("anna").get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.text.startswith('<?xml-stylesheet type="text/css" href="/static/diagram.css"')
    found = classes(response.text)
    assert found["Task_situation_analysis"] == "el subprocess done"
    assert found["Task_language_assessment"] == "el task current"
    assert client_for("ben").get(url).status_code == 200  # same team
    assert client_for("ida").get(url).status_code == 200  # auditor
    other_team = client_for("sami").get(url)
    assert other_team.status_code == 404 and "svg" not in other_team.mimetype
    assert client_for("anna").get(f"/cases/{at_language_step.id + 1000}/process.svg") \
        .status_code == 404


def test_the_process_picture_speaks_the_readers_language(login, ctx, people):
    """The process picture names its steps and events in German, or in English if chosen."""
    case_id = open_case(ctx, people["anna"]).id
    german = login("anna", language="de").get(f"/cases/{case_id}/process").text
    assert "Situationsanalyse" in german
    assert "Neuzugewanderte Person kommt" in german and "Newcomer arrives" not in german
    english = login("anna").get(f"/cases/{case_id}/process").text
    assert "Newcomer arrives" in english


def test_picture_page_needs_a_login(with_blueprint, at_language_step):
    response = with_blueprint.test_client().get(f"/cases/{at_language_step.id}/process.svg")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_case_keeps_the_picture_of_its_version(ctx, people, at_language_step):
    """The picture is drawn from the sources stored with the case's version."""
    session = ctx.session
    version = session.scalar(select(ProcessInstance.version)
                             .where(ProcessInstance.case_id == at_language_step.id))
    row = session.get(ProcessVersion, version)
    sources = json.loads(row.sources_json)
    sources["first_orientation.bpmn"] = sources["first_orientation.bpmn"].replace(
        'name="Language and literacy"', 'name="Sprachstand (alte Fassung)"')
    row.sources_json = json.dumps(sources)
    session.commit()
    svg = diagram_service.case_picture(ctx, people["anna"], at_language_step.id)
    assert title_of(svg, "Task_language_assessment") == "Sprachstand (alte Fassung): current step"
    assert "Language and literacy" in ctx.engine.library.sources["first_orientation.bpmn"]


def german_picture(login, ctx, people) -> ET.Element:
    """The process picture of a fresh case as a German reader gets it."""
    case_id = open_case(ctx, people["anna"]).id
    html = login("anna", language="de").get(f"/cases/{case_id}/process").text
    return ET.fromstring(html[html.index("<svg"):html.index("</svg>") + 6])


def test_names_break_between_words_only(login, ctx, people):
    """"Situationsanalyse", not "Situationsanaly-se": every line holds whole words of the
    name, and a word wider than its box gets a smaller font instead of a hyphen."""
    svg = german_picture(login, ctx, people)
    labelled = 0
    for group in svg.iter(f"{SVG}g"):
        title, label = group.find(f"{SVG}title"), group.find(f"{SVG}text[@class]")
        if not group.get("class", "").startswith("el ") or label is None \
                or "label" not in label.get("class"):
            continue
        name = title.text.rsplit(": ", 1)[0]
        lines = [span.text for span in label.findall(f"{SVG}tspan")]
        words = " ".join(lines).removesuffix("…").split()
        assert words == name.split()[:len(words)], lines
        labelled += 1
    assert labelled > 10
    texts = {span.text: span for span in svg.iter(f"{SVG}tspan")}
    assert "Situationsanalyse" in texts and "Nachverfolgung" in " ".join(texts)
    assert not any(text.endswith("-") for text in texts)


def test_labels_keep_clear_of_lane_names(login, ctx, people):
    """"Neuzugewanderte Person kommt" starts right of the strip that says "Beratung"."""
    svg = german_picture(login, ctx, people)
    strips = []
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") in ("pool", "lane") and group.find(f"{SVG}text") is not None:
            rect = group.find(f"{SVG}rect")
            strips.append((float(rect.get("x")), float(rect.get("y")), float(rect.get("height"))))
    assert any(g.find(f"{SVG}text").text == "Beratung" for g in svg.iter(f"{SVG}g")
               if g.get("class") == "lane" and g.find(f"{SVG}text") is not None)
    starts = 0
    for group in svg.iter(f"{SVG}g"):
        if group.get("class", "").split()[1:2] not in (["event"], ["gateway"]):
            continue
        label = group.find(f"{SVG}text[@class]")
        if label is None or "label" not in label.get("class"):
            continue
        lines = [span.text for span in label.findall(f"{SVG}tspan")]
        left = float(label.get("x")) - max(map(len, lines)) * CHAR_WIDTH / 2
        y = float(label.get("y"))
        for x, top, height in strips:
            if top <= y <= top + height:
                assert left >= x + NAME_BAND, (lines, left, x)
        starts += "Neuzugewanderte" in " ".join(lines)
    assert starts == 1

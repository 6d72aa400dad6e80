"""Every text a page can show has a German translation in the catalog, found by extraction."""

from __future__ import annotations

import ast
from importlib.resources import files
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from domain.vocabulary import CaseStatus, OfferStatus, SeatStatus
from forms import TASK_FORMS
from forms.choices import LANE_LABELS
from workflows import ProcessEngine, load_library

ROOT = Path(__file__).resolve().parent.parent
GERMAN = ROOT / "caseapp" / "translations" / "de" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module")
def german():
    with GERMAN.open("rb") as source:
        return read_po(source, locale="de")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What `make messages` extracts from the code as it is now (pyproject.toml's options)."""
    template = tmp_path_factory.mktemp("messages") / "messages.pot"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)  # the configuration's paths are relative to the project
        CommandLineInterface().run(["pybabel", "-q", "extract", "-o", str(template)])
    with template.open("rb") as source:
        return read_po(source)


def untranslated(catalog, messages) -> list[str]:
    missing = []
    for message in messages:
        entry = catalog.get(message)
        strings = entry.string if entry is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(message)
    return missing


def test_every_extracted_message_has_a_german_translation(extracted, german):
    messages = [m.id for m in extracted if m.id]
    assert len(messages) > 600
    assert untranslated(german, messages) == []


def message_templates() -> set[str]:
    """Every string literal passed as a ``template``: to a service error, or to any function
    or dataclass that takes one (``_at_field``, ``DraftRefusal``), in caseapp and forms."""
    trees = [ast.parse(path.read_text(encoding="utf-8"))
             for package in ("caseapp", "forms") for path in (ROOT / package).rglob("*.py")
             if "migrations" not in path.parts]
    takers: dict[str, int] = {}  # callable name -> position of its template argument
    classes = [node for tree in trees for node in ast.walk(tree)
               if isinstance(node, ast.ClassDef)]
    for tree in trees:
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                names = [a.arg for a in node.args.args]
                if "template" in names:
                    takers[node.name] = names.index("template")
    for node in classes:
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                names = [a.arg for a in item.args.args][1:]
                if "template" in names:
                    takers[node.name] = names.index("template")
        fields = [item.target.id for item in node.body if isinstance(item, ast.AnnAssign)
                  and isinstance(item.target, ast.Name)]
        if "template" in fields and node.name not in takers:
            takers[node.name] = fields.index("template")
    inherited = True
    while inherited:  # subclasses without their own __init__ take the template like their base
        inherited = False
        for node in classes:
            bases = [b.id for b in node.bases if isinstance(b, ast.Name) and b.id in takers]
            if bases and node.name not in takers:
                takers[node.name] = takers[bases[0]]
                inherited = True
    found = set()
    for tree in trees:
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = getattr(call.func, "id", getattr(call.func, "attr", None))
            if name not in takers:
                continue
            position = takers[name]
            argument = next((k.value for k in call.keywords if k.arg == "template"),
                            call.args[position] if len(call.args) > position else None)
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.add(argument.value)
    return found


def test_every_service_error_message_is_extracted_and_has_a_german_translation(extracted,
                                                                              german):
    templates = message_templates()
    assert {"No such case.", "Your role has read-only access: nothing was changed.",
            "Counsellors and team leads belong to a team.",
            "“%(field)s” contains invisible control characters: please remove them. "
            "Nothing was saved."} <= templates
    assert len(templates) > 60
    assert sorted(templates - {m.id for m in extracted}) == []  # a keyword is missing
    assert untranslated(german, sorted(templates)) == []


def test_every_step_group_and_lane_of_the_process_has_a_german_translation(german):
    bpmn = Path(str(files("bpmn")))
    library = load_library(bpmn, main_process="first_orientation", form_keys=TASK_FORMS)
    steps = ProcessEngine(library).outline(library.version)
    shown = {text for step in steps for text in (step.title, step.group) if text}
    # a lane is shown by its label (tasks name their lane by its BPMN id)
    shown |= {str(LANE_LABELS[step.lane]) for step in steps}
    assert len(shown) > 10 and "Team lead" in shown
    assert untranslated(german, sorted(shown)) == []


def test_every_interview_field_has_label_and_help_in_german_and_english(app):
    """Every field of every step shows a label and a help text, in both languages."""
    texts = {}
    for language in ("en", "de"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            texts[language] = {(key, field.name): (str(field.label.text), str(field.description))
                               for key, form_class in TASK_FORMS.items()
                               for field in form_class()}
    for field, (label, help_text) in texts["en"].items():
        german_label, german_help = texts["de"][field]
        assert label and help_text, field
        assert german_help != help_text, f"{field}: help text not translated"
        assert german_label != label or label in {"A1", "E-mail"}, f"{field}: label not translated"


def test_every_state_shown_by_its_code_has_a_german_translation(german):
    """States are their own English words (forms/labels.py translates the code itself)."""
    codes = [*CaseStatus, *SeatStatus, *OfferStatus]
    assert untranslated(german, sorted(set(codes))) == []

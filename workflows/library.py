"""Load, validate and version the process files in bpmn/.

A *process library* is the set of BPMN and DMN files of one deployment. Its
version is a content hash over file names and bytes, so the same files always
give the same version and any edit gives a new one. Validation happens here,
once, so that nothing malformed ever reaches a running case:

* XML that is not well-formed, or fails the BPMN schema (with the Spiff
  extensions), is refused with file and line;
* a business rule task whose decision is not in any DMN file is refused;
* every user task needs a form key (``spiffworkflow:properties`` →
  ``formKey``) that the caller knows;
* every script, gateway condition, timer expression and DMN cell must pass the
  sandbox rules (see :mod:`workflows.sandbox`).

We use ``SpiffBpmnParser``: it is the parser that keeps extension properties
(where the form key lives) and supports business rule tasks with DMN; its subclass
:class:`~workflows.timers.TimerParser` builds timers that run on the engine's time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins import UserTaskMixin
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.dmn.specs import BusinessRuleTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from .errors import ProcessDefinitionError
from .lanes import LaneIdProcessParser
from .sandbox import check_source
from .timers import TimerParser

FORM_KEY_PROPERTY = "formKey"


@dataclass(frozen=True)
class ProcessLibrary:
    """The parsed, validated process files of one version."""

    version: str
    main_process: str
    sources: dict[str, str]
    spec: Any = field(repr=False)
    subprocess_specs: dict[str, Any] = field(repr=False)

    def all_specs(self) -> Iterator[Any]:
        yield self.spec
        yield from self.subprocess_specs.values()


def content_version(files: dict[str, bytes]) -> str:
    """A hash of the files' names and contents: the same files, the same process version."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


class _ProcessFileParser(TimerParser):
    """The engine's timers, and lanes by id (workflows.lanes)."""

    PROCESS_PARSER_CLASS = LaneIdProcessParser


def load_library(directory: Path | str, *, main_process: str,
                 form_keys: Collection[str], lanes: Collection[str] | None = None
                 ) -> ProcessLibrary:
    """Parse and validate every ``*.bpmn`` and ``*.dmn`` file in ``directory``."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ProcessDefinitionError(f"no such folder: {directory}")
    files = {}
    for path in sorted(directory.iterdir()):
        if path.suffix in (".bpmn", ".dmn"):
            try:
                files[path.name] = path.read_bytes()
            except OSError as exc:
                raise ProcessDefinitionError(f"cannot be read: {exc.strerror}",
                                             file=path.name) from None
    return parse_library(files, main_process=main_process, form_keys=form_keys, lanes=lanes)


def parse_library(files: dict[str, bytes], *, main_process: str,
                  form_keys: Collection[str], lanes: Collection[str] | None = None
                  ) -> ProcessLibrary:
    """Parse and validate a set of process files given as ``{file name: bytes}``.

    ``lanes``: the lane ids the application knows (each decides who works its tasks); a
    user task in another lane is refused. None: any lane.
    """
    if not any(name.endswith(".bpmn") for name in files):
        raise ProcessDefinitionError("no BPMN file found")
    parser = _ProcessFileParser(validator=VALIDATOR)
    for name, content in files.items():
        _require_utf8(name, content)
        root = _parse_xml(name, content)
        try:
            if name.endswith(".dmn"):
                parser.add_dmn_xml(root, filename=name)
            else:
                parser.add_bpmn_xml(root, filename=name)
        except ValidationException as exc:
            raise _definition_error(exc, name) from None

    if main_process not in parser.get_process_ids():
        raise ProcessDefinitionError(f"no process with id '{main_process}' in the BPMN files")
    try:
        spec = parser.get_spec(main_process)
        subprocess_specs = parser.get_subprocess_specs(main_process)
    except ValidationException as exc:
        raise _definition_error(exc, exc.file_name or None) from None
    except SpiffWorkflowException as exc:
        raise ProcessDefinitionError(str(exc)) from None

    library = ProcessLibrary(
        version=content_version(files),
        main_process=main_process,
        sources={name: content.decode("utf-8") for name, content in files.items()},
        spec=spec,
        subprocess_specs=subprocess_specs,
    )
    for process_spec in library.all_specs():
        _check_process(process_spec, set(form_keys), None if lanes is None else set(lanes))
    return library


def _require_utf8(name: str, content: bytes) -> None:
    """Process files are UTF-8 (their sources are stored and shown as text)."""
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProcessDefinitionError(
            f"not UTF-8: byte 0x{content[exc.start]:02x} cannot be read", file=name,
            line=content[:exc.start].count(b"\n") + 1) from None


def _parse_xml(name: str, content: bytes):
    try:
        return etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise ProcessDefinitionError(f"not well-formed XML: {exc.msg}", file=name,
                                     line=exc.lineno) from None


def _definition_error(exc: ValidationException, file: str | None) -> ProcessDefinitionError:
    message = str(exc).split("\n")[0]
    element = getattr(exc, "id", "") or getattr(exc, "name", "") or None
    line = getattr(exc, "line_number", None) or None
    return ProcessDefinitionError(message, file=file or exc.file_name or None,
                                  element=element, line=line)


def _check_process(process_spec: Any, form_keys: set[str], lanes: set[str] | None) -> None:
    file = getattr(process_spec, "file", None)
    for task_spec in process_spec.task_specs.values():
        element = task_spec.bpmn_id or task_spec.name
        if isinstance(task_spec, UserTaskMixin):
            if lanes is not None and task_spec.lane is not None and task_spec.lane not in lanes:
                raise ProcessDefinitionError(
                    f"user task lies in lane '{task_spec.lane}', which decides nobody's work "
                    f"(known lanes: {', '.join(sorted(lanes))})", file=file, element=element)
            form_key = task_spec.extensions.get("properties", {}).get(FORM_KEY_PROPERTY)
            if not form_key:
                raise ProcessDefinitionError(
                    f"user task has no '{FORM_KEY_PROPERTY}' property", file=file, element=element)
            if form_key not in form_keys:
                raise ProcessDefinitionError(
                    f"user task names form '{form_key}', which does not exist",
                    file=file, element=element)
        for source, mode in _scripts_of(task_spec):
            check_source(source, mode, file=file, element=element)


def _scripts_of(task_spec: Any) -> Iterator[tuple[str, str]]:
    """Every piece of process text that the engine will evaluate for this task."""
    for attribute in ("script", "prescript", "postscript"):
        source = getattr(task_spec, attribute, None)
        if source:
            yield source, "exec"
    for condition, _target in getattr(task_spec, "cond_task_specs", []):
        if condition is not None:
            yield condition.args[0], "eval"
    if isinstance(task_spec, CatchingEvent):
        definition = task_spec.event_definition
        if isinstance(definition, TimerEventDefinition):
            yield definition.expression, "eval"
    if isinstance(task_spec, BusinessRuleTaskMixin):
        table = task_spec.dmnEngine.decision_table
        for column in table.inputs:
            yield column.expression, "eval"
        for rule in table.rules:
            for entry in rule.inputEntries:
                for cell in entry.lhs:
                    if cell:
                        yield _dmn_condition(entry.input.expression, cell), "eval"
            for entry in rule.outputEntries:
                if entry.text:
                    yield entry.text, "eval"


def _dmn_condition(input_expression: str, cell: str) -> str:
    """The expression the DMN engine will build from an input cell (see DMNEngine)."""
    if "?" in cell:
        return cell.replace("?", "(" + input_expression + ")")
    try:
        compile(cell, "<dmn cell>", "eval")
        return f"({input_expression}) == ({cell})"
    except SyntaxError:
        return f"({input_expression}) {cell}"

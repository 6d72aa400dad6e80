"""Start, advance, persist and time process instances.

Storage layout: the spec of a version is serialized once (:meth:`ProcessEngine.spec_json`)
and stored beside the cases; an instance is serialized *without* its spec
(about half the size) and with each task's data once (workflows/compat.py). To load
an instance we rebuild a ``BpmnWorkflow`` around spec objects cached per version
and restore only its tasks. Spec objects are
never mutated by running workflows, so one cached set serves every load; the
stored spec JSON is parsed afresh whenever the cache misses, because
SpiffWorkflow's deserializer mutates the dict it is given.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .compat import (
    TIMER_DUE,
    CompactSubWorkflowConverter,
    CompactTaskConverter,
    SpeclessWorkflowConverter,
    reset_to_task,
)
from .library import FORM_KEY_PROPERTY, ProcessLibrary
from .sandbox import SandboxEnvironment, SandboxScriptEngine
from .timers import engine_time, with_engine_timers


class TaskNotReady(Exception):
    """The task is not (or no longer) waiting for a person."""


@dataclass(frozen=True)
class ReadyTask:
    """A task waiting for a person, as the application sees it."""

    id: str
    bpmn_id: str
    title: str
    lane: str | None
    form_key: str
    documentation: str | None


@dataclass(frozen=True)
class Step:
    """A user task of a process version, in process order, for progress displays."""

    bpmn_id: str
    title: str
    lane: str | None
    form_key: str
    group: str | None  # the title of the subprocess it belongs to


def _outline(spec, subprocess_specs, group: str | None = None) -> list[Step]:
    """Depth-first along sequence flows; subprocesses expand in place."""
    steps, seen = [], set()

    def walk(task_spec):
        if task_spec.name in seen:
            return
        seen.add(task_spec.name)
        if task_spec.manual:
            steps.append(Step(task_spec.bpmn_id, task_spec.bpmn_name or task_spec.bpmn_id,
                              task_spec.lane, _form_key(task_spec), group))
        sub = getattr(task_spec, "spec", None)
        if isinstance(sub, str) and sub in subprocess_specs:
            steps.extend(_outline(subprocess_specs[sub], subprocess_specs,
                                  task_spec.bpmn_name or task_spec.bpmn_id))
        for output in task_spec.outputs:
            walk(output)

    walk(spec.start)
    return steps


def _form_key(task_spec) -> str:
    return task_spec.extensions.get("properties", {}).get(FORM_KEY_PROPERTY, "")


def spiff_serializer(config: Mapping | None = None) -> BpmnWorkflowSerializer:
    """SpiffWorkflow's serializer for ``config`` (by default SPIFF_CONFIG with the engine's
    timers: 3.2's own layout, which the specs are stored in) and the value types of form data."""
    registry = BpmnWorkflowSerializer.configure(config or with_engine_timers(SPIFF_CONFIG))
    # Form data carries dates and amounts; without these, serializing raises TypeError.
    registry.register(date, lambda v: {"value": v.isoformat()},
                      lambda v: date.fromisoformat(v["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    return BpmnWorkflowSerializer(registry)


def library_spec_json(library: ProcessLibrary) -> str:
    """A version's specs as JSON, as they are stored once per version."""
    registry = spiff_serializer().registry
    return json.dumps({
        "spec": registry.convert(library.spec),
        "subprocess_specs": {name: registry.convert(spec)
                             for name, spec in library.subprocess_specs.items()},
    })


def _instance_serializer() -> BpmnWorkflowSerializer:
    """Instances without their specs, each task's data stored once (workflows/compat.py)."""
    config = dict(with_engine_timers(SPIFF_CONFIG))
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    config[BpmnSubWorkflow] = CompactSubWorkflowConverter
    config[Task] = CompactTaskConverter
    return spiff_serializer(config)


class ProcessEngine:
    """Runs the instances of every process version this deployment has seen.

    ``stored_spec(version)`` returns the spec JSON of a stored version (the application
    keeps them in its database); ``library`` is the version loaded from the process folder
    at start-up, or None when that folder cannot be loaded (stored versions still run).
    """

    def __init__(self, library: ProcessLibrary | None, *,
                 stored_spec: Callable[[str], str] | None = None,
                 helpers: Mapping[str, Callable[..., Any]] | None = None,
                 main_process: str | None = None):
        self.library = library
        self.main_process = library.main_process if library is not None else main_process
        self._spec_serializer, self._serializer = spiff_serializer(), _instance_serializer()
        self._json_encoder = create_encoder(self._serializer.registry)
        self._script_engine = SandboxScriptEngine(SandboxEnvironment(helpers))
        self._stored_spec = stored_spec
        self._specs = {} if library is None else \
            {library.version: (library.spec, library.subprocess_specs)}
        self._outlines: dict[str, list[Step]] = {}
        self._specs_lock = threading.Lock()

    @property
    def version(self) -> str | None:
        """The version of the process folder loaded at start-up (None: it did not load)."""
        return self.library.version if self.library is not None else None

    def spec_json(self) -> str:
        """The current version's specs as JSON, to be stored once per version."""
        return library_spec_json(self.library)

    def start(self, data: Mapping[str, Any] | None = None, *,
              now: datetime | None = None, version: str | None = None) -> ProcessRun:
        """Start an instance of ``version`` (by default the folder's) and run it to its
        first wait."""
        version = version or self.version
        if version is None:
            raise KeyError("no process version to start: the process folder did not load")
        spec, subprocess_specs = self._specs_of(version)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self._script_engine)
        if data:
            workflow.task_tree.data.update(data)
            for task in workflow.get_tasks(state=TaskState.READY):
                task.data.update(data)
        run = ProcessRun(self, version, workflow)
        run.advance(now)
        return run

    def outline(self, version: str) -> list[Step]:
        """The user tasks of a version in process order (cached per version)."""
        with self._specs_lock:
            cached = self._outlines.get(version)
        if cached is None:
            cached = _outline(*self._specs_of(version))
            with self._specs_lock:
                self._outlines[version] = cached
        return cached

    def load(self, version: str, state_json: str) -> ProcessRun:
        spec, subprocess_specs = self._specs_of(version)
        dct = json.loads(state_json)
        self._serializer.migrate(dct)
        workflow = self._serializer.registry.restore(
            dct, spec=spec, subprocess_specs=subprocess_specs, script_engine=self._script_engine)
        return ProcessRun(self, version, workflow)

    def _specs_of(self, version: str):
        with self._specs_lock:
            cached = self._specs.get(version)
        if cached is not None:
            return cached
        if self._stored_spec is None:
            raise KeyError(f"process version {version} is unknown")
        stored = json.loads(self._stored_spec(version))  # a fresh dict: restoring mutates it
        registry = self._spec_serializer.registry
        subprocess_specs = {name: registry.restore(spec)
                            for name, spec in stored["subprocess_specs"].items()}
        specs = (registry.restore(stored["spec"]), subprocess_specs)
        with self._specs_lock:
            self._specs.setdefault(version, specs)
            return self._specs[version]

    def dumps(self, run: ProcessRun) -> str:
        dct = self._serializer.to_dict(run.workflow)
        dct[self._serializer.VERSION_KEY] = self._serializer.VERSION
        return json.dumps(dct, cls=self._json_encoder, separators=(",", ":"))


class ProcessRun:
    """One loaded process instance. Not thread-safe; load one per action."""

    def __init__(self, engine: ProcessEngine, version: str, workflow: BpmnWorkflow):
        self.engine = engine
        self.version = version
        self.workflow = workflow

    def dumps(self) -> str:
        return self.engine.dumps(self)

    @property
    def is_finished(self) -> bool:
        return self.workflow.is_completed()

    @property
    def data(self) -> dict[str, Any]:
        return self.workflow.data

    def advance(self, now: datetime | None = None) -> None:
        with engine_time(now):
            self.workflow.do_engine_steps()

    def ready_human_tasks(self) -> list[ReadyTask]:
        return [_human_task(t) for t in self.workflow.get_tasks(state=TaskState.READY,
                                                                  manual=True)]

    def task_data(self, task_id: str) -> dict[str, Any]:
        return dict(self._ready_task(task_id).data)

    def complete(self, task_id: str, data: Mapping[str, Any], *,
                 now: datetime | None = None) -> None:
        """Complete a ready human task with the data its form produced, then advance."""
        task = self._ready_task(task_id)
        task.data.update(data)
        with engine_time(now):
            task.run()
            self.workflow.do_engine_steps()

    def blank(self, names: Collection[str]) -> None:
        """Set the values of ``names`` to None wherever the instance holds them: in every
        task's data and every (sub)process's data (erasure; the keys stay, so a rule or a
        reopened step that reads them finds them empty, not missing)."""
        names = set(names)
        workflows = [self.workflow, *self.workflow.subprocesses.values()]
        for workflow in workflows:
            holders = [workflow.data, *(task.data for task in workflow.tasks.values())]
            for data in holders:
                for name in names & data.keys():
                    data[name] = None

    def reset_to(self, bpmn_id: str) -> None:
        """Make the last completed task with this BPMN id ready again (reopening a case).

        Later tasks are discarded and run again from there, timers included.
        """
        done = [t for t in self.workflow.get_tasks(state=TaskState.COMPLETED)
                if t.task_spec.bpmn_id == bpmn_id]
        if not done:
            raise TaskNotReady(bpmn_id)
        reset_to_task(self.workflow, done[-1].id)

    def element_states(self) -> dict[str, str]:
        """The state of each BPMN element that was reached, for the process picture.

        ``{bpmn id: "done" | "current" | "waiting"}``; elements not reached are left out.
        "current" is a ready (or started) user task, or a subprocess with ready work in
        it; "waiting" is a catching event (a timer) waiting to fire, or a subprocess with
        nothing ready but such an event in it. An id that occurs several times (loops, a
        reopened case) takes the strongest state: current > waiting > done.
        """
        rank = {"done": 1, "waiting": 2, "current": 3}
        states: dict[str, str] = {}

        def inner_state(task) -> str | None:
            subprocess = self.workflow.subprocesses.get(task.id)
            if subprocess is None:
                return None
            found = {state_of(t) for t in subprocess.get_tasks()}
            return "current" if "current" in found else "waiting" if "waiting" in found \
                else None

        def state_of(task) -> str | None:
            if task.state == TaskState.COMPLETED:
                return "done"
            if task.state in (TaskState.READY, TaskState.STARTED):
                if task.task_spec.manual:
                    return "current"
                return inner_state(task)
            if task.state == TaskState.WAITING:
                if getattr(task.task_spec, "event_definition", None) is not None:
                    return "waiting"
                return inner_state(task)
            return None

        for task in self.workflow.get_tasks():
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if not bpmn_id:
                continue
            state = state_of(task)
            if state and rank[state] > rank.get(states.get(bpmn_id, ""), 0):
                states[bpmn_id] = state
        return states

    def next_timer_due(self) -> datetime | None:
        """When the earliest pending timer fires (UTC), for the timer worker's index."""
        due = []
        for task in self._waiting_timer_tasks():
            value = task.task_spec.event_definition.details(task).value
            if isinstance(value, str):
                due.append(TimerEventDefinition.get_datetime(value))
        return min(due).astimezone(UTC) if due else None

    def move_timer(self, bpmn_id: str, due: datetime) -> bool:
        """Make the waiting timer event ``bpmn_id`` (a date or a duration) fire after ``due``
        instead; False when it does not wait (not reached yet, or fired) or is due then."""
        if due.tzinfo is None:
            raise ValueError("move_timer needs an aware datetime")
        moved = False
        for task in self._waiting_timer_tasks():
            definition = task.task_spec.event_definition
            if task.task_spec.bpmn_id != bpmn_id:
                continue
            if isinstance(definition, CycleTimerEventDefinition):
                raise ValueError(f"{bpmn_id} repeats: a cycle timer cannot be moved")
            value = due.astimezone(UTC).isoformat()
            current = task.internal_data.get(TIMER_DUE)
            if current is not None and TimerEventDefinition.get_datetime(current) == due:
                continue
            task.internal_data[TIMER_DUE] = value
            moved = True
        return moved

    def fire_due_timers(self, now: datetime) -> list[str]:
        """Fire every timer due at ``now``; returns the names of the timers that fired."""
        before = {t.id for t in self._waiting_timer_tasks()}
        with engine_time(now):
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps()
        still = {t.id for t in self._waiting_timer_tasks()}
        spec_names = {t.id: (t.task_spec.bpmn_name or t.task_spec.bpmn_id)
                      for t in self.workflow.get_tasks()}
        return [spec_names.get(task_id, str(task_id)) for task_id in before - still]

    def _waiting_timer_tasks(self):
        return [t for t in self.workflow.get_tasks(state=TaskState.WAITING)
                if isinstance(getattr(t.task_spec, "event_definition", None),
                              TimerEventDefinition)]

    def _ready_task(self, task_id: str):
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, TypeError):
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(task_id)
        return task


def _human_task(task) -> ReadyTask:
    spec = task.task_spec
    return ReadyTask(
        id=str(task.id),
        bpmn_id=spec.bpmn_id,
        title=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane,
        form_key=_form_key(spec),
        documentation=spec.documentation,
    )

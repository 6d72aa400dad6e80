"""What Ankommen relies on beyond SpiffWorkflow's public API, for the pinned 3.2.0 only.

pyproject.toml pins ``SpiffWorkflow==3.2.0``. Check everything here when raising it:

* :class:`SpeclessWorkflowConverter` repeats ``BpmnWorkflowConverter``'s ``to_dict`` and
  ``from_dict`` without the specs, so an instance is stored at half the size and restored
  around the specs cached per version (``BpmnWorkflow(..., deserializing=True)``).
* Task data is stored once (:class:`CompactTaskConverter`, :data:`DATA_FROM_SUBPROCESS`,
  :data:`DATA_FROM_LAST_TASK`). 3.2 stores a task's data as a delta against its parent,
  but a task not reached yet (empty data) gets a delta deleting every key of its parent,
  a subprocess task's delta repeats everything its subprocess's tasks already hold, and a
  finished (sub)process repeats its last task's data as its own. Those three are stored
  as references instead and rebuilt on load, in the order 3.2's delta restore needs
  (a parent's data before its children's, a subprocess before the tasks after it).
  Anything that does not equal what the reference rebuilds is stored as 3.2 stores it,
  and instances stored in 3.2's own layout load unchanged.
* :func:`reset_to_task` clears ``BpmnWorkflow.completed``: 3.2 caches completion and
  ``reset_from_task_id`` leaves the cache set, so a reopened case would look finished.
* :data:`TIMER_DUE` and :data:`TIMER_FIRED` are the ``Task.internal_data`` keys in which
  3.2's timer events keep their due time and fired flag. Stored instances hold them, and
  the timers in :mod:`workflows.timers` follow 3.2's ``has_fired`` with the engine's time;
  ``ProcessRun.move_timer`` rewrites the due time of a waiting date or duration timer there.
"""

from __future__ import annotations

from copy import deepcopy
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
)
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.deep_merge import DeepMerge

TIMER_DUE = "event_value"
TIMER_FIRED = "event_fired"

# A task whose data is its (finished) subprocess's result: the subprocess's last task's data.
DATA_FROM_SUBPROCESS = "data_from_subprocess"
# A (sub)process whose data is its last task's data (3.2 copies it there when it ends).
DATA_FROM_LAST_TASK = "data_from_last_task"


class CompactTaskConverter(TaskConverter):
    """3.2's task layout (a delta against the parent's data), each value stored once.

    The output is what 3.2's own ``TaskConverter.from_dict`` reads once the workflow
    converters below have put back the ``id`` (the task's key) and resolved
    :data:`DATA_FROM_SUBPROCESS`.
    """

    def to_dict(self, task):
        parent = task.parent
        dct = {  # no "id": it is the task's key in its workflow's "tasks"
            "parent": str(task._parent) if parent is not None else None,
            "children": [str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": {},
            "delta": {},
        }
        if parent is None:
            dct["data"] = task.data  # converted by the encoder, as 3.2 does
        elif not task.data:
            pass  # not reached yet: no data, rather than a delta deleting all the parent's
        elif _is_subprocess_result(task):
            dct[DATA_FROM_SUBPROCESS] = True
        else:
            updates = DeepMerge.get_updated_keys(parent.data, task.data)
            deletions = DeepMerge.get_deleted_keys(parent.data, task.data)
            # a non-empty delta means "the parent's data with these changes"
            dct["delta"] = {"updates": updates, **({"deletions": deletions} if deletions else {})}
        return dct


def _is_subprocess_result(task) -> bool:
    subprocess = task.workflow.top_workflow.subprocesses.get(task.id)
    return subprocess is not None and subprocess.last_task is not None \
        and task.data == subprocess.last_task.data


def _workflow_to_dict(converter, workflow) -> dict:
    """``WorkflowConverter.to_dict``, its data left out when the last task holds the same."""
    last = workflow.last_task
    shared = bool(workflow.data) and last is not None and workflow.data == last.data
    registry = converter.registry
    dct = {
        "data": {} if shared else registry.convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(last.id) if last is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": converter.mapping_to_dict(workflow.tasks),
        "root": str(workflow.task_tree.id),
    }
    if shared:
        dct[DATA_FROM_LAST_TASK] = True
    return dct


def _workflow_from_dict(converter, workflow, dct, subprocesses: dict, top) -> None:
    """Restore a (sub)process's tasks in stored order, each subprocess right after its task
    (3.2 restores them all afterwards): the tasks after it take their data from it."""
    for key, task_dct in dct["tasks"].items():
        task_dct.setdefault("id", key)
        task = converter.registry.restore(task_dct, workflow=workflow)  # joins workflow.tasks
        if isinstance(task.task_spec, SubWorkflowTask) and key in subprocesses:
            subprocess = converter.registry.restore(subprocesses.pop(key), task=task,
                                                    top_workflow=top,
                                                    subprocesses=subprocesses)
            top.subprocesses[task.id] = subprocess
            subprocess.completed_event.connect(task.task_spec._on_subworkflow_completed, task)
        if task_dct.get(DATA_FROM_SUBPROCESS):
            task.data = deepcopy(top.subprocesses[task.id].last_task.data)
    workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
    shared = dct.pop(DATA_FROM_LAST_TASK, False)
    converter.set_default_attributes(workflow, dct)
    if shared:
        workflow.data = deepcopy(workflow.last_task.data)


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its specs and restores it around given specs."""

    def to_dict(self, workflow):
        dct = _workflow_to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, *, spec, subprocess_specs, script_engine):
        workflow = self.target_class(spec, subprocess_specs, script_engine=script_engine,
                                     deserializing=True)
        _workflow_from_dict(self, workflow, dct, dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class CompactSubWorkflowConverter(BpmnSubWorkflowConverter):
    """A subprocess, stored as :class:`SpeclessWorkflowConverter` stores the top process."""

    def to_dict(self, workflow):
        dct = _workflow_to_dict(self, workflow)
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
        return dct

    def from_dict(self, dct, task, top_workflow, subprocesses=None):
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        _workflow_from_dict(self, subprocess, dct, subprocesses if subprocesses is not None
                            else {}, top_workflow)
        return subprocess


def reset_to_task(workflow: BpmnWorkflow, task_id: UUID) -> None:
    """Make a completed task ready again, discarding what came after it."""
    workflow.reset_from_task_id(task_id)
    workflow.completed = False

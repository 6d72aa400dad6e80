"""What Ankommen relies on beyond SpiffWorkflow's public API, for the pinned 3.2.0 only.

pyproject.toml pins ``SpiffWorkflow==3.2.0``. Check everything here when raising it:

* :class:`SpeclessWorkflowConverter` repeats ``BpmnWorkflowConverter``'s ``to_dict`` and
  ``from_dict`` without the specs, so an instance is stored at half the size and restored
  around the specs cached per version (``BpmnWorkflow(..., deserializing=True)``).
* :func:`reset_to_task` clears ``BpmnWorkflow.completed``: 3.2 caches completion and
  ``reset_from_task_id`` leaves the cache set, so a reopened case would look finished.
* :data:`TIMER_DUE` and :data:`TIMER_FIRED` are the ``Task.internal_data`` keys in which
  3.2's timer events keep their due time and fired flag. Stored instances hold them, and
  the timers in :mod:`workflows.timers` follow 3.2's ``has_fired`` with the engine's time;
  ``ProcessRun.move_timer`` rewrites the due time of a waiting date or duration timer there.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)

TIMER_DUE = "event_value"
TIMER_FIRED = "event_fired"


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its specs and restores it around given specs."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, *, spec, subprocess_specs, script_engine):
        workflow = self.target_class(spec, subprocess_specs, script_engine=script_engine,
                                     deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def reset_to_task(workflow: BpmnWorkflow, task_id: UUID) -> None:
    """Make a completed task ready again, discarding what came after it."""
    workflow.reset_from_task_id(task_id)
    workflow.completed = False

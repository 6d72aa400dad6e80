"""Lanes by their BPMN id: who may work a task is decided by the lane it lies in, so it must
not change when a modeler renames the lane (the name is only what a diagram shows).

SpiffWorkflow's parser puts the lane's *name* on each task spec; this process parser (set
through the parser's ``PROCESS_PARSER_CLASS``) puts the lane's *id* there instead. Tasks of
a subprocess take the lane of the subprocess, as before.
"""

from __future__ import annotations

from SpiffWorkflow.spiff.parser.process import SpiffProcessParser


class LaneIdProcessParser(SpiffProcessParser):
    """SpiffWorkflow's process parser, with a task's lane by id, not by name."""

    def get_lane_name(self, node_id):
        """The id of the lane whose ``flowNodeRef`` names ``node_id`` (None: no lane)."""
        for lane in self.node.iterfind(".//bpmn:lane", namespaces=self.nsmap):
            if any(ref.text == node_id for ref in
                   lane.iterfind("bpmn:flowNodeRef", namespaces=self.nsmap)):
                return lane.get("id")
        return None

"""Changing the real process files for a test: a script task inserted on a sequence flow."""

from __future__ import annotations

from xml.sax.saxutils import escape


def insert_script(bpmn: str, flow: str, script_id: str, script: str) -> str:
    """A script task on sequence flow ``flow``, between its source and its target."""
    start = bpmn.index(f'<bpmn:sequenceFlow id="{flow}" ')
    end = bpmn.index("/>", start) + 2
    original = bpmn[start:end]
    target = original.split('targetRef="')[1].split('"')[0]
    task = (f'<bpmn:scriptTask id="{script_id}"><bpmn:incoming>{flow}</bpmn:incoming>'
            f'<bpmn:outgoing>{flow}_on</bpmn:outgoing><bpmn:script>{escape(script)}'
            f'</bpmn:script></bpmn:scriptTask><bpmn:sequenceFlow id="{flow}_on" '
            f'sourceRef="{script_id}" targetRef="{target}" />')
    bpmn = bpmn[:start] + original.replace(f'targetRef="{target}"', f'targetRef="{script_id}"') \
        + task + bpmn[end:]
    incoming = f"<bpmn:incoming>{flow}</bpmn:incoming>"
    at = bpmn.index(incoming, bpmn.index(f'id="{target}"'))  # the target's own incoming
    return bpmn[:at] + f"<bpmn:incoming>{flow}_on</bpmn:incoming>" + bpmn[at + len(incoming):]

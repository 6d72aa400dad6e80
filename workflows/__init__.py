"""The engine boundary: everything Ankommen knows about SpiffWorkflow lives here.

Nothing in this package imports Flask, SQLAlchemy or caseapp. Callers hand in
what the engine needs (form keys, a way to fetch stored specs, the current time)
and get back plain data.
"""

from .engine import ProcessEngine, ProcessRun, ReadyTask, Step, TaskNotReady
from .errors import ProcessDefinitionError, ScriptRefused, ScriptStopped
from .library import ProcessLibrary, load_library
from .periods import period

__all__ = [
    "ProcessEngine",
    "ReadyTask",
    "ProcessDefinitionError",
    "ProcessLibrary",
    "ProcessRun",
    "ScriptRefused",
    "ScriptStopped",
    "Step",
    "TaskNotReady",
    "load_library",
    "period",
]

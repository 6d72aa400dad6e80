"""The refusal a user sees when the process stopped one of its scripts (workflows.script_budget)."""

from __future__ import annotations

from forms.i18n import N_
from workflows import ScriptStopped

from .errors import ProcessStopped

# What a stopped script went over, as a counsellor reads it (workflows.script_budget).
BUDGETS = {"steps": N_("it took too many steps"), "time": N_("it took too long"),
           "size": N_("it built too large a value"),
           "format": N_("a format string read an attribute or an item")}


def process_stopped(exc: ScriptStopped) -> ProcessStopped:
    """The refusal a counsellor sees when the process stopped a script: where and why."""
    return ProcessStopped("The process could not go on: its element “%(element)s” was "
                          "stopped (%(budget)s). Nothing was saved; your input is shown "
                          "below. Please tell an admin: the process file needs correcting.",
                          element=exc.element or "?", budget=BUDGETS.get(exc.budget, exc.budget))

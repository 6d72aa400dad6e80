"""Errors raised at the engine boundary, phrased for the people who fix them."""

from SpiffWorkflow.exceptions import SpiffWorkflowException


class ProcessDefinitionError(Exception):
    """A BPMN or DMN file cannot be used; names the file and, where known, the element."""

    def __init__(self, message: str, *, file: str | None = None, element: str | None = None,
                 line: int | None = None):
        self.message = message
        self.file = file
        self.element = element
        self.line = line
        where = []
        if file:
            where.append(file if line is None else f"{file}:{line}")
        if element:
            where.append(f"element '{element}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ScriptRefused(ProcessDefinitionError):
    """A script or expression tries something the sandbox does not allow."""


class ScriptStopped(SpiffWorkflowException):
    """A running script or expression was stopped: it went over a budget (``steps``,
    ``time``, ``size``) or tried a refused ``format``. ``element`` and ``file`` name
    where, once the engine knows the task. A SpiffWorkflowException, so SpiffWorkflow
    passes it on unwrapped."""

    def __init__(self, reason: str, *, budget: str, element: str | None = None,
                 file: str | None = None):
        super().__init__(reason)
        self.reason, self.budget, self.element, self.file = reason, budget, element, file

    def __str__(self) -> str:
        where = [part for part in (self.file, self.element and f"element '{self.element}'")
                 if part]
        return f"{', '.join(where)}: {self.reason}" if where else self.reason

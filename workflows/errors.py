"""Errors raised at the engine boundary, phrased for the people who fix them."""


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

"""The restricted environment in which BPMN scripts, conditions and DMN cells run.

SpiffWorkflow's default environment calls ``eval``/``exec`` on process text, so a
process file could import modules or walk ``().__class__.__base__`` to anything.
Here every script and expression is compiled by RestrictedPython (which refuses
names and attributes starting with ``_`` at compile time and routes attribute,
item and iteration access through guards) and runs with a small allow-list of
builtins. :func:`check_source` applies the same rules statically so that a
process file is refused when it is loaded, with the offending element named.
"""

from __future__ import annotations

import ast
import builtins
import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

from .errors import ScriptRefused

Mode = Literal["eval", "exec"]

ALLOWED_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name)
    for name in (
        "None", "True", "False", "abs", "all", "any", "bool", "dict", "enumerate", "float",
        "int", "isinstance", "len", "list", "max", "min", "range", "round", "set", "sorted",
        "str", "sum", "tuple", "zip", "ValueError", "KeyError", "TypeError",
    )
}
_FORBIDDEN_BUILTINS = frozenset(dir(builtins)) - set(ALLOWED_BUILTINS)

_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "|=": operator.ior, "&=": operator.iand,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    try:
        return _INPLACE[op](target, value)
    except KeyError:
        raise TypeError(f"operator {op} is not allowed in process scripts") from None


GUARDS: dict[str, Any] = {
    "__builtins__": ALLOWED_BUILTINS,
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
}


def _static_problems(source: str, mode: Mode) -> list[str]:
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return [f"syntax error: {exc.msg} (line {exc.lineno})"]
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            problems.append("imports are not allowed")
        elif isinstance(node, ast.Name) and node.id in _FORBIDDEN_BUILTINS:
            problems.append(f"'{node.id}' is not available in process scripts")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            problems.append(f"attribute '{node.attr}' is not accessible")
    return problems


@lru_cache(maxsize=2048)
def _compile(source: str, mode: Mode):
    problems = _static_problems(source, mode)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source, filename="<process script>")
    problems.extend(result.errors)
    if problems:
        raise ScriptRefused("; ".join(dict.fromkeys(problems)) + f" in {source.strip()!r}")
    return result.code


def check_source(source: str, mode: Mode, *, file: str | None, element: str | None) -> None:
    """Refuse a script or expression that the sandbox would not run."""
    try:
        _compile(source, mode)
    except ScriptRefused as exc:
        raise ScriptRefused(exc.message, file=file, element=element) from None


class SandboxEnvironment(TaskDataEnvironment):
    """A TaskDataEnvironment that runs only RestrictedPython-compiled code.

    The library's ``evaluate``/``execute`` run what they are given with ``eval``/``exec``;
    they are given the compiled code, never the process text.
    """

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None):
        super().__init__({**GUARDS, **(helpers or {})})

    def evaluate(self, expression, context, external_context=None):
        return super().evaluate(_compile(expression, "eval"), context, external_context)

    def execute(self, script, context, external_context=None):
        return super().execute(_compile(script, "exec"), context, external_context)

"""The restricted environment in which BPMN scripts, conditions and DMN cells run.

SpiffWorkflow's default environment calls ``eval``/``exec`` on process text, so a
process file could import modules or walk ``().__class__.__base__`` to anything.
Here every script and expression is compiled by RestrictedPython (which refuses
names and attributes starting with ``_`` at compile time and routes attribute,
item and iteration access through guards) and runs with a small allow-list of
builtins. Every run is metered and its growing operations guarded
(:mod:`workflows.script_budget`), so a script cannot hang or exhaust the server.
:func:`check_source` applies the same rules statically so that a process file is refused
when it is loaded, with the offending element named; what is plainly endless or oversized
(``while True: pass``, ``'a' * 10**10``, ``'{0.__class__}'.format(1)``) is refused there too.
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
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from . import script_budget
from .errors import ScriptRefused, ScriptStopped
from .script_budget import DEFAULT_LIMITS, GUARDED_BUILTINS, BudgetTransformer, Limits

Mode = Literal["eval", "exec"]

ALLOWED_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name)
    for name in (
        "None", "True", "False", "abs", "all", "any", "bool", "dict", "enumerate", "float",
        "int", "isinstance", "len", "list", "max", "min", "range", "round", "set", "sorted",
        "str", "sum", "tuple", "zip", "ValueError", "KeyError", "TypeError",
    )
} | GUARDED_BUILTINS
_FORBIDDEN_BUILTINS = frozenset(dir(builtins)) - set(ALLOWED_BUILTINS)

_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "|=": operator.ior, "&=": operator.iand,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    try:
        operation = script_budget.INPLACE.get(op) or _INPLACE[op]
    except KeyError:
        raise TypeError(f"operator {op} is not allowed in process scripts") from None
    return operation(target, value)


def _getattr(obj: Any, name: str, default: Any = None) -> Any:
    """RestrictedPython's getattr, with guarded stand-ins for the methods that grow values
    (``str.format`` among them, which it refuses altogether)."""
    guarded = script_budget.guarded_method(obj, name)
    return guarded if guarded is not None else safer_getattr(obj, name, default)


def _getitem(obj: Any, key: Any) -> Any:
    return script_budget.slice_of(obj, key) if isinstance(key, slice) \
        else default_guarded_getitem(obj, key)


GUARDS: dict[str, Any] = {
    "__builtins__": ALLOWED_BUILTINS,
    "_getattr_": _getattr,
    "_getitem_": _getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    **script_budget.GUARDS,
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
        elif isinstance(node, ast.While) and _endless(node):
            problems.append("the loop never ends (no break, return or raise)")
        problems.extend(_oversized(node))
    return problems


def _endless(loop: ast.While) -> bool:
    """A ``while`` on a true constant that nothing in its body leaves."""
    if not (isinstance(loop.test, ast.Constant) and loop.test.value):
        return False
    todo = list(loop.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Return | ast.Raise | ast.Break | ast.Yield | ast.YieldFrom):
            return False
        if not isinstance(node, ast.While | ast.For | ast.FunctionDef | ast.Lambda):
            todo.extend(ast.iter_child_nodes(node))  # a nested loop's break is its own
        elif isinstance(node, ast.While | ast.For):
            todo.extend(n for n in ast.walk(node)
                        if isinstance(n, ast.Return | ast.Raise | ast.Yield | ast.YieldFrom))
    return True


def _oversized(node: ast.AST) -> list[str]:
    """What the budget would stop at run time whatever the data: constants too large to
    build, a ``range`` over too many items, a format string that reads attributes."""
    try:
        if isinstance(node, ast.BinOp):
            script_budget.constant_value(node)
        elif isinstance(node, ast.Call):
            _check_call(node)
    except ScriptStopped as exc:
        return [exc.reason]
    except Exception:  # noqa: BLE001 - not constant, or fails at run time anyway
        pass
    return []


def _check_call(call: ast.Call) -> None:
    func = call.func
    if isinstance(func, ast.Name) and func.id == "range":
        args = [script_budget.constant_value(arg) for arg in call.args]  # or ValueError
        if all(isinstance(arg, int) for arg in args):
            GUARDED_BUILTINS["range"](*args)
    elif isinstance(func, ast.Attribute) and func.attr in ("format", "format_map"):
        template = func.value
        if isinstance(template, ast.Name) and template.id == "str" and call.args:
            template = call.args[0]  # str.format(template, ...)
        if isinstance(template, ast.Constant) and isinstance(template.value, str):
            script_budget.check_format_string(template.value)


@lru_cache(maxsize=2048)
def _compile(source: str, mode: Mode):
    problems = _static_problems(source, mode)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source, filename="<process script>", policy=BudgetTransformer)
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

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None, *,
                 limits: Limits = DEFAULT_LIMITS):
        super().__init__({**GUARDS, **(helpers or {})})
        self.limits = limits

    def evaluate(self, expression, context, external_context=None):
        code = _compile(expression, "eval")
        with script_budget.metered(self.limits):
            return super().evaluate(code, context, external_context)

    def execute(self, script, context, external_context=None):
        code = _compile(script, "exec")
        with script_budget.metered(self.limits):
            return super().execute(code, context, external_context)


class SandboxScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine on the sandbox; a stopped script names its element."""

    def __init__(self, environment: SandboxEnvironment):
        super().__init__(environment=environment)

    def evaluate(self, task, expression, external_context=None):
        try:
            return super().evaluate(task, expression, external_context)
        except ScriptStopped as exc:
            raise _located(exc, task) from None

    def execute(self, task, script, external_context=None):
        try:
            return super().execute(task, script, external_context)
        except ScriptStopped as exc:
            raise _located(exc, task) from None


def _located(exc: ScriptStopped, task) -> ScriptStopped:
    if exc.element is None:
        exc.element = task.task_spec.bpmn_id or task.task_spec.name
        exc.file = getattr(task.workflow.spec, "file", None)
    return exc

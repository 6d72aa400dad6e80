"""Budgets that keep a process script from hanging or exhausting the server.

Every script and expression runs under a :class:`Meter`: a step budget (each loop
iteration, comprehension item and function call is one step), a backstop in seconds
checked at every step, and size guards. ``*``, ``**``, ``<<``, ``+`` and ``%``, the string
methods that grow text, ``range`` and the builtins that copy a sequence compute the size of
their result *before* building it: a value over :attr:`Limits.items` (or an integer over
:attr:`Limits.int_bits`) is refused, and what a run builds is added up against
:attr:`Limits.built`. Format strings may only name positional or keyword arguments,
never an attribute or an item (``'{0.__class__}'``). :class:`BudgetTransformer` rewrites
the compiled code so that all of this is called.
"""

from __future__ import annotations

import ast
import re
import string
import time
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from RestrictedPython import RestrictingNodeTransformer

from .errors import ScriptStopped


@dataclass(frozen=True)
class Limits:
    """What one run of one script or expression may do."""

    steps: int = 100_000  # a real process script takes a few dozen
    seconds: float = 2.0  # a backstop for steps that each do much work
    items: int = 1_000_000  # the largest sequence (items) or text (characters) built
    built: int = 10_000_000  # all sequences and texts built by one run, added up
    int_bits: int = 100_000  # the largest integer computed


DEFAULT_LIMITS = Limits()
_current: ContextVar[Meter | None] = ContextVar("script_meter", default=None)


class Meter:
    """Counts one run's steps, time and built items; raises :class:`ScriptStopped` beyond
    the limits, and stays stopped (a script catching the error cannot go on)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.steps = 0
        self.built = 0
        self.deadline = time.monotonic() + limits.seconds
        self.stopped: ScriptStopped | None = None

    def step(self) -> bool:
        self.steps += 1
        if self.stopped is None:
            if self.steps > self.limits.steps:
                self.stopped = ScriptStopped(
                    f"stopped after {self.limits.steps:,} steps (loop iterations, "
                    "comprehension items, calls)", budget="steps")
            elif time.monotonic() > self.deadline:
                self.stopped = ScriptStopped(
                    f"stopped after {self.limits.seconds:g} seconds", budget="time")
        if self.stopped is not None:
            raise self.stopped
        return True

    def build(self, size: int) -> None:
        self.built += size
        if self.built > self.limits.built and self.stopped is None:
            self.stopped = ScriptStopped(
                f"built more than {self.limits.built:,} items in all", budget="size")
        if self.stopped is not None:
            raise self.stopped


@contextmanager
def metered(limits: Limits):
    """Run the body under a fresh meter; a budget it exceeded is raised even if the script
    caught the error."""
    meter = Meter(limits)
    token = _current.set(meter)
    try:
        yield meter
    finally:
        _current.reset(token)
    if meter.stopped is not None:
        raise meter.stopped


def _meter() -> Meter:
    meter = _current.get()
    return meter if meter is not None else Meter(DEFAULT_LIMITS)


def _limits() -> Limits:
    meter = _current.get()
    return meter.limits if meter is not None else DEFAULT_LIMITS


def _too_big(size: int) -> None:
    limit = _limits().items
    if size > limit:
        raise ScriptStopped(f"would build a value of {size:,} items or characters "
                            f"(at most {limit:,})", budget="size")


def _built(size: int) -> None:
    _too_big(size)
    _meter().build(size)


def _int_too_big(bits: int) -> None:
    limit = _limits().int_bits
    if bits > limit:
        raise ScriptStopped(f"would compute an integer of {bits:,} bits (at most {limit:,})",
                            budget="size")


_SEQUENCES = (str, bytes, list, tuple)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- operators ---------------------------------------------------------------------------

def mul(a, b):
    if isinstance(a, _SEQUENCES) and _is_int(b):
        _built(len(a) * max(b, 0))
    elif isinstance(b, _SEQUENCES) and _is_int(a):
        _built(len(b) * max(a, 0))
    elif _is_int(a) and _is_int(b):
        _int_too_big(a.bit_length() + b.bit_length())
    return a * b


def power(a, b):
    if _is_int(a) and _is_int(b) and b > 0 and abs(a) > 1:
        _int_too_big((abs(a).bit_length() - 1) * b + 1)
    return a ** b


def lshift(a, b):
    if _is_int(a) and _is_int(b) and a and b > 0:
        _int_too_big(a.bit_length() + b)
    return a << b


def add(a, b):
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        _built(len(a) + len(b))
    return a + b


def mod(a, b):
    if isinstance(a, str | bytes):
        _built(_percent_size(a, b))
    return a % b


OPERATORS = {ast.Mult: ("_mul_", mul), ast.Pow: ("_pow_", power),
             ast.LShift: ("_lshift_", lshift), ast.Add: ("_add_", add),
             ast.Mod: ("_mod_", mod)}
INPLACE = {"*=": mul, "**=": power, "+=": add, "%=": mod}


# --- sizes of formatted text ------------------------------------------------------------

def text_size(value) -> int:
    """How long ``str(value)`` would be, at most (a little more); refused over the limit
    before it is built, however deeply a container nests or repeats itself."""
    limit, total, todo = _limits().items, 0, [value]
    while todo:
        item = todo.pop()
        if isinstance(item, str | bytes):
            total += len(item) + 3
        elif isinstance(item, dict):
            total += 2 + 2 * len(item)
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + 2 * len(item)
            todo.extend(item)
        else:
            total += 32 if not _is_int(item) else item.bit_length() // 3 + 2
        if total > limit:
            _too_big(total)
    return total


_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?P<width>\*|\d+)?"
                      r"(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<type>[a-zA-Z%])")


def _percent_size(template, args) -> int:
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    values = list(args) if isinstance(args, tuple) else [args]
    total, position = len(text), 0
    for match in _PERCENT.finditer(text):
        if match["type"] == "%":
            continue
        if "*" in (match["width"], match["precision"]):
            raise ScriptStopped("a '*' width in a % format is not allowed", budget="format")
        if match["key"] is not None and isinstance(args, dict):
            value = args.get(match["key"], "")
        else:
            value = values[position] if position < len(values) else ""
            position += 1
        total += max(int(match["width"] or 0), int(match["precision"] or 0), text_size(value))
    return total


def _format_fields(template: str) -> Iterable[tuple[str, str]]:
    """(field name, format spec) of every replacement field, nested specs included."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ScriptStopped(f"format string is malformed: {exc}", budget="format") from None
    for _literal, name, spec, _conversion in parsed:
        if name is None:
            continue
        if "." in name or "[" in name:
            raise ScriptStopped(f"a format field may not read an attribute or an item "
                                f"('{{{name}}}')", budget="format")
        yield name, spec or ""
        if spec and "{" in spec:
            yield from _format_fields(spec)


def spec_width(spec: str) -> int:
    """The largest number in a format spec: its width or precision."""
    numbers = [int(n) for n in re.findall(r"\d+", spec)]
    return max(numbers, default=0)


def check_format_string(template: str) -> None:
    """Refuse a format string naming attributes or items, or with an oversized width."""
    for _name, spec in _format_fields(template):
        _too_big(spec_width(spec))


def _format_size(template: str, args: tuple, kwargs: dict) -> int:
    total, automatic = len(template), 0
    for name, spec in _format_fields(template):
        if name == "":
            value = args[automatic] if automatic < len(args) else ""
            automatic += 1
        elif name.isdigit():
            value = args[int(name)] if int(name) < len(args) else ""
        else:
            value = kwargs.get(name, "")
        total += max(spec_width(spec), text_size(value))
    return total


def formatted(value, spec: str = ""):
    """An f-string's value, let through only when its text stays within the limit."""
    _built(max(text_size(value), spec_width(spec)))
    return value


# --- methods and builtins ------------------------------------------------------------------

def _str_format(template, *args, **kwargs):
    _built(_format_size(template, args, kwargs))
    return template.format(*args, **kwargs)


def _str_format_map(template, mapping):
    _built(_format_size(template, (), mapping))
    return template.format_map(mapping)


def _padded(method: str):
    def pad(text, width, *args):
        _built(max(len(text), width if _is_int(width) else 0))
        return getattr(text, method)(width, *args)
    return pad


def _expandtabs(text, tabsize=8):
    _built(len(text) + text.count("\t" if isinstance(text, str) else b"\t") * max(tabsize, 0))
    return text.expandtabs(tabsize)


def _join(separator, iterable):
    items = list(iterable)
    _built(sum(len(i) for i in items if isinstance(i, str | bytes))
           + len(separator) * max(len(items) - 1, 0))
    return separator.join(items)


def _replace(text, old, new, count=-1):
    found = len(text) + 1 if not old else text.count(old)
    if count >= 0:
        found = min(found, count)
    _built(len(text) + found * max(len(new) - len(old), 0))
    return text.replace(old, new, count)


def _translate(text, table):
    longest = max((len(v) for v in getattr(table, "values", lambda: [])()
                   if isinstance(v, str | bytes)), default=1)
    _built(len(text) * max(longest, 1))
    return text.translate(table)


def _extend(items, more):
    more = more if isinstance(more, list | tuple | str | bytes | range) else list(more)
    _built(len(items) + len(more))
    return items.extend(more)


_TEXT_METHODS = {
    "format": _str_format, "format_map": _str_format_map, "center": _padded("center"),
    "ljust": _padded("ljust"), "rjust": _padded("rjust"), "zfill": _padded("zfill"),
    "expandtabs": _expandtabs, "join": _join, "replace": _replace, "translate": _translate,
}


def guarded_method(obj, name: str):
    """The guarded stand-in for a method that can grow a value, bound to ``obj`` (or
    unbound when ``obj`` is the type, as in ``str.join``); None for any other."""
    if isinstance(obj, str | bytes) or obj in (str, bytes):
        method = _TEXT_METHODS.get(name)
    elif isinstance(obj, list) or obj is list:
        method = _extend if name == "extend" else None
    else:
        return None
    if method is None or not hasattr(obj, name):
        return None
    if isinstance(obj, type):
        return method
    return lambda *args, **kwargs: method(obj, *args, **kwargs)


def _guarded_range(*args):
    result = range(*args)
    _built(len(result))
    return result


def _copying(builtin):
    """A builtin that builds a container from an iterable: a sized one counts as built."""
    def copy(*args, **kwargs):
        if args and hasattr(args[0], "__len__"):
            _built(len(args[0]))
        return builtin(*args, **kwargs)
    copy.__name__ = builtin.__name__
    return copy


def _str(*args, **kwargs):
    if args and not isinstance(args[0], bytes):
        _built(text_size(args[0]))
    return str(*args, **kwargs)


def _sum(iterable, /, start=0):
    if not isinstance(start, int | float):
        raise ScriptStopped("sum() adds numbers only", budget="size")
    return sum(iterable, start)


# Builtins that stand in for Python's own in a script's namespace (not types: isinstance).
GUARDED_BUILTINS = {"range": _guarded_range, "sum": _sum, "sorted": _copying(sorted)}
# Types that build from an argument: their calls are routed through built_by (below).
_BUILDING_TYPES = {str: _str, **{t: _copying(t) for t in (list, tuple, set, dict)}}


def built_by(func, *args, **kwargs):
    """A call ``func(...)`` of a name that builds a value: guarded when it is one of the
    builtin types, so ``str`` and ``list`` stay the types (``isinstance``, ``str.lower``)."""
    guard = _BUILDING_TYPES.get(func) if isinstance(func, type) else None
    return (guard or func)(*args, **kwargs)


def slice_of(obj, key):
    """``obj[key]``: a slice counts as built."""
    if isinstance(key, slice) and hasattr(obj, "__len__"):
        _built(len(range(len(obj))[key]))
    return obj[key]


def step() -> bool:
    return _meter().step()


# --- the compile-time rewrite ------------------------------------------------------------

def _call(name: str, args: list[ast.expr], at: ast.AST) -> ast.Call:
    node = ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=args, keywords=[])
    return ast.fix_missing_locations(ast.copy_location(node, at))


def _step_statement(at: ast.AST) -> ast.Expr:
    return ast.fix_missing_locations(ast.copy_location(ast.Expr(_call("_step_", [], at)), at))


class BudgetTransformer(RestrictingNodeTransformer):
    """RestrictedPython's rules, and calls into this module's meter and guards."""

    def visit_While(self, node):
        node = super().visit_While(node)
        node.body.insert(0, _step_statement(node))
        return node

    def visit_For(self, node):
        node = super().visit_For(node)
        node.body.insert(0, _step_statement(node))
        return node

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _step_statement(node))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        node.body = ast.copy_location(
            ast.BoolOp(op=ast.And(), values=[_call("_step_", [], node), node.body]), node.body)
        return node

    def visit_comprehension(self, node):
        node = super().visit_comprehension(node)
        node.ifs.insert(0, _call("_step_", [], node.iter))
        return node

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        guard = OPERATORS.get(type(node.op))
        if guard is None:
            return node
        return _call(guard[0], [node.left, node.right], node)

    def visit_Call(self, node):
        node = super().visit_Call(node)
        if isinstance(node.func, ast.Name) and node.func.id in ("str", "list", "tuple", "set",
                                                                "dict"):
            node.args.insert(0, node.func)
            node.func = ast.copy_location(ast.Name(id="_built_by_", ctx=ast.Load()), node)
        return node

    def visit_FormattedValue(self, node):
        node = super().visit_FormattedValue(node)
        spec = ""
        if node.format_spec is not None:
            parts = node.format_spec.values
            if any(not isinstance(part, ast.Constant) for part in parts):
                self.error(node, "a format spec computed at run time is not allowed")
                return node
            spec = "".join(str(part.value) for part in parts)
            if spec_width(spec) > DEFAULT_LIMITS.items:
                self.error(node, f"a format width of {spec_width(spec):,} is too large")
        node.value = _call("_formatted_", [node.value, ast.Constant(spec)], node)
        return node


GUARDS = {
    "_step_": step, "_formatted_": formatted, "_built_by_": built_by,
    **{name: function for name, function in OPERATORS.values()},
}


def constant_value(node: ast.AST):
    """The value of an expression made only of literals and the guarded operators, computed
    with the guards (so an oversized one is refused, not built); raises ValueError if it is
    not constant."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -constant_value(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = constant_value(node.left), constant_value(node.right)
        return OPERATORS[type(node.op)][1](left, right)
    raise ValueError("not a constant")

"""Timer events that fire on the time the engine is given, not on the machine's clock.

SpiffWorkflow's timer event definitions read ``datetime.now(timezone.utc)``. The engine
runs each call at a given time instead (:func:`engine_time`; the timer worker and the
tests pass their clock's ``now``), and the three subclasses below take their time from
that call. They come in through SpiffWorkflow's own extension points: the parser's
``OVERRIDE_PARSER_CLASSES`` (:class:`TimerParser`) and the serializer configuration
(:func:`with_engine_timers`), under the library's type names, so specs stored with the
library's classes load as these and the other way round.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.serializer.default import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffIntermediateThrowEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .compat import TIMER_DUE, TIMER_FIRED

_engine_now: ContextVar[datetime | None] = ContextVar("ankommen_engine_now", default=None)


@contextmanager
def engine_time(now: datetime | None) -> Iterator[None]:
    """Run engine calls as if it were ``now`` (aware datetime); ``None`` means real time."""
    if now is not None and now.tzinfo is None:
        raise ValueError("engine_time needs an aware datetime")
    token = _engine_now.set(now)
    try:
        yield
    finally:
        _engine_now.reset(token)


def engine_now() -> datetime:
    """The time of the engine call under way (UTC), or the real time outside one."""
    now = _engine_now.get()
    return datetime.now(UTC) if now is None else now.astimezone(UTC)


class _EngineTimer:
    """Reports its pending event under the class name of the library's timer it replaces."""

    replaces: type[TimerEventDefinition]

    def details(self, my_task):
        pending = super().details(my_task)
        pending.event_type = self.replaces.__name__
        return pending


class TimeDateTimer(_EngineTimer, TimeDateEventDefinition):
    """A timer at a date and time (``timeDate``)."""

    replaces = TimeDateEventDefinition

    def has_fired(self, my_task):
        state = my_task.internal_data
        if state.get(TIMER_DUE) is None:
            state[TIMER_DUE] = my_task.workflow.script_engine.evaluate(my_task, self.expression)
        if self.parse_time_or_duration(state[TIMER_DUE]) < engine_now():
            state[TIMER_FIRED] = True
        return state.get(TIMER_FIRED, False)


class DurationTimer(_EngineTimer, DurationTimerEventDefinition):
    """A timer a duration after it was reached (``timeDuration``)."""

    replaces = DurationTimerEventDefinition

    def has_fired(self, my_task):
        state = my_task.internal_data
        if state.get(TIMER_DUE) is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            start = engine_now()
            duration = self.get_timedelta_from_start(self.parse_iso_duration(expression), start)
            state[TIMER_DUE] = (start + duration).isoformat()
        if self.get_datetime(state[TIMER_DUE]) < engine_now():
            state[TIMER_FIRED] = True
        return state.get(TIMER_FIRED, False)


class CycleTimer(_EngineTimer, CycleTimerEventDefinition):
    """A timer that repeats (``timeCycle``, ``R<n>/<start>/<duration>`` and its variants)."""

    replaces = CycleTimerEventDefinition

    def cycle_complete(self, my_task):
        state = my_task.internal_data
        event_value = state.get(TIMER_DUE)
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = _recurring_interval(expression, engine_now())
            event_value = {"cycles": cycles, "next": start.isoformat(),
                           "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event < engine_now():
                event_value["next"] = (next_event
                                       + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            state.pop(TIMER_DUE, None)
            state[TIMER_FIRED] = True
        state[TIMER_DUE] = event_value
        return ready


def _recurring_interval(expression: str, now: datetime) -> tuple[int, datetime, timedelta]:
    """Cycles, first time and period of a ``timeCycle``; one without a start starts now."""
    components = expression.upper().replace("--", "/").strip("R").split("/")
    if len(components) == 2 and components[1].startswith("P"):
        cycles = int(components[0]) if components[0] else -1
        parsed = TimerEventDefinition.parse_iso_duration(components[1])
        duration = TimerEventDefinition.get_timedelta_from_start(parsed, now)
        return cycles, now + duration, duration
    return TimerEventDefinition.parse_iso_recurring_interval(expression)


ENGINE_TIMERS: dict[type[TimerEventDefinition], type[TimerEventDefinition]] = {
    timer.replaces: timer for timer in (TimeDateTimer, DurationTimer, CycleTimer)
}


class _EngineTimerParsing:
    """Builds the engine's timers where SpiffWorkflow's parser builds its own."""

    def parse_timer_event(self, event):
        parsed = super().parse_timer_event(event)
        return ENGINE_TIMERS[type(parsed)](parsed.name, parsed.expression,
                                           description=parsed.description)


class _StartEventParser(_EngineTimerParsing, SpiffStartEventParser):
    pass


class _IntermediateCatchEventParser(_EngineTimerParsing, SpiffIntermediateCatchEventParser):
    pass


class _IntermediateThrowEventParser(_EngineTimerParsing, SpiffIntermediateThrowEventParser):
    pass


class _BoundaryEventParser(_EngineTimerParsing, SpiffBoundaryEventParser):
    pass


def _with_parser(tag: str, parser_class: type) -> dict:
    """The parser entry for ``tag`` with ``parser_class``, building the same task spec."""
    spec_class = SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag(tag)][1]
    return {full_tag(tag): (parser_class, spec_class)}


class TimerParser(SpiffBpmnParser):
    """SpiffBpmnParser whose timer events are the engine's (every element that has one)."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        **_with_parser("startEvent", _StartEventParser),
        **_with_parser("intermediateCatchEvent", _IntermediateCatchEventParser),
        **_with_parser("intermediateThrowEvent", _IntermediateThrowEventParser),
        **_with_parser("boundaryEvent", _BoundaryEventParser),
    }


class _TimerConverter(TimerConditionalEventDefinitionConverter):
    """Stores an engine timer under the type name of the library's timer it replaces."""

    def __init__(self, target_class, registry):
        super().__init__(target_class, registry, typename=target_class.replaces.__name__)


def with_engine_timers(config: dict) -> dict:
    """A serializer configuration (such as ``SPIFF_CONFIG``) with the engine's timers."""
    configured = {cls: converter for cls, converter in config.items()
                  if cls not in ENGINE_TIMERS}
    configured.update(dict.fromkeys(ENGINE_TIMERS.values(), _TimerConverter))
    return configured

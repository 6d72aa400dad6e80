"""An injectable clock for SpiffWorkflow timers.

SpiffWorkflow's timer events read ``datetime.now(timezone.utc)`` from their own
module. We replace that module's ``datetime`` with a subclass whose ``now()``
answers from a context variable when one is set, so a caller (the timer worker,
a test) decides what "now" is for one engine call. Outside such a call, and in
every other thread, it is the real time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_fixed_now: ContextVar[datetime | None] = ContextVar("ankommen_engine_now", default=None)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: D102 - same contract as datetime.now
        fixed = _fixed_now.get()
        if fixed is None:
            return datetime.now(tz)
        return fixed.astimezone(tz) if tz is not None else fixed


_timer_module.datetime = _ClockedDatetime


@contextmanager
def engine_time(now: datetime | None) -> Iterator[None]:
    """Run engine calls as if it were ``now`` (aware datetime); ``None`` means real time."""
    if now is not None and now.tzinfo is None:
        raise ValueError("engine_time needs an aware datetime")
    token = _fixed_now.set(now)
    try:
        yield
    finally:
        _fixed_now.reset(token)

"""Periods (ISO 8601 durations such as ``P42D``), read the way the process timers read them.

The settings that set the process timers (follow-up, grace) also steer the ranking and the
team board; reading them here keeps both meanings one.
"""

from __future__ import annotations

from datetime import timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition


def period(text: str) -> timedelta:
    """The length of ``text``; a calendar length (months, years) depends on its start and
    is refused, as is anything a timer could not read."""
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text)
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises a bare Exception here
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as P42D or P6W") from None
    if not text.upper().startswith("P") or parsed.get("years") or parsed.get("months"):
        raise ValueError(f"{text!r}: give the period in weeks, days or hours (e.g. P42D)")
    return TimerEventDefinition.get_timedelta_from_start(parsed)

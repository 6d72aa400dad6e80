"""What a step's answers must meet beyond its form's fields, by form key: rules that need
what the process knows (a recommendation, say), checked when the step is completed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from forms.choices import COURSE_LABELS
from forms.i18n import N_

from .errors import InvalidInput

StepRule = Callable[[Mapping[str, Any], Mapping[str, Any]], None]  # (task data, answers)


def _deviation_needs_a_reason(before: Mapping[str, Any], data: Mapping[str, Any]) -> None:
    """The system advises, the counsellor decides: a course type none of the rules
    recommended needs a written reason (another recommended one, the EOK as a bridge say,
    needs none)."""
    recommended = before.get("recommended_course_type")
    chosen = data.get("course_type")
    fitting = {recommended, *(before.get("recommended_offers") or [])}
    if recommended and chosen and chosen not in fitting \
            and not str(data.get("override_reason") or "").strip():
        # marked on its own: extraction does not look into a marked call's arguments
        reason = N_("The recommendation was %(course)s: please give a reason for deviating.")
        raise InvalidInput("Please correct the marked fields.",
                           field_errors={"override_reason": [reason]},
                           course=COURSE_LABELS.get(recommended, recommended))


STEP_RULES: dict[str, StepRule] = {"referral": _deviation_needs_a_reason}


def check_step(form_key: str, before: Mapping[str, Any], data: Mapping[str, Any]) -> None:
    """Raise InvalidInput (with field errors) when the answers break the step's rule."""
    rule = STEP_RULES.get(form_key)
    if rule is not None:
        rule(before, data)

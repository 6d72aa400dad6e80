"""What the person agreed to share, per kind of recipient, as the interview recorded it
(step "Person and contact", after the data protection notice): the referral slip and the
referral step follow it. A case whose interview did not ask shares the least."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseapp.models import HumanTask
from domain.vocabulary import ProviderSharing, ServiceSharing, TaskState


@dataclass(frozen=True)
class AgreedSharing:
    """Per kind of recipient, what it may receive (codes of domain.vocabulary)."""

    course_provider: str  # ProviderSharing
    other_services: str  # ServiceSharing

    @property
    def contact_to_course_provider(self) -> bool:
        return self.course_provider == ProviderSharing.NAME_AND_CONTACT

    @property
    def contact_to_other_services(self) -> bool:
        return self.other_services == ServiceSharing.NAME_AND_CONTACT


def person_step_answers(session: Session, case_id: int) -> dict[str, Any]:
    """The answers of the case's latest "Person and contact" step ({} before it is done)."""
    data = session.scalar(select(HumanTask.data_json).where(
        HumanTask.case_id == case_id, HumanTask.form_key == "person",
        HumanTask.state == TaskState.COMPLETED)
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(1))
    return json.loads(data) if data else {}


def agreed_sharing(answers: dict[str, Any]) -> AgreedSharing:
    """What the answers of the person step allow; the least where they say nothing."""
    return AgreedSharing(
        course_provider=answers.get("share_with_course_provider") or ProviderSharing.NAME,
        other_services=answers.get("share_with_other_services") or ServiceSharing.NOTHING)

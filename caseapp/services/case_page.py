"""Everything the case page shows, assembled in one call: the case and its steps, what a
fresh step form already knows, the referral step's recommendation and courses, and what a
team lead may hand the case to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from caseapp.models import Team, User
from domain.vocabulary import ReferralKind, Role, SeatStatus

from . import cases, course_ranking, referrals, team
from .actor import Actor
from .context import ServiceContext


@dataclass(frozen=True)
class CasePage:
    """What the case page renders, so its view calls one service."""

    view: cases.CaseView
    known_answers: dict[int, dict[str, Any]]  # open task id -> values for a fresh form
    recommendations: list[tuple[str, str]] = field(default_factory=list)  # (offer, rule)
    matches: list[course_ranking.CourseMatch] = field(default_factory=list)
    members: list[User] = field(default_factory=list)  # a team lead may hand the case to
    teams: list[Team] = field(default_factory=list)  # ... or transfer it to


def case_page(ctx: ServiceContext, actor: Actor, case_id: int) -> CasePage:
    """Authorized and audited as a view of the case; course matches only at the referral step."""
    view = cases.view_case(ctx, actor, case_id)  # authorizes, and records the reading
    referring = any(task.form_key == "referral" for task in view.tasks)
    context = referrals.referral_context(ctx, case_id) if referring else {}
    members, teams = team.lead_options(ctx, actor) if actor.role == Role.TEAM_LEAD else ([], [])
    return CasePage(
        view=view,
        known_answers={task.id: _known_answers(view, task.form_key) for task in view.tasks},
        recommendations=list(zip(context.get("recommended_offers") or [],
                                 context.get("recommendation_rules") or [], strict=False)),
        matches=course_ranking.rank_courses(ctx, actor, case_id) if referring else [],
        members=members, teams=teams)


def _known_answers(view: cases.CaseView, form_key: str) -> dict[str, Any]:
    """What the case already knows for a fresh form: no one types it twice."""
    if form_key == "person":
        return {"phone": view.case.person.phone, "email": view.case.person.email}
    if form_key == "referral":
        booked = [r for r in view.referrals
                  if r.kind == ReferralKind.COURSE and r.status == SeatStatus.BOOKED]
        chosen = booked[-1].offer if booked else view.case.recommended_course_type
        return {"course_type": chosen} if chosen else {}
    return {}

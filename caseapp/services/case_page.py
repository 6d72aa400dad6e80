"""Everything the case page shows, assembled in one call: the case and its steps, what a
fresh step form already knows, the referral step's recommendation and courses, and what a
team lead may hand the case to."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from caseapp.models import HumanTask, Team, User
from domain.vocabulary import AdmissionRoute, CaseStatus, ReferralKind, Role, SeatStatus, lane_role

from . import cases, course_ranking, referrals, special_category, team
from . import sharing as sharing_rules
from .actor import Actor
from .authz import task_refusal
from .context import ServiceContext


@dataclass(frozen=True)
class Recommendation:
    """One offer the referral rules recommend, the rule that did, and what to do next."""

    offer: str  # a code of forms.choices.OFFER_LABELS
    rule: str  # English, from referral.dmn: translated where shown
    next_step: str | None = None  # likewise; None for a recommendation made before steps


@dataclass(frozen=True)
class Admission:
    """The admission route to an integration course, as the recommendation read it."""

    route: str  # a code of domain.vocabulary.AdmissionRoute
    admitted: bool
    # English, from admission.dmn, translated where shown: only while the route itself is to
    # be clarified; otherwise each integration course recommended carries its own next step
    next_step: str | None
    issuer: str | None = None  # who entitled or obliged (a code of the interview's choices)
    decided_on: date | None = None  # the date on the certificate

    @property
    def awaiting_admission(self) -> bool:
        """Admission on application that BAMF has not granted (yet): not admitted."""
        return self.route == AdmissionRoute.ON_APPLICATION and not self.admitted


@dataclass(frozen=True)
class CasePage:
    """What the case page renders, so its view calls one service."""

    view: cases.CaseView
    known_answers: dict[int, dict[str, Any]]  # open task id -> values for a fresh form
    recommendations: list[Recommendation] = field(default_factory=list)
    admission: Admission | None = None  # None for a recommendation made before routes
    matches: list[course_ranking.CourseMatch] = field(default_factory=list)
    members: list[User] = field(default_factory=list)  # a team lead may hand the case to
    teams: list[Team] = field(default_factory=list)  # ... or transfer it to
    access: dict[int, StepAccess] = field(default_factory=dict)  # open task id -> access
    team_leads: list[str] = field(default_factory=list)  # who can hand on or reopen it
    # the completed steps' answers and the open steps' drafts, by task id, as the reader
    # may read them (special-category values opened only for the case's team)
    answers: dict[int, dict[str, Any]] = field(default_factory=dict)
    drafts: dict[int, dict[str, Any]] = field(default_factory=dict)
    # at the referral step: what the person agreed each kind of recipient may receive
    sharing: sharing_rules.AgreedSharing | None = None


@dataclass(frozen=True)
class StepAccess:
    """What the reader may do with an open step: work it, claim it, or only read it (held
    by a colleague, or the team lead's), and who holds it."""

    workable: bool
    holder: str | None  # the name of whoever the step is assigned to
    claimable: bool  # in the team queue, and the reader may take it
    team_lead_step: bool  # lies in the team lead's lane


def case_page(ctx: ServiceContext, actor: Actor, case_id: int) -> CasePage:
    """Authorized and audited as a view of the case; course matches only at the referral step."""
    view = cases.view_case(ctx, actor, case_id)  # authorizes, and records the reading
    referring = any(task.form_key == "referral" for task in view.tasks)
    context = referrals.referral_context(ctx, case_id) if referring else {}
    agreed = sharing_rules.agreed_sharing(sharing_rules.person_step_answers(
        ctx.session, case_id)) if referring else None
    members, teams = team.lead_options(ctx, actor) if actor.role == Role.TEAM_LEAD else ([], [])
    access = {task.id: _access(actor, view, task) for task in view.tasks}
    held = actor.is_writer and any(not a.workable for a in access.values())
    # a counsellor on a closed case goes on through a team lead, who can reopen it
    closed_for_counsellor = (actor.role == Role.COUNSELLOR
                             and view.case.status == CaseStatus.CLOSED)
    return CasePage(
        view=view,
        known_answers={task.id: _known_answers(view, task.form_key) for task in view.tasks},
        recommendations=_recommendations(context), admission=_admission(context),
        matches=course_ranking.rank_courses(ctx, actor, case_id) if referring else [],
        members=members, teams=teams, access=access,
        team_leads=team.lead_names(ctx, actor) if held or closed_for_counsellor else [],
        answers=_readable(ctx, actor, {task.id: task.data_json for task in view.done}),
        drafts=_readable(ctx, actor, {task.id: task.draft_json for task in view.tasks}),
        sharing=agreed)


def _readable(ctx: ServiceContext, actor: Actor, stored: dict[int, str | None]
              ) -> dict[int, dict[str, Any]]:
    keys = ctx.settings.data_keys
    return {task_id: special_category.shown_answers(keys, actor, json.loads(text))
            for task_id, text in stored.items() if text}


def _access(actor: Actor, view: cases.CaseView, task: HumanTask) -> StepAccess:
    workable = actor.is_writer and task_refusal(actor, task) is None
    return StepAccess(
        workable=workable,
        holder=view.names.get(task.assignee_id) if task.assignee_id else None,
        claimable=workable and task.assignee_id is None and lane_role(task.lane) == actor.role,
        team_lead_step=lane_role(task.lane) == Role.TEAM_LEAD)


def _recommendations(context: dict[str, Any]) -> list[Recommendation]:
    """The rules' offers with their rule and next step (older tasks have no steps)."""
    offers = context.get("recommended_offers") or []
    rules = context.get("recommendation_rules") or []
    steps = context.get("next_steps") or []
    return [Recommendation(offer, rule, steps[i] if i < len(steps) and steps[i] else None)
            for i, (offer, rule) in enumerate(zip(offers, rules, strict=False))]


def _admission(context: dict[str, Any]) -> Admission | None:
    route = context.get("admission_route")
    if not route:
        return None
    decided_on = context.get("course_decision_date")
    return Admission(route=route,
                     admitted=bool(context.get("admitted_to_integration_course")),
                     next_step=(context.get("admission_next_step") or None)
                     if route == AdmissionRoute.UNKNOWN else None,
                     issuer=context.get("course_issuer") or None,
                     decided_on=date.fromisoformat(str(decided_on)[:10]) if decided_on else None)


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

"""Waiting demand for course providers to plan new courses: how many people wait for a
course of each type, by the municipality they live in. Counts only, and a count under
``SMALL_CELL`` is shown as "fewer than 5", so that no cell points at a person."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from caseapp.models import Case, Referral
from domain.vocabulary import CaseStatus, ReferralKind, SeatStatus

from .actor import Actor
from .authz import require_provider
from .context import ServiceContext
from .suppression import SMALL_CELL


@dataclass(frozen=True)
class DemandCell:
    """People of one municipality waiting for one course type; ``count`` is None when it
    is under ``SMALL_CELL`` (suppressed)."""

    course_type: str
    municipality: str | None
    count: int | None


def waiting_demand(ctx: ServiceContext, actor: Actor) -> list[DemandCell]:
    """Open cases waiting for a course of each type, by municipality (every provider's
    waiting lists: a provider plans for the district's demand, not only its own)."""
    require_provider(actor)
    people = func.count(func.distinct(Referral.case_id))
    rows = ctx.session.execute(
        select(Referral.offer, Case.municipality, people)
        .join(Case, Case.id == Referral.case_id)
        .where(Case.status == CaseStatus.OPEN, Referral.kind == ReferralKind.COURSE,
               Referral.status == SeatStatus.WAITING)
        .group_by(Referral.offer, Case.municipality)
        .order_by(Referral.offer, Case.municipality))
    return [DemandCell(offer, municipality, n if n >= SMALL_CELL else None)
            for offer, municipality, n in rows]

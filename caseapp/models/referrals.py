"""Referrals: a seat or waiting place in a course, or a referral to another offer."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.vocabulary import ReferralKind

from .base import Base
from .catalogue import Course, Provider


class Referral(Base):
    """A referral of a case: a course seat, a waiting-list place, or another offer.

    Course referrals: status booked / waiting / offered / cancelled (a waiting entry
    names a course, or a provider and a course type). Other offers (Kita, school,
    recognition counselling, ...): open / accepted / done / declined.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(f"kind IN {tuple(k.value for k in ReferralKind)!r}", name="kind_known"),
        Index("ix_referrals_status_offer", "status", "offer"),
        # The monitoring: referrals made in a period, and whether one is a case's first.
        Index("ix_referrals_kind_created_at", "kind", "created_at"),
        Index("ix_referrals_case_id_kind_created_at", "case_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    offer: Mapped[str] = mapped_column(String(40))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]
    # What the course provider confirmed (a course referral's seat): registration, start,
    # an early end with its reason category, the final tests' results where known.
    registered_on: Mapped[date | None] = mapped_column(Date)
    started_on: Mapped[date | None] = mapped_column(Date)
    dropped_out_on: Mapped[date | None] = mapped_column(Date)
    drop_out_reason: Mapped[str | None] = mapped_column(String(12))
    dtz_result: Mapped[str | None] = mapped_column(String(10))  # CourseResult
    civic_test_result: Mapped[str | None] = mapped_column(String(12))  # CivicTestResult
    provider_updated_at: Mapped[datetime | None]
    # When a waiting place stopped waiting (offered a seat, cancelled, its case closed):
    # the monitoring counts who waited at the end of each month.
    left_waiting_at: Mapped[datetime | None] = mapped_column(index=True)

    course: Mapped[Course | None] = relationship(lazy="joined")
    provider: Mapped[Provider | None] = relationship(lazy="joined")

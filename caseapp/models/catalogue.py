"""The course catalogue: municipalities, course providers and their courses with seats."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Municipality(Base):
    """Where newcomers live and providers teach; the centre point gives distances."""

    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    latitude: Mapped[float]
    longitude: Mapped[float]


class Provider(Base):
    """A course provider; an inactive one's courses are left out of the course ranking."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    street: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(10))
    municipality: Mapped[str] = mapped_column(String(120), index=True)
    contact: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float]
    longitude: Mapped[float]
    active: Mapped[bool] = mapped_column(default=True)


class Course(Base):
    """A course with seats; a CHECK keeps seats_taken within 0..seats_total under any race."""

    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("seats_taken >= 0 AND seats_taken <= seats_total", name="seats_in_range"),
        CheckConstraint("schedule IN ('full_time', 'part_time')", name="schedule_known"),
        Index("ix_courses_course_type_start_date", "course_type", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    course_type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    target_level: Mapped[str] = mapped_column(String(8))
    start_date: Mapped[date] = mapped_column(Date)
    schedule: Mapped[str] = mapped_column(String(10))
    time_of_day: Mapped[str] = mapped_column(String(12))
    childcare: Mapped[bool] = mapped_column(default=False)
    location: Mapped[str] = mapped_column(String(300))
    seats_total: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    what_to_bring: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]

    provider: Mapped[Provider] = relationship(lazy="joined", innerjoin=True)

    @property
    def seats_free(self) -> int:
        return self.seats_total - self.seats_taken

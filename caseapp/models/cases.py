"""A case and the newcomer it is about (the person kept apart, so it can be erased)."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.vocabulary import CaseStatus

from .base import Base

if TYPE_CHECKING:
    from .users import User


class Person(Base):
    """The newcomer's identifying data: kept apart from the case so it can be erased."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    given_names: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    # The family name folded as search folds it (services.name_matching.fold_name): lists
    # sort names by it, so "Öztürk" stands among the O's on every database.
    family_key: Mapped[str | None] = mapped_column(String(200), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date, index=True)
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    erased_at: Mapped[datetime | None]
    # None with erased_at set: erased by the retention rule, not by a person
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name_words: Mapped[list["NameWord"]] = relationship(cascade="all, delete-orphan")
    # loaded only where shown, for an erased person ("erased on ... by ...")
    erased_by: Mapped["User | None"] = relationship(lazy="select")


# Compared byte by byte, so that a word's start is a range of the index on every database.
FOLDED_WORD = Text().with_variant(Text(collation="C"), "postgresql")


class NameWord(Base):
    """One folded word of a person's names (services.name_matching): search finds names by index."""

    __tablename__ = "person_name_words"
    __table_args__ = (Index("ix_person_name_words_word_person_id", "word", "person_id"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"),
                                           primary_key=True)
    word: Mapped[str] = mapped_column(FOLDED_WORD, primary_key=True)


class Case(Base):
    """A newcomer's case. Every column a list, queue, search or report needs lives here."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"status IN {tuple(s.value for s in CaseStatus)!r}", name="status_known"),
        # The board counts and pages a team's open cases by who holds them.
        Index("ix_cases_team_id_status_assignee_id", "team_id", "status", "assignee_id"),
        # ... and offers its open cases' steps and municipalities as filters (index only).
        Index("ix_cases_team_id_status_current_step", "team_id", "status", "current_step",
              "current_step_title"),
        Index("ix_cases_team_id_status_municipality", "team_id", "status", "municipality"),
        # ... and pages them most urgent first along this index, as far as the page needs.
        Index("ix_cases_team_id_status_overdue_due_at", "team_id", "status", "overdue",
              "due_at", "opened_at", "id"),
        # The few cases offered to a team: only they are in the index, so the planner sees
        # how few (a full index would count every case's empty value).
        Index("ix_cases_transfer_to_team_id", "transfer_to_team_id",
              sqlite_where=text("transfer_to_team_id IS NOT NULL"),
              postgresql_where=text("transfer_to_team_id IS NOT NULL")),
        # A person's cases (duplicate check, search), with what the search filters and sorts by.
        Index("ix_cases_person_id_team_id_updated_at", "person_id", "team_id", "updated_at"),
        # The monitoring: intakes of a period, and open cases' recommendations by place.
        Index("ix_cases_opened_at", "opened_at"),
        Index("ix_cases_status_recommended_course_type_municipality", "status",
              "recommended_course_type", "municipality"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=CaseStatus.OPEN)
    current_step: Mapped[str | None] = mapped_column(String(80), index=True)
    current_step_title: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    # The follow-up is overdue: the team lead's review it raised is open (process_state).
    overdue: Mapped[bool] = mapped_column(default=False, server_default=false())
    municipality: Mapped[str | None] = mapped_column(String(120), index=True)
    german_level: Mapped[str | None] = mapped_column(String(8), index=True)
    literacy: Mapped[str | None] = mapped_column(String(20), index=True)
    schooling_years: Mapped[int | None]
    placement_test_result: Mapped[str | None] = mapped_column(String(8), index=True)
    placement_recommended_course: Mapped[str | None] = mapped_column(String(40))
    recommended_course_type: Mapped[str | None] = mapped_column(String(40))
    referred_course_type: Mapped[str | None] = mapped_column(String(40), index=True)
    referral_outcome: Mapped[str | None] = mapped_column(String(20), index=True)
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]
    # A transfer to another team waits for that team's lead to accept or decline.
    transfer_to_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    transfer_note: Mapped[str | None] = mapped_column(String(500))
    transfer_requested_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class RecentCase(Base):
    """A case a user worked on or looked at lately (services.recent_cases keeps the newest
    few per user): the home page reads these, not the user's audit trail."""

    __tablename__ = "recent_cases"
    __table_args__ = (Index("ix_recent_cases_user_id_touch", "user_id", "touch"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    # Counts up per user with every touch: the order, also when the clock stands still.
    touch: Mapped[int]
    touched_at: Mapped[datetime]

"""Teams and user accounts (roles: domain/vocabulary.py)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.vocabulary import ROLES

from .base import Base


class Team(Base):
    """Cases and tasks belong to one team: its counsellors and lead see them (auditors see all)."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime]


class User(Base):
    """An account, never deleted (the history names its actors); team roles need a team,
    a provider's staff their provider."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_known"),
        CheckConstraint("role IN ('auditor', 'admin', 'provider', 'coordination') "
                        "OR team_id IS NOT NULL",
                        name="team_members_have_team"),
        CheckConstraint("(role = 'provider') = (provider_id IS NOT NULL)",
                        name="providers_staff_have_provider"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # A course provider's staff work for exactly that provider (and see only its referrals).
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # A work contact (never a private one), printed on the referral slips of the user's cases.
    work_phone: Mapped[str | None] = mapped_column(String(60))
    work_email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class LoginSession(Base):
    """One logged-in browser: the cookie holds a random token, this row only its digest, so
    logging out, a password reset, a deactivation or a role change end sessions for good."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class PrivilegeRequest(Base):
    """A grant that waits for a second admin (four eyes): a privileged role for a user, or
    a (re)activation; confirmed or declined once, by an admin other than the requester."""

    __tablename__ = "privilege_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(20))  # None: no change of role
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    activate: Mapped[bool] = mapped_column(default=False)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    confirmed: Mapped[bool | None]  # None while it waits

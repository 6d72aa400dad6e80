"""Who is acting, as services see it: a small immutable record, not an ORM row."""

from __future__ import annotations

from dataclasses import dataclass

from domain.vocabulary import SYSTEM_ROLE, TEAM_ROLES, Role


@dataclass(frozen=True)
class Actor:
    """The logged-in user (also Flask-Login's user object); ``is_writer``: may work on cases."""

    id: int
    username: str
    display_name: str
    role: str
    team_id: int | None
    locale: str | None = None
    provider_id: int | None = None  # a provider's staff: the provider they work for

    # The attributes Flask-Login expects of a user object.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_writer(self) -> bool:
        return self.role in TEAM_ROLES

    @property
    def is_provider(self) -> bool:
        return self.role == Role.PROVIDER and self.provider_id is not None


SYSTEM = Actor(id=0, username="system", display_name="System", role=SYSTEM_ROLE, team_id=None)

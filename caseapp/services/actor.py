"""Who is acting, as services see it: a small immutable record, not an ORM row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from caseapp.models import User
from domain.vocabulary import SYSTEM_ROLE, TEAM_ROLES


@dataclass(frozen=True)
class Actor:
    """The logged-in user (also Flask-Login's user object); ``is_writer``: may work on cases."""

    id: int
    username: str
    display_name: str
    role: str
    team_id: int | None
    locale: str | None = None

    # The attributes Flask-Login expects of a user object.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_writer(self) -> bool:
        return self.role in TEAM_ROLES


_ACTOR = (select(User.id, User.username, User.display_name, User.role, User.team_id,
                 User.locale)
          .where(User.id == bindparam("user_id"), User.active.is_(True)))


def load_actor(session: Session, user_id: int) -> Actor | None:
    """One indexed query on a primary key (runs on every request): a statement built once,
    run on the session's connection without the ORM's result processing or identity map."""
    row = session.connection().execute(_ACTOR, {"user_id": user_id}).one_or_none()
    return Actor(*row) if row else None


SYSTEM = Actor(id=0, username="system", display_name="System", role=SYSTEM_ROLE, team_id=None)

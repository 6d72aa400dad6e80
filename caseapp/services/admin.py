"""What admins manage: users, teams, process versions (never case contents)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from caseapp.models import ProcessVersion, Team, User
from domain.vocabulary import Role

from .actor import Actor
from .authz import require_role
from .context import ServiceContext
from .process_versions import newest_version


@dataclass(frozen=True)
class AdminOverview:
    """The admin start page: users, team names by id, process versions, the current one."""

    users: list[User]
    teams: dict[int, str]
    versions: list[ProcessVersion]
    current_version: str | None  # what new cases start on


def admin_overview(ctx: ServiceContext, actor: Actor) -> AdminOverview:
    """Admins only; users, teams and process versions, never case contents; not audited."""
    require_role(actor, Role.ADMIN)
    s = ctx.session
    return AdminOverview(
        users=list(s.scalars(select(User).order_by(User.role, User.username))),
        teams=dict(s.execute(select(Team.id, Team.name)).all()),
        versions=list(s.scalars(select(ProcessVersion).order_by(ProcessVersion.deployed_at.desc()))),
        current_version=newest_version(s) or ctx.engine.version,
    )

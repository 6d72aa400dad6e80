"""Logging in and managing users."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from caseapp.models import ROLES, Team, User

from . import audit
from .actor import Actor
from .context import ServiceContext
from .errors import Forbidden, InvalidInput

_DUMMY_HASH = generate_password_hash("not a real password")


def authenticate(ctx: ServiceContext, username: str, password: str) -> Actor:
    """Check a login; after too many failures the account is locked for a while."""
    now = ctx.now()
    failure = InvalidInput("Unknown user name or wrong password.")
    with ctx.transaction() as session:
        # Locked row: parallel guesses are counted one after another, none slips through.
        user = session.scalars(select(User).where(User.username == username.strip())
                               .with_for_update()).first()
        if user is None or not user.active:
            check_password_hash(_DUMMY_HASH, password)  # same time as a real check
            raise failure
        if user.locked_until and user.locked_until > now:
            raise Forbidden("Too many failed logins: this account is locked until "
                            "%(time)s UTC.", time=f"{user.locked_until:%H:%M}")
        if not check_password_hash(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= ctx.settings.login_max_failures:
                user.locked_until = now + timedelta(minutes=ctx.settings.login_lock_minutes)
                user.failed_logins = 0
                audit.append(session, type_="login_locked", at=now, actor_id=user.id)
            session.commit()
            raise failure
        user.failed_logins, user.locked_until = 0, None
        audit.append(session, type_="login", at=now, actor_id=user.id)
    return Actor(user.id, user.username, user.display_name, user.role, user.team_id, user.locale)


def record_logout(ctx: ServiceContext, actor: Actor) -> None:
    with ctx.transaction() as session:
        audit.append(session, type_="logout", at=ctx.now(), actor_id=actor.id)


def create_user(ctx: ServiceContext, actor: Actor | None, *, username: str, display_name: str,
                password: str, role: str, team_name: str | None) -> User:
    """Create a user. ``actor`` None means the command line (an operator on the server)."""
    if actor is not None and actor.role != "admin":
        raise Forbidden("Only admins manage users.")
    if role not in ROLES:
        raise InvalidInput(f"Unknown role '{role}'. Roles: {', '.join(ROLES)}.")
    if role in ("counsellor", "team_lead") and not team_name:
        raise InvalidInput("Counsellors and team leads belong to a team.")
    if len(password) < 10:
        raise InvalidInput("Passwords need at least 10 characters.")
    now = ctx.now()
    with ctx.transaction() as session:
        if session.scalars(select(User).where(User.username == username)).first():
            raise InvalidInput(f"User name '{username}' is taken.")
        team = None
        if team_name and role in ("counsellor", "team_lead"):
            team = ensure_team(ctx, team_name)
        user = User(username=username, display_name=display_name,
                    password_hash=generate_password_hash(
                        password, method=ctx.settings.password_hash_method), role=role,
                    team_id=team.id if team else None, active=True, created_at=now)
        session.add(user)
        session.flush()
        audit.append(session, type_="user_created", at=now,
                     actor_id=actor.id if actor else None,
                     details={"user": user.id, "role": role, "team": user.team_id})
    return user


def ensure_team(ctx: ServiceContext, name: str) -> Team:
    session = ctx.session
    team = session.scalars(select(Team).where(Team.name == name)).first()
    if team is None:
        team = Team(name=name, created_at=ctx.now())
        session.add(team)
        session.flush()
    return team


def set_locale(ctx: ServiceContext, actor: Actor, locale: str) -> None:
    with ctx.transaction() as session:
        user = session.get(User, actor.id)
        user.locale = locale


def any_users(ctx: ServiceContext) -> bool:
    return ctx.session.scalars(select(User.id).limit(1)).first() is not None


def user_exists(ctx: ServiceContext, username: str) -> bool:
    return ctx.session.scalars(select(User.id).where(User.username == username)).first() \
        is not None


def actor_by_username(ctx: ServiceContext, username: str) -> Actor:
    user = ctx.session.scalars(select(User).where(User.username == username)).one()
    return Actor(user.id, user.username, user.display_name, user.role, user.team_id, user.locale)

"""Login sessions held in the database, so that each one can be ended for good.

The session cookie carries a random token; the database keeps only its digest (a copy of
the table opens no session). A request is logged in only while its row exists and is
younger than the absolute limit; the idle limit is checked by the web layer against the
signed cookie's last-seen time, so an ordinary request writes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from caseapp.models import LoginSession, User
from domain.vocabulary import Role

from . import audit
from .actor import Actor
from .authz import require_role
from .context import ServiceContext
from .errors import NotFound


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user_id: int, now: datetime, lifetime) -> str:
    """A new session for the user, in the caller's (login) transaction; the user's expired
    rows go at the same time. Returns the token for the cookie."""
    session.execute(delete(LoginSession).where(LoginSession.user_id == user_id,
                                               LoginSession.created_at <= now - lifetime))
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=user_id, token_digest=_digest(token), created_at=now))
    return token


def end_all(session: Session, user_id: int) -> int:
    """End every session of the user, in the caller's transaction (a password reset, a
    deactivation, a role change); the number ended."""
    return session.execute(delete(LoginSession).where(LoginSession.user_id == user_id)).rowcount


_SESSION_ACTOR = (
    select(User.id, User.username, User.display_name, User.role, User.team_id, User.locale,
           User.provider_id)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.token_digest == bindparam("digest"),
           LoginSession.created_at > bindparam("oldest"),
           User.id == bindparam("user_id"), User.active.is_(True)))


def session_actor(ctx: ServiceContext, user_id: int, token: str) -> Actor | None:
    """Who a request acts as: the user of a live session (one indexed query, every request);
    None when the session was ended, is too old, or the user is deactivated."""
    row = ctx.session.connection().execute(_SESSION_ACTOR, {
        "digest": _digest(token), "user_id": user_id,
        "oldest": ctx.now() - ctx.settings.session_lifetime}).one_or_none()
    return Actor(*row) if row else None


def log_out(ctx: ServiceContext, actor: Actor, token: str) -> None:
    """End this session (the cookie no longer opens it, even replayed); audited."""
    with ctx.transaction() as session:
        session.execute(delete(LoginSession).where(LoginSession.user_id == actor.id,
                                                   LoginSession.token_digest == _digest(token)))
        audit.append(session, type_="logout", at=ctx.now(), actor_id=actor.id)


def log_out_everywhere(ctx: ServiceContext, actor: Actor) -> int:
    """End every session of one's own account, on every device; audited."""
    with ctx.transaction() as session:
        ended = end_all(session, actor.id)
        audit.append(session, type_="logout_everywhere", at=ctx.now(), actor_id=actor.id,
                     details={"user": actor.id, "sessions": ended})
    return ended


def end_sessions_of(ctx: ServiceContext, actor: Actor, user_id: int) -> int:
    """An admin ends every session of a user (a lost device, a shared screen); audited."""
    require_role(actor, Role.ADMIN)
    with ctx.transaction() as session:
        if session.get(User, user_id) is None:
            raise NotFound("No such user.")
        ended = end_all(session, user_id)
        audit.append(session, type_="logout_everywhere", at=ctx.now(), actor_id=actor.id,
                     details={"user": user_id, "sessions": ended})
    return ended

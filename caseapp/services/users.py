"""Logging in and managing users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from caseapp.models import ROLES, Case, PrivilegeRequest, Provider, Team, User
from domain.vocabulary import PRIVILEGED_ROLES, TEAM_ROLES, CaseStatus, Role

from . import audit, login_sessions, rate_counters
from .actor import Actor
from .authz import require_operator, require_role
from .context import ServiceContext
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .locking import lock_user, lock_user_with_admins

MIN_PASSWORD_LENGTH = 10

_DUMMY_HASH = generate_password_hash("not a real password")


@dataclass(frozen=True)
class Login:
    """A successful login: who, and the token of the new session (for the cookie)."""

    actor: Actor
    session_token: str


def authenticate(ctx: ServiceContext, username: str, password: str) -> Login:
    """Check a login: an unknown user name, a deactivated account and a wrong password get
    the same answer after the same work (a password hash is checked in each case). How
    often one may try is the rate limits' business (caseapp/web/rate_limits.py): no
    account is ever locked by others' guesses.

    The password hash (deliberately slow) is checked outside any write transaction; a
    right password opens a session in a short transaction on the locked user row.
    """
    failure = InvalidInput("Unknown user name or wrong password.")
    session = ctx.session
    found = session.execute(select(User.id, User.password_hash, User.active)
                            .where(User.username == username.strip())).one_or_none()
    session.rollback()  # end the read before the slow part
    known = found is not None and found.active
    correct = check_password_hash(found.password_hash if known else _DUMMY_HASH, password)
    if not (known and correct):
        raise failure
    now = ctx.now()
    with ctx.transaction() as session:
        user = lock_user(session, found.id)
        if not user.active or user.password_hash != found.password_hash:
            raise failure  # deactivated or given a new password meanwhile
        token = login_sessions.open_session(session, user.id, now,
                                            ctx.settings.session_lifetime)
        audit.append(session, type_="login", at=now, actor_id=user.id)
    return Login(_actor(user), token)


def lift_login_limits(ctx: ServiceContext, actor: Actor, user_id: int) -> int:
    """An admin lets a user try to log in again at once, from every address (the failed
    tries counted for the user name are cleared); audited."""
    require_role(actor, Role.ADMIN)
    with ctx.transaction() as session:
        user = _load_user(session, user_id)
        cleared = rate_counters.clear_account(session, user.username)
        audit.append(session, type_="login_limits_lifted", at=ctx.now(), actor_id=actor.id,
                     details={"user": user.id})
    return cleared


def create_user(ctx: ServiceContext, actor: Actor, *, username: str, display_name: str,
                password: str, role: str, team_name: str | None,
                work_phone: str | None = None, work_email: str | None = None,
                provider_id: int | None = None) -> User:
    """Create a user, as an admin or as the system actor (the command line, seeding). An
    admin's new team lead, auditor or admin stays inactive until a second admin confirms;
    the operator's command line acts at once (how a one-person office starts). A course
    provider's staff name their provider."""
    require_operator(actor)
    _check_role(role)
    provider_id = _provider_of(role, provider_id)
    work_phone = _work_contact("work_phone", work_phone, 60) or None
    work_email = _work_contact("work_email", work_email, 200) or None
    if role in TEAM_ROLES and not team_name:
        raise _at_field("team_id", "Counsellors and team leads belong to a team.")
    _check_password(password)
    password_hash = _hash(ctx, password)  # slow on purpose: before the write lock
    now = ctx.now()
    taken = _at_field("username", "User name '%(username)s' is taken.", username=username)
    try:
        with ctx.transaction() as session:
            if session.scalars(select(User).where(User.username == username)).first():
                raise taken
            _check_provider(session, provider_id)
            team = None
            if team_name and role in TEAM_ROLES:
                team = ensure_team(ctx, team_name)
            waits = actor.role == Role.ADMIN and role in PRIVILEGED_ROLES
            user = User(username=username, display_name=display_name,
                        password_hash=password_hash, role=role,
                        team_id=team.id if team else None, active=not waits, created_at=now,
                        work_phone=work_phone, work_email=work_email, provider_id=provider_id)
            session.add(user)
            session.flush()
            audit.append(session, type_="user_created", at=now,
                         actor_id=actor.id,
                         details={"user": user.id, "role": role, "team": user.team_id,
                                  "provider": provider_id})
            if waits:
                _request_grant(session, actor, user, now, activate=True)
    except IntegrityError:  # the same name created at the same moment elsewhere
        raise taken from None
    return user


def ensure_team(ctx: ServiceContext, name: str) -> Team:
    """Find or create a team in the caller's transaction: no role check, no event of its own."""
    session = ctx.session
    team = session.scalars(select(Team).where(Team.name == name)).first()
    if team is None:
        team = Team(name=name, created_at=ctx.now())
        session.add(team)
        session.flush()
    return team


def set_locale(ctx: ServiceContext, actor: Actor, locale: str) -> None:
    """Keep the chosen language for the user's next login; not audited."""
    with ctx.transaction() as session:
        user = session.get(User, actor.id)
        user.locale = locale


def any_users(ctx: ServiceContext) -> bool:
    """Whether any account exists (``seed --if-empty`` leaves such a database alone)."""
    return ctx.session.scalars(select(User.id).limit(1)).first() is not None


def user_exists(ctx: ServiceContext, username: str) -> bool:
    """Whether the user name is taken, so seeding skips the accounts that exist."""
    return ctx.session.scalars(select(User.id).where(User.username == username)).first() \
        is not None


def actor_by_username(ctx: ServiceContext, username: str) -> Actor:
    """Act as a named account from the command line (seeding); fails if none."""
    user = ctx.session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound("No such user.")
    return _actor(user)


def _actor(user: User) -> Actor:
    return Actor(user.id, user.username, user.display_name, user.role, user.team_id,
                 user.locale, user.provider_id)


# --- user administration (admins only) ------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    """A user as the admin pages show it (no password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    team_id: int | None
    team_name: str | None
    active: bool
    open_cases: int  # open cases assigned to this user: reassign before deactivating
    work_phone: str | None = None  # printed on referral slips
    work_email: str | None = None
    provider_id: int | None = None  # a provider's staff: whose
    provider_name: str | None = None


@dataclass(frozen=True)
class TeamRow:
    """A team as the admin pages list it, with its number of active members."""

    id: int
    name: str
    members: int  # active users in the team


def _at_field(field: str, template: str, **params) -> InvalidInput:
    """A refusal that belongs to one form field (the web layer shows it there)."""
    return InvalidInput(template, field_errors={field: [template]}, **params)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise _at_field("role", "Unknown role '%(role)s'. Roles: %(roles)s.", role=role,
                        roles=", ".join(ROLES))


def _provider_of(role: str, provider_id: int | None) -> int | None:
    """The provider a user of ``role`` works for: a provider's staff need one, nobody else
    has one."""
    if role != Role.PROVIDER:
        return None
    if provider_id is None:
        raise _at_field("provider_id", "A course provider's staff belong to a provider: "
                        "choose it.")
    return provider_id


def _check_provider(session, provider_id: int | None) -> None:
    if provider_id is not None and session.get(Provider, provider_id) is None:
        raise _at_field("provider_id", "No such provider.")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise _at_field("password", "Passwords need at least 10 characters.")


def _hash(ctx: ServiceContext, password: str) -> str:
    return generate_password_hash(password, method=ctx.settings.password_hash_method)


def _user_rows(ctx: ServiceContext, user_id: int | None = None) -> list[UserRow]:
    open_cases = (select(Case.assignee_id, func.count().label("n"))
                  .where(Case.status == CaseStatus.OPEN, Case.assignee_id.is_not(None))
                  .group_by(Case.assignee_id).subquery())
    stmt = (select(User.id, User.username, User.display_name, User.role, User.team_id,
                   Team.name, User.active, func.coalesce(open_cases.c.n, 0),
                   User.work_phone, User.work_email, User.provider_id, Provider.name)
            .outerjoin(Team, Team.id == User.team_id)
            .outerjoin(Provider, Provider.id == User.provider_id)
            .outerjoin(open_cases, open_cases.c.assignee_id == User.id)
            .order_by(User.active.desc(), User.role, User.username))
    if user_id is not None:
        stmt = stmt.where(User.id == user_id)
    return [UserRow(*row) for row in ctx.session.execute(stmt)]


def list_users(ctx: ServiceContext, actor: Actor) -> list[UserRow]:
    """Every user (active first) with team name and number of open cases assigned."""
    require_role(actor, Role.ADMIN)
    return _user_rows(ctx)


def get_user(ctx: ServiceContext, actor: Actor, user_id: int) -> UserRow:
    """One user as the admin pages show it (admins only); NotFound if there is none."""
    require_role(actor, Role.ADMIN)
    rows = _user_rows(ctx, user_id)
    if not rows:
        raise NotFound("No such user.")
    return rows[0]


def list_teams(ctx: ServiceContext, actor: Actor) -> list[TeamRow]:
    """Every team by name with its active members (admins only)."""
    require_role(actor, Role.ADMIN)
    members = func.count(User.id).filter(User.active.is_(True))
    stmt = (select(Team.id, Team.name, members).outerjoin(User, User.team_id == Team.id)
            .group_by(Team.id, Team.name).order_by(Team.name))
    return [TeamRow(*row) for row in ctx.session.execute(stmt)]


def create_team(ctx: ServiceContext, actor: Actor, name: str) -> Team:
    """Admins add a team, audited; a name differing only in case or spacing is taken."""
    require_role(actor, Role.ADMIN)
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise _at_field("name", "A team needs a name of at most 120 characters.")
    taken = _at_field("name", "A team named '%(name)s' exists already.",
                         name=name)
    now = ctx.now()
    try:
        with ctx.transaction() as session:
            if session.scalars(select(Team.id).where(
                    func.lower(Team.name) == name.lower())).first() is not None:
                raise taken
            team = Team(name=name, created_at=now)
            session.add(team)
            session.flush()
            audit.append(session, type_="team_created", at=now, actor_id=actor.id,
                         details={"team": team.id})
    except IntegrityError:  # created at the same moment elsewhere
        raise taken from None
    return team


def _load_user(session, user_id: int, *, with_admins: bool = False) -> User:
    """The user row, locked (two admins changing one user act one after the other); with
    every active admin for a change that could remove the last one."""
    user = lock_user_with_admins(session, user_id) if with_admins \
        else lock_user(session, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def _keep_an_admin(session, user: User) -> None:
    """Refuse when ``user`` is the last active admin (called before demoting/deactivating,
    with the admins' rows locked by ``_load_user``)."""
    if user.role != Role.ADMIN or not user.active:
        return
    admins = session.scalars(select(User.id).where(User.role == Role.ADMIN,
                                                   User.active.is_(True))).all()
    if not set(admins) - {user.id}:
        raise InvalidInput("This is the last active admin account: make another user an "
                           "admin first.")


def update_user(ctx: ServiceContext, actor: Actor, user_id: int, *, display_name: str,
                role: str, team_id: int | None, work_phone: str | None = None,
                work_email: str | None = None, provider_id: int | None = None) -> User:
    """Change name, role, team, provider and work contact (None keeps it, "" clears it).
    Auditors, admins and providers' staff belong to no team; only providers' staff to a
    provider. Granting a privileged role waits for a second admin (``confirm_grant``);
    the rest of the change applies at once."""
    require_role(actor, Role.ADMIN)
    display_name = display_name.strip()
    if not display_name or len(display_name) > 200:
        raise _at_field("display_name", "A user needs a name of at most 200 characters.")
    work_phone = _work_contact("work_phone", work_phone, 60)
    work_email = _work_contact("work_email", work_email, 200)
    if work_email and "@" not in work_email:
        raise _at_field("work_email", "Please enter a work e-mail address.")
    _check_role(role)
    provider_id = _provider_of(role, provider_id)
    if role not in TEAM_ROLES:
        team_id = None
    elif team_id is None:
        raise _at_field("team_id", "Counsellors and team leads belong to a team.")
    now = ctx.now()
    with ctx.transaction() as session:
        user = _load_user(session, user_id, with_admins=True)
        if team_id is not None and session.get(Team, team_id) is None:
            raise _at_field("team_id", "No such team.")
        _check_provider(session, provider_id)
        if user.role == Role.ADMIN and role != Role.ADMIN:
            _keep_an_admin(session, user)
        if role != user.role and role in PRIVILEGED_ROLES:  # waits for a second admin
            _request_grant(session, actor, user, now, role=role, team_id=team_id)
            role, team_id, provider_id = user.role, user.team_id, user.provider_id
        open_cases = session.scalar(select(func.count()).select_from(Case).where(
            Case.assignee_id == user.id, Case.status == CaseStatus.OPEN))
        if open_cases and (team_id != user.team_id or role not in TEAM_ROLES):
            raise _at_field("team_id", "%(name)s still has %(count)s open case(s): ask the "
                            "team lead to reassign them first.", name=user.display_name,
                            count=open_cases)
        if work_phone is None:
            work_phone = user.work_phone
        if work_email is None:
            work_email = user.work_email
        work_phone, work_email = work_phone or None, work_email or None
        contact = (work_phone, work_email)
        details = {"user": user.id, "role_from": user.role, "role_to": role,
                   "team_from": user.team_id, "team_to": team_id,
                   "provider_from": user.provider_id, "provider_to": provider_id,
                   "name_changed": user.display_name != display_name,
                   "work_contact_changed": (user.work_phone, user.work_email) != contact}
        if (user.role, user.team_id, user.provider_id, user.display_name, user.work_phone,
                user.work_email) == (role, team_id, provider_id, display_name, *contact):
            return user  # nothing changed: nothing to record
        if (user.role, user.provider_id) != (role, provider_id):
            # the old role's (or provider's) pages may be open: start afresh
            details["sessions_ended"] = login_sessions.end_all(session, user.id)
        user.display_name, user.role, user.team_id = display_name, role, team_id
        user.provider_id = provider_id
        user.work_phone, user.work_email = contact
        audit.append(session, type_="user_changed", at=now, actor_id=actor.id,
                     details=details)
    return user


def _work_contact(field: str, value: str | None, limit: int) -> str | None:
    """A work phone or e-mail as given, trimmed; too long is refused at its field."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise _at_field(field, "At most %(limit)s characters.", limit=limit)
    return value


def set_user_active(ctx: ServiceContext, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate an account at once, or ask to reactivate it (a second admin confirms).
    Users are never deleted: the history keeps their actors. Deactivating ends every
    session: reactivating does not bring them back."""
    require_role(actor, Role.ADMIN)
    now = ctx.now()
    with ctx.transaction() as session:
        user = _load_user(session, user_id, with_admins=True)
        if user.active == active:
            return user
        if not active:
            if user.id == actor.id:
                raise InvalidInput("You cannot deactivate your own account.")
            _keep_an_admin(session, user)
        if active:  # waits for a second admin
            _request_grant(session, actor, user, now, activate=True)
            return user
        user.active = False
        login_sessions.end_all(session, user.id)
        audit.append(session, type_="user_deactivated", at=now, actor_id=actor.id,
                     details={"user": user.id, "active_from": True, "active_to": False})
    return user


def reset_password(ctx: ServiceContext, actor: Actor, user_id: int, new_password: str) -> None:
    """Set a new password (the admin passes it on in person); also lifts the login limits
    and ends every session of the user (whoever knew the old password is logged out).

    Someone else's account then stays closed until a second admin confirms its reopening:
    the admin who knows the new password could otherwise log in as a counsellor, a team
    lead or an auditor and read cases, which admins may not (four eyes, as for grants).
    The operator's command line (the system actor) acts at once, as it does for grants.
    """
    require_operator(actor)
    _check_password(new_password)
    password_hash = _hash(ctx, new_password)  # slow on purpose: before the write lock
    now = ctx.now()
    with ctx.transaction() as session:
        user = _load_user(session, user_id)
        user.password_hash = password_hash
        rate_counters.clear_account(session, user.username)
        login_sessions.end_all(session, user.id)
        audit.append(session, type_="password_reset", at=now, actor_id=actor.id or None,
                     details={"user": user.id})
        if actor.role == Role.ADMIN and user.id != actor.id and user.active:
            user.active = False
            _request_grant(session, actor, user, now, activate=True)


# --- four eyes: privileged roles and reactivations wait for a second admin -------------


@dataclass(frozen=True)
class PendingGrant:
    """A grant waiting for a second admin, as the admin pages list it."""

    id: int
    user_id: int
    username: str
    display_name: str
    role: str | None  # None: no change of role
    team_name: str | None
    activate: bool
    requested_by_id: int
    requested_by: str
    requested_at: datetime


def _request_grant(session, actor: Actor, user: User, now, *, role: str | None = None,
                   team_id: int | None = None, activate: bool = False) -> None:
    """Record a grant for a second admin to confirm, in the caller's transaction (the user
    row locked); one waits at a time per user."""
    waiting = session.scalars(select(PrivilegeRequest.id).where(
        PrivilegeRequest.user_id == user.id, PrivilegeRequest.confirmed.is_(None))).first()
    if waiting is not None:
        raise InvalidInput("A change of this account already waits for a second admin: "
                           "confirm or decline it first.")
    grant = PrivilegeRequest(user_id=user.id, role=role, team_id=team_id, activate=activate,
                             requested_by_id=actor.id, requested_at=now)
    session.add(grant)
    session.flush()
    audit.append(session, type_="privilege_requested", at=now, actor_id=actor.id,
                 details={"user": user.id, "grant": grant.id, "role_to": role,
                          "team_to": team_id, "activate": activate})


def pending_grants(ctx: ServiceContext, actor: Actor) -> list[PendingGrant]:
    """Every grant waiting for a second admin, oldest first (admins only)."""
    require_role(actor, Role.ADMIN)
    requester = User.__table__.alias("requester")
    stmt = (select(PrivilegeRequest.id, User.id, User.username, User.display_name,
                   PrivilegeRequest.role, Team.name, PrivilegeRequest.activate,
                   requester.c.id, requester.c.display_name, PrivilegeRequest.requested_at)
            .join(User, User.id == PrivilegeRequest.user_id)
            .join(requester, requester.c.id == PrivilegeRequest.requested_by_id)
            .outerjoin(Team, Team.id == PrivilegeRequest.team_id)
            .where(PrivilegeRequest.confirmed.is_(None))
            .order_by(PrivilegeRequest.requested_at, PrivilegeRequest.id))
    return [PendingGrant(*row) for row in ctx.session.execute(stmt)]


def _decide(session, grant_id: int) -> tuple[PrivilegeRequest, User]:
    """The waiting grant and its user, the user's row (and every admin's) locked first."""
    user_id = session.scalar(select(PrivilegeRequest.user_id)
                             .where(PrivilegeRequest.id == grant_id))
    if user_id is None:
        raise NotFound("No such request.")
    user = _load_user(session, user_id, with_admins=True)
    grant = session.scalars(select(PrivilegeRequest).where(PrivilegeRequest.id == grant_id)
                            .execution_options(populate_existing=True)).one()
    if grant.confirmed is not None:
        raise Conflict("This request was decided already.")
    return grant, user


def confirm_grant(ctx: ServiceContext, actor: Actor, grant_id: int) -> User:
    """A second admin confirms a grant, which takes effect now; nobody confirms their own
    request. Audited like the request."""
    require_role(actor, Role.ADMIN)
    now = ctx.now()
    with ctx.transaction() as session:
        grant, user = _decide(session, grant_id)
        if grant.requested_by_id == actor.id:
            raise Forbidden("Nobody confirms their own request: another admin does.")
        details = {"user": user.id, "grant": grant.id, "role_to": grant.role,
                   "activate": grant.activate}
        if grant.role is not None and grant.role != user.role:
            if user.role == Role.ADMIN:
                _keep_an_admin(session, user)
            open_cases = session.scalar(select(func.count()).select_from(Case).where(
                Case.assignee_id == user.id, Case.status == CaseStatus.OPEN))
            if open_cases and (grant.team_id != user.team_id or grant.role not in TEAM_ROLES):
                raise InvalidInput("%(name)s still has %(count)s open case(s): ask the team "
                                   "lead to reassign them first.", name=user.display_name,
                                   count=open_cases)
            details["sessions_ended"] = login_sessions.end_all(session, user.id)
            # a privileged role is never a provider's: the provider goes with the old role
            user.role, user.team_id, user.provider_id = grant.role, grant.team_id, None
        if grant.activate:
            rate_counters.clear_account(session, user.username)  # a fresh start
            user.active = True
        grant.confirmed, grant.decided_by_id, grant.decided_at = True, actor.id, now
        audit.append(session, type_="privilege_confirmed", at=now, actor_id=actor.id,
                     details=details)
    return user


def decline_grant(ctx: ServiceContext, actor: Actor, grant_id: int) -> None:
    """Any admin declines a waiting grant (the requester withdraws it); nothing changes.
    Audited."""
    require_role(actor, Role.ADMIN)
    now = ctx.now()
    with ctx.transaction() as session:
        grant, user = _decide(session, grant_id)
        grant.confirmed, grant.decided_by_id, grant.decided_at = False, actor.id, now
        audit.append(session, type_="privilege_declined", at=now, actor_id=actor.id,
                     details={"user": user.id, "grant": grant.id})

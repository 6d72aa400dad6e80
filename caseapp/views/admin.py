"""Admin pages: users and teams, the course catalogue."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import Form

from caseapp.services import catalogue, login_sessions, users
from caseapp.services.errors import Conflict, InvalidInput, ServiceError
from caseapp.web.i18n import field_errors_onto, translate_error
from caseapp.web.input_guard import fields_checked_by
from caseapp.web.request_context import svc
from domain.vocabulary import Role
from forms.catalogue import CourseForm, ProviderForm, SeatsForm
from forms.users import EditUserForm, NewTeamForm, NewUserForm, PasswordForm, team_choices

from .access import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _course_form(providers, formdata=None) -> CourseForm:
    form = CourseForm(formdata)
    form.provider_id.choices = [(p.id, f"{p.name} ({p.municipality})") for p in providers]
    return form


@bp.get("/catalogue")
@roles_required(Role.ADMIN)
def catalogue_page(provider_form=None, course_form=None, status=200):
    """The course catalogue: providers, courses and their seats, with the forms to add more."""
    providers, courses = catalogue.catalogue(svc())
    return render_template("admin/catalogue.html", providers=providers, courses=courses,
                           provider_form=provider_form or ProviderForm(),
                           course_form=course_form or _course_form(providers),
                           seats_form=SeatsForm), status


@bp.post("/providers")
@roles_required(Role.ADMIN)
@fields_checked_by(ProviderForm)
def create_provider():
    """Add a course provider; a refusal (the name is taken) shows at the name."""
    form = ProviderForm(request.form)
    if form.validate():
        try:
            catalogue.create_provider(svc(), current_user, **form.data)
        except ServiceError as exc:
            form.name.errors = [translate_error(exc)]
        else:
            flash(_("Provider added."), "success")
            return redirect(url_for("admin.catalogue_page"))
    return catalogue_page(provider_form=form, status=422)


@bp.post("/courses")
@roles_required(Role.ADMIN)
@fields_checked_by(CourseForm)
def create_course():
    """Add a course; its seats are offered to matching waiting lists at once."""
    providers, _courses = catalogue.catalogue(svc())
    form = _course_form(providers, request.form)
    if form.validate():
        catalogue.create_course(svc(), current_user, catalogue.NewCourse(**form.data))
        flash(_("Course added. Its seats were offered to matching waiting lists."), "success")
        return redirect(url_for("admin.catalogue_page"))
    return catalogue_page(course_form=form, status=422)


@bp.post("/courses/<int:course_id>/seats")
@roles_required(Role.ADMIN)
@fields_checked_by(SeatsForm)
def course_seats(course_id: int):
    """Change a course's seats: new ones go to who waits; fewer than are taken is refused."""
    form = SeatsForm(request.form)
    if not form.validate():
        flash(_("Please enter a number of seats."), "error")
    else:
        try:
            catalogue.set_course_seats(svc(), current_user, course_id, form.seats_total.data)
        except ServiceError as exc:
            flash(translate_error(exc), "error")
        else:
            flash(_("Seats changed."), "success")
    return redirect(url_for("admin.catalogue_page", _anchor=f"course-{course_id}"))


# --- users and teams ------------------------------------------------------------------


def _with_teams(form, teams):
    """The form with the teams and the course providers to choose from."""
    form.team_id.choices = team_choices((t.id, t.name) for t in teams)
    providers, _courses = catalogue.catalogue(svc())
    form.provider_id.choices = team_choices((p.id, p.name) for p in providers)
    return form


def _refusal(form: Form, exc: InvalidInput | Conflict) -> str | None:
    """Put a service refusal at its form field; what belongs to no field is returned for the
    top of the page."""
    return None if field_errors_onto(form, exc) else translate_error(exc)


@bp.get("/users", endpoint="users")
@roles_required(Role.ADMIN)
def users_page(user_form=None, team_form=None, error=None, status=200):
    """Users and teams, with the forms to create them, and the grants that wait for a
    second admin."""
    ctx = svc()
    teams = users.list_teams(ctx, current_user)
    return render_template(
        "admin/users.html", users=users.list_users(ctx, current_user), teams=teams,
        grants=users.pending_grants(ctx, current_user),
        user_form=user_form or _with_teams(NewUserForm(), teams),
        team_form=team_form or NewTeamForm(), error=error), status


@bp.post("/users")
@roles_required(Role.ADMIN)
@fields_checked_by(NewUserForm)
def create_user():
    """Create a user; a refusal (a taken user name, say) shows at its field or atop the page."""
    teams = users.list_teams(svc(), current_user)
    form = _with_teams(NewUserForm(request.form), teams)
    error = None
    if form.validate():
        team_name = {t.id: t.name for t in teams}.get(form.team_id.data)
        try:
            created = users.create_user(svc(), current_user,
                                        username=form.username.data.strip(),
                                        display_name=form.display_name.data.strip(),
                                        password=form.password.data, role=form.role.data,
                                        team_name=team_name,
                                        provider_id=form.provider_id.data)
        except (InvalidInput, Conflict) as exc:
            error = _refusal(form, exc)
        else:
            if created.active:
                flash(_("User %(username)s created.", username=created.username), "success")
            else:
                flash(_("User %(username)s created: the account opens once a second admin "
                        "confirms the role.", username=created.username), "success")
            return redirect(url_for("admin.users"))
    return users_page(user_form=form, error=error, status=422)


@bp.post("/teams")
@roles_required(Role.ADMIN)
@fields_checked_by(NewTeamForm)
def create_team():
    """Create a team for counsellors and team leads; a taken name shows at the field."""
    form = NewTeamForm(request.form)
    error = None
    if form.validate():
        try:
            team = users.create_team(svc(), current_user, form.name.data)
        except (InvalidInput, Conflict) as exc:
            error = _refusal(form, exc)
        else:
            flash(_("Team %(name)s created.", name=team.name), "success")
            return redirect(url_for("admin.users", _anchor="teams"))
    return users_page(team_form=form, error=error, status=422)


def _render_user(user_id: int, *, form=None, password_form=None, error=None, status=200):
    ctx = svc()
    user = users.get_user(ctx, current_user, user_id)
    teams = users.list_teams(ctx, current_user)
    if form is None:
        form = EditUserForm(data={"display_name": user.display_name, "role": user.role,
                                  "team_id": user.team_id, "provider_id": user.provider_id,
                                  "work_phone": user.work_phone,
                                  "work_email": user.work_email})
    return render_template("admin/user.html", user=user, form=_with_teams(form, teams),
                           password_form=password_form or PasswordForm(), error=error), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fields_checked_by(EditUserForm)
def user(user_id: int):
    """One account's page: change its name, role and team (auditors and admins have none)."""
    if request.method == "GET":
        return _render_user(user_id)
    form = _with_teams(EditUserForm(request.form), users.list_teams(svc(), current_user))
    error = None
    if form.validate():
        try:
            changed = users.update_user(svc(), current_user, user_id,
                                        display_name=form.display_name.data,
                                        role=form.role.data, team_id=form.team_id.data,
                                        provider_id=form.provider_id.data,
                                        work_phone=form.work_phone.data or "",
                                        work_email=form.work_email.data or "")
        except (InvalidInput, Conflict) as exc:
            error = _refusal(form, exc)
        else:
            flash(_("Changes saved."), "success")
            if changed.role != form.role.data:
                flash(_("The new role waits for a second admin's confirmation (Users "
                        "page)."), "warning")
            return redirect(url_for("admin.user", user_id=user_id))
    return _render_user(user_id, form=form, error=error, status=422)


@bp.post("/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def user_active(user_id: int):
    """Deactivate or reactivate an account (never deleted), warning of open cases left."""
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        abort(400)
    try:
        changed = users.set_user_active(svc(), current_user, user_id, wanted == "1")
    except (InvalidInput, Conflict) as exc:
        flash(translate_error(exc), "error")
    else:
        if wanted == "1":
            flash(_("The reactivation of %(name)s waits for a second admin's confirmation "
                    "(Users page).", name=changed.display_name), "warning")
        else:
            flash(_("The account is deactivated: %(name)s can no longer log in.",
                    name=changed.display_name), "success")
            open_cases = users.get_user(svc(), current_user, user_id).open_cases
            if open_cases:
                flash(_("%(name)s has %(count)s open case(s): ask the team lead to reassign "
                        "them.", name=changed.display_name, count=open_cases), "warning")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/grants/<int:grant_id>/confirm")
@roles_required(Role.ADMIN)
def confirm_grant(grant_id: int):
    """A second admin confirms a role or a reactivation another admin asked for."""
    try:
        user = users.confirm_grant(svc(), current_user, grant_id)
    except (InvalidInput, Conflict) as exc:
        flash(translate_error(exc), "error")
    else:
        flash(_("Confirmed: the change for %(name)s is in effect.", name=user.display_name),
              "success")
    return redirect(url_for("admin.users", _anchor="grants"))


@bp.post("/grants/<int:grant_id>/decline")
@roles_required(Role.ADMIN)
def decline_grant(grant_id: int):
    """Decline a waiting grant, or withdraw one's own: nothing changes."""
    try:
        users.decline_grant(svc(), current_user, grant_id)
    except Conflict as exc:
        flash(translate_error(exc), "error")
    else:
        flash(_("Declined: nothing was changed."), "success")
    return redirect(url_for("admin.users", _anchor="grants"))


@bp.post("/users/<int:user_id>/sessions")
@roles_required(Role.ADMIN)
def user_sessions(user_id: int):
    """End every session of a user on their behalf (a lost device, a shared screen)."""
    ended = login_sessions.end_sessions_of(svc(), current_user, user_id)
    flash(ngettext("%(num)s session ended.", "%(num)s sessions ended.", ended), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/login-limits")
@roles_required(Role.ADMIN)
def user_login_limits(user_id: int):
    """Let a user who mistyped too often try again at once, from every address."""
    users.lift_login_limits(svc(), current_user, user_id)
    flash(_("The failed logins were forgotten: the user can try again at once."), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
@roles_required(Role.ADMIN)
@fields_checked_by(PasswordForm)
def user_password(user_id: int):
    """Set a new password, to pass on in person; it also lifts a login lock."""
    form = PasswordForm(request.form)
    error = None
    if form.validate():
        try:
            users.reset_password(svc(), current_user, user_id, form.password.data)
        except (InvalidInput, Conflict) as exc:
            error = _refusal(form, exc)
        else:
            flash(_("Password set and the account logged out everywhere. It opens again "
                    "when a second admin confirms; pass the password on in person."),
                  "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return _render_user(user_id, password_form=form, error=error, status=422)

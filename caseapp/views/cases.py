"""A case: opening one (duplicates first), search, the case page and work on its steps."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from caseapp.services import cases, erasure, tasks
from caseapp.services.case_page import case_page
from caseapp.services.errors import (
    Conflict,
    InvalidInput,
    ProcessStopped,
    ProcessUnavailable,
    ServiceError,
)
from caseapp.web.i18n import field_errors_onto, format_when, translate_error
from caseapp.web.input_guard import autosave_request, fields_checked_by
from caseapp.web.int_params import bounded_int
from caseapp.web.request_context import svc
from domain.vocabulary import TEAM_ROLES, Role
from forms import TASK_FORMS, NewCaseForm, applicable_data
from forms.case_file import file_entries, form_entries
from forms.choices import COURSE_LABELS, OTHER_OFFERS

from .access import roles_required

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*TEAM_ROLES)
@fields_checked_by(NewCaseForm)
def new():
    """Open a case for a newcomer; if it may exist already, the matches are shown first."""
    form = NewCaseForm(request.form if request.method == "POST" else None)
    duplicates = []
    if request.method == "POST" and form.validate():
        duplicates = cases.find_duplicates(svc(), current_user, form.given_names.data,
                                           form.family_name.data, form.birth_date.data)
        if not duplicates or request.form.get("confirm_new") == "1":
            try:
                case = cases.open_case(svc(), current_user, cases.NewCase(
                    given_names=form.given_names.data, family_name=form.family_name.data,
                    birth_date=form.birth_date.data, municipality=form.municipality.data,
                    phone=form.phone.data, email=form.email.data))
            except (ProcessStopped, ProcessUnavailable) as exc:
                flash(translate_error(exc), "error")
                return render_template("cases/new.html", form=form, duplicates=[]), exc.status
            flash(_("Case %(number)s opened.", number=case.number), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("cases/new.html", form=form, duplicates=duplicates), status


@bp.get("/search")
@roles_required(*TEAM_ROLES, Role.AUDITOR)
def search():
    """Find the team's cases by number, name or date of birth (auditors: every case); recorded."""
    query = request.args.get("q", "")
    found = cases.search_cases(svc(), current_user, query) if query.strip() else []
    return render_template("cases/search.html", query=query, found=found)


@bp.get("/<int:case_id>")
@login_required
def detail(case_id: int):
    """The case page: steps, the open step's form, the case file, referrals; each view recorded."""
    return _render_case(case_id)


def _render_case(case_id: int, *, task_id: int | None = None, form=None, error=None,
                 row_version: int | None = None, status: int = 200):
    page = case_page(svc(), current_user, case_id)
    view = page.view
    task_forms = {}
    for task in view.tasks:
        if task.id == task_id and form is not None and page.access[task.id].workable:
            task_forms[task.id] = form
        elif task.id in page.drafts:
            task_forms[task.id] = TASK_FORMS[task.form_key](MultiDict(page.drafts[task.id]))
        else:
            task_forms[task.id] = TASK_FORMS[task.form_key](data=page.known_answers[task.id])
    case_file = {task.id: file_entries(task.form_key, page.answers[task.id])
                 for task in view.done if task.id in page.answers and task.form_key in TASK_FORMS}
    # Input for a step that is no longer open is shown read-only, so it can be copied.
    # (So is input for a step someone else holds now: its fields show what is stored.)
    refused = task_id not in task_forms or not page.access[task_id].workable
    unsaved = form_entries(form) if form is not None and refused else None
    return render_template("cases/detail.html", view=view, task_forms=task_forms, error=error,
                           unsaved=unsaved, error_task_id=task_id, case_file=case_file,
                           course_labels=COURSE_LABELS, referral_list=view.referrals,
                           matches=page.matches, recommendations=page.recommendations,
                           admission=page.admission,
                           other_offers=OTHER_OFFERS, members=page.members, teams=page.teams,
                           access=page.access, team_leads=page.team_leads,
                           sharing=page.sharing,
                           row_version=row_version if row_version is not None
                           else view.row_version), status


@bp.post("/<int:case_id>/tasks/<int:task_id>/draft")
@roles_required(*TEAM_ROLES)
@fields_checked_by(*TASK_FORMS.values())  # by the draft's limits (forms/draft_limits.py)
def save_draft(case_id: int, task_id: int):
    """Explicit "save draft" (redirects) and autosave from the page script (JSON)."""
    wants_json = autosave_request()
    try:
        saved_at = tasks.save_draft(svc(), current_user, case_id, task_id,
                                    request.form.to_dict())
    except ServiceError as exc:
        if wants_json:
            return jsonify(saved=False, message=translate_error(exc)), exc.status
        form_class = TASK_FORMS.get(request.form.get("form_key", ""))
        if not isinstance(exc, Conflict | InvalidInput) or form_class is None:
            raise
        return _render_case(case_id, task_id=task_id, form=form_class(MultiDict(request.form)),
                            error=translate_error(exc), status=exc.status)
    if wants_json:
        return jsonify(saved=True, saved_at=format_when(saved_at, "short"))
    flash(_("Draft saved. You can continue later, also from another computer."), "success")
    return redirect(url_for("cases.detail", case_id=case_id, _anchor=f"task-{task_id}"))


@bp.get("/<int:case_id>/tasks/<int:task_id>")
@login_required
def step_address(case_id: int, task_id: int):
    """The address a refused step answers at: reloading or revisiting it leads to the case."""
    return redirect(url_for("cases.detail", case_id=case_id, _anchor=f"task-{task_id}"))


@bp.post("/<int:case_id>/tasks/<int:task_id>")
@roles_required(*TEAM_ROLES)
@fields_checked_by(*TASK_FORMS.values())
def submit(case_id: int, task_id: int):
    """Complete a step, or show its form again with the input kept (invalid, or case moved on)."""
    form_key = request.form.get("form_key", "")
    form_class = TASK_FORMS.get(form_key)
    if form_class is None:
        return _render_case(case_id, error=_("Unknown form."), status=400)
    form = form_class(MultiDict(request.form))
    row_version = request.form.get("row_version", type=bounded_int)
    if not form.validate():
        error = _("Please correct the marked fields.")
        if _kept_as_draft(case_id, task_id):
            error += " " + _("Your input is kept as a draft meanwhile.")
        return _render_case(case_id, task_id=task_id, form=form, row_version=row_version,
                            error=error, status=422)
    try:
        result = tasks.complete_task(svc(), current_user, case_id, task_id,
                                     applicable_data(form),
                                     expected_version=row_version, form_key=form_key)
    except Conflict as exc:
        # Shown with the case's current version: after checking, submitting again works.
        return _render_case(case_id, task_id=task_id, form=form, error=translate_error(exc),
                            status=409)
    except InvalidInput as exc:
        field_errors_onto(form, exc)
        return _render_case(case_id, task_id=task_id, form=form, row_version=row_version,
                            error=translate_error(exc), status=422)
    except ProcessStopped as exc:
        error = translate_error(exc)
        if _kept_as_draft(case_id, task_id):
            error += " " + _("Your input is kept as a draft meanwhile.")
        return _render_case(case_id, task_id=task_id, form=form, row_version=row_version,
                            error=error, status=exc.status)
    if not result.already_done:
        flash(_("Step saved."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


def _kept_as_draft(case_id: int, task_id: int) -> bool:
    """Refused input is kept as the step's draft, so leaving the page loses none of it."""
    try:
        tasks.save_draft(svc(), current_user, case_id, task_id, request.form.to_dict())
    except ServiceError:
        return False  # not this reader's step now, or over a draft's limits: shown only
    return True


@bp.post("/<int:case_id>/reopen")
@roles_required(Role.TEAM_LEAD)
def reopen(case_id: int):
    """A team lead reopens a closed case, with a reason: the referral step is open again."""
    try:
        cases.reopen_case(svc(), current_user, case_id, request.form.get("reason", ""))
    except (InvalidInput, Conflict) as exc:
        flash(translate_error(exc), "error")
    else:
        flash(_("Case reopened: the referral step is open again."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/<int:case_id>/erase", methods=["GET", "POST"])
@roles_required(Role.TEAM_LEAD)
def erase(case_id: int):
    """Erase the person's data on request (Art. 17): a confirmation step with a reason."""
    reason = request.form.get("reason", "")
    error = None
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            error = _("Please confirm that the person's data are to be erased for good.")
        else:
            try:
                erasure.erase_personal_data(svc(), current_user, case_id, reason)
            except (InvalidInput, Conflict) as exc:
                error = translate_error(exc)
            else:
                flash(_("The personal data of this case were erased. The statistics and the "
                        "audit trail remain."), "success")
                return redirect(url_for("cases.detail", case_id=case_id))
    return render_template("cases/erase.html",
                           pending=erasure.erasure_request(svc(), current_user, case_id),
                           reason=reason, error=error), 422 if error else 200


@bp.post("/<int:case_id>/tasks/<int:task_id>/claim")
@roles_required(*TEAM_ROLES)
def claim(case_id: int, task_id: int):
    """Take an unassigned step from the team queue (and the case, if it has no one yet)."""
    tasks.claim_task(svc(), current_user, case_id, task_id)
    flash(_("Task claimed."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))

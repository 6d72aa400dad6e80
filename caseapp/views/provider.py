"""A course provider's pages: its courses and their seats, the participants booked in
them (what each agreed to share), their registration, start, early end and final tests,
and the district's waiting demand. Never a case page: those refuse this role."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseapp.services import catalogue, demand, provider_referrals
from caseapp.services.errors import Conflict, InvalidInput
from caseapp.web.i18n import field_errors_onto, translate_error
from caseapp.web.input_guard import fields_checked_by
from caseapp.web.request_context import svc
from domain.vocabulary import Role
from forms.catalogue import CourseForm
from forms.provider import CourseDetailsForm, DropOutForm, ExamForm, RegistrationForm, StartForm

from .access import roles_required

bp = Blueprint("provider", __name__, url_prefix="/provider")


def _refused(form, exc: InvalidInput | Conflict) -> None:
    """A service refusal at its field, else atop the page."""
    if not field_errors_onto(form, exc):
        flash(translate_error(exc), "error")


@bp.get("/")
@roles_required(Role.PROVIDER)
def courses():
    """The provider's courses with their seats, latest start first."""
    return render_template("provider/courses.html",
                           courses=provider_referrals.courses(svc(), current_user))


def _course_page(course_id: int, form=None, status=200):
    ctx = svc()
    course = provider_referrals.own_course(ctx, current_user, course_id)
    if form is None:
        form = CourseDetailsForm(obj=course)
    return render_template(
        "provider/course.html", course=course, form=form,
        participants=provider_referrals.participants(ctx, current_user, course_id)), status


@bp.get("/courses/<int:course_id>")
@roles_required(Role.PROVIDER)
def course(course_id: int):
    """One course: its details and seats to keep up to date, and who is booked in it."""
    return _course_page(course_id)


@bp.post("/courses/<int:course_id>")
@roles_required(Role.PROVIDER)
@fields_checked_by(CourseDetailsForm)
def update_course(course_id: int):
    """Save the course's dates, times, place and seats; new seats go to who waits."""
    form = CourseDetailsForm(request.form)
    if form.validate():
        try:
            catalogue.update_course(svc(), current_user, course_id,
                                    catalogue.CourseDetails(**form.data))
        except (InvalidInput, Conflict) as exc:
            _refused(form, exc)
        else:
            flash(_("Course saved. New free seats were offered to who waits."), "success")
            return redirect(url_for("provider.course", course_id=course_id))
    return _course_page(course_id, form=form, status=422)


def _new_course_form(formdata=None) -> CourseForm:
    form = CourseForm(formdata)
    del form.provider_id  # always the provider's own
    return form


@bp.route("/courses/new", methods=["GET", "POST"])
@roles_required(Role.PROVIDER)
@fields_checked_by(CourseForm)
def new_course():
    """Add a course of one's own; its seats go to matching waiting lists at once."""
    form = _new_course_form(request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        created = catalogue.create_course(svc(), current_user, catalogue.NewCourse(
            provider_id=current_user.provider_id, **form.data))
        flash(_("Course added. Its seats were offered to matching waiting lists."), "success")
        return redirect(url_for("provider.course", course_id=created.id))
    status = 422 if request.method == "POST" else 200
    return render_template("provider/new_course.html", form=form), status


FORMS = {"registration": RegistrationForm, "start": StartForm, "drop-out": DropOutForm,
         "exam": ExamForm}


def _participant_page(referral_id: int, forms=None, status=200):
    shown = provider_referrals.participant(svc(), current_user, referral_id)
    forms = {name: (forms or {}).get(name) or form_class(data=_current(shown))
             for name, form_class in FORMS.items()}
    return render_template("provider/participant.html", participant=shown,
                           forms=forms), status


def _current(shown) -> dict:
    return {"registered_on": shown.registered_on, "started_on": shown.started_on,
            "dropped_out_on": shown.dropped_out_on, "drop_out_reason": shown.drop_out_reason,
            "dtz_result": shown.dtz_result, "civic_test_result": shown.civic_test_result}


@bp.get("/referrals/<int:referral_id>")
@roles_required(Role.PROVIDER)
def participant(referral_id: int):
    """One participant: what they agreed to share, and what the provider confirmed."""
    return _participant_page(referral_id)


def _confirm(referral_id: int, name: str, act):
    """Validate the form ``name``, let ``act`` confirm (it returns the message), go back to
    the participant; a refusal shows at its field, with the input kept."""
    form = FORMS[name](request.form)
    if form.validate():
        try:
            message = act(form)
        except (InvalidInput, Conflict) as exc:
            _refused(form, exc)
        else:
            flash(message, "success")
            return redirect(url_for("provider.participant", referral_id=referral_id))
    return _participant_page(referral_id, forms={name: form}, status=422)


@bp.post("/referrals/<int:referral_id>/registration")
@roles_required(Role.PROVIDER)
@fields_checked_by(RegistrationForm)
def registration(referral_id: int):
    """Confirm the registration (a later confirmation corrects the date)."""
    def act(form):
        provider_referrals.confirm_registration(svc(), current_user, referral_id,
                                                form.registered_on.data)
        return _("Registration confirmed.")
    return _confirm(referral_id, "registration", act)


@bp.post("/referrals/<int:referral_id>/start")
@roles_required(Role.PROVIDER)
@fields_checked_by(StartForm)
def start(referral_id: int):
    """Confirm the course start: it answers the counsellor's follow-up."""
    def act(form):
        answered = provider_referrals.confirm_start(svc(), current_user, referral_id,
                                                    form.started_on.data)
        return _("Start confirmed. The office's follow-up was answered with it.") \
            if answered else _("Start confirmed.")
    return _confirm(referral_id, "start", act)


@bp.post("/referrals/<int:referral_id>/drop-out")
@roles_required(Role.PROVIDER)
@fields_checked_by(DropOutForm)
def drop_out(referral_id: int):
    """Report that the person left the course early, with a reason category."""
    def act(form):
        provider_referrals.report_drop_out(svc(), current_user, referral_id,
                                           form.dropped_out_on.data, form.drop_out_reason.data)
        return _("Early end recorded.")
    return _confirm(referral_id, "drop-out", act)


@bp.post("/referrals/<int:referral_id>/exam")
@roles_required(Role.PROVIDER)
@fields_checked_by(ExamForm)
def exam(referral_id: int):
    """Report the final tests' results where known."""
    def act(form):
        provider_referrals.report_exam(svc(), current_user, referral_id,
                                       dtz_result=form.dtz_result.data,
                                       civic_test_result=form.civic_test_result.data)
        return _("Results recorded.")
    return _confirm(referral_id, "exam", act)


@bp.get("/demand")
@roles_required(Role.PROVIDER)
def waiting_demand():
    """How many people wait for each course type, by municipality (small counts hidden)."""
    return render_template("provider/demand.html",
                           cells=demand.waiting_demand(svc(), current_user),
                           small=demand.SMALL_CELL)

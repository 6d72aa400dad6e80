"""Admin pages: the course catalogue."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseapp.services import catalogue
from caseapp.services.errors import ServiceError
from caseapp.web import translate_error
from forms.catalogue import CourseForm, ProviderForm, SeatsForm

from .common import roles_required, svc

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _course_form(providers, formdata=None) -> CourseForm:
    form = CourseForm(formdata)
    form.provider_id.choices = [(p.id, f"{p.name} ({p.municipality})") for p in providers]
    return form


@bp.get("/catalogue")
@roles_required("admin")
def catalogue_page(provider_form=None, course_form=None, status=200):
    providers, courses = catalogue.catalogue(svc())
    return render_template("admin_catalogue.html", providers=providers, courses=courses,
                           provider_form=provider_form or ProviderForm(),
                           course_form=course_form or _course_form(providers),
                           seats_form=SeatsForm), status


@bp.post("/providers")
@roles_required("admin")
def create_provider():
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
@roles_required("admin")
def create_course():
    providers, _courses = catalogue.catalogue(svc())
    form = _course_form(providers, request.form)
    if form.validate():
        catalogue.create_course(svc(), current_user, catalogue.NewCourse(**form.data))
        flash(_("Course added. Its seats were offered to matching waiting lists."), "success")
        return redirect(url_for("admin.catalogue_page"))
    return catalogue_page(course_form=form, status=422)


@bp.post("/courses/<int:course_id>/seats")
@roles_required("admin")
def course_seats(course_id: int):
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

"""Referral actions on a case. Each redirects back to the case; a refusal is flashed."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from caseapp.services import referral_slip, referrals
from caseapp.services.errors import ServiceError
from caseapp.web.i18n import translate_error
from caseapp.web.input_guard import refuse
from caseapp.web.int_params import bounded_int
from caseapp.web.newcomer_texts import GERMAN, NewcomerTexts, newcomer_language, newcomer_languages
from caseapp.web.request_context import svc

bp = Blueprint("referrals", __name__)


def back_to_case(view):
    """The view returns its success message; the case to go back to is known first, so a
    request without it is refused before anything is saved."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        case_id = kwargs.get("case_id") or request.form.get("case_id", type=bounded_int)
        if case_id is None:
            refuse(_("The request did not say which case it belongs to. Nothing was "
                     "changed: please reload the case and try again."))
        try:
            message = view(*args, **kwargs)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            flash(translate_error(exc), "error")
        else:
            flash(message, "success")
        # To the top of the case page, where the message shows.
        return redirect(url_for("cases.detail", case_id=case_id))
    return wrapped


@bp.post("/cases/<int:case_id>/referrals/book")
@back_to_case
def book(case_id: int):
    """Book a seat in a course (never overbooked: two people cannot both get the last seat)."""
    referrals.book_seat(svc(), current_user, case_id,
                        request.form.get("course_id", type=bounded_int))
    return _("Seat booked. Print the referral slip for the person.")


@bp.post("/cases/<int:case_id>/referrals/wait")
@back_to_case
def wait(case_id: int):
    """Put the person on the waiting list of a course, or of a course type at a provider."""
    referrals.join_waiting_list(
        svc(), current_user, case_id, course_id=request.form.get("course_id", type=bounded_int),
        provider_id=request.form.get("provider_id", type=bounded_int),
        course_type=request.form.get("course_type") or None)
    return _("Put on the waiting list.")


@bp.post("/cases/<int:case_id>/referrals/offer")
@back_to_case
def offer(case_id: int):
    """Record a referral to another offer (Kita, school, Jobcenter, ...) with a note."""
    referrals.refer_offer(svc(), current_user, case_id, request.form.get("offer", ""),
                          request.form.get("note", ""))
    return _("Referral recorded.")


@bp.post("/referrals/<int:referral_id>/status")
@back_to_case
def status(referral_id: int):
    """Change where a referral to another offer stands (open, accepted, done, declined)."""
    referrals.set_offer_status(svc(), current_user, referral_id, request.form.get("status", ""))
    return _("Status changed.")


@bp.post("/referrals/<int:referral_id>/cancel")
@back_to_case
def cancel(referral_id: int):
    """Give back a booked or offered seat, with a reason; it goes to who waits next."""
    referrals.cancel_seat(svc(), current_user, referral_id, request.form.get("reason", ""))
    return _("Seat given back.")


@bp.post("/referrals/<int:referral_id>/confirm")
@back_to_case
def confirm(referral_id: int):
    """Book the seat the waiting list offered to the person."""
    referrals.confirm_offered_seat(svc(), current_user, referral_id)
    return _("Offered seat booked.")


@bp.get("/referrals/<int:referral_id>/slip")
@login_required
def slip(referral_id: int):
    """The printable referral slip the person takes along to the course provider, in German
    and the language asked for (``?lang=``), else the one recorded in the interview."""
    asked = request.args.get("lang", "")
    if asked not in ("", GERMAN) and newcomer_language(asked) is None:
        refuse(_("The slip cannot be printed in this language. Please choose one of the "
                 "languages offered."))
    issued = referral_slip.referral_slip(svc(), current_user, referral_id)
    code = asked or issued.written_language
    them = newcomer_language(code) if code != GERMAN else None
    return render_template("referrals/slip.html", slip=issued, referral_id=referral_id,
                           de=NewcomerTexts(GERMAN), nt=NewcomerTexts(GERMAN), them=them,
                           languages_offered=newcomer_languages()[1:])

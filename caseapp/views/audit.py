"""Audit pages (auditors only, all GET): case history, access log, event search and
export, chain verification. Thin: parse the query -> call audit_review -> render."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from flask_babel import get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from caseapp.services import audit_review
from caseapp.services.audit_review import EXPORT_COLUMNS, EventFilter, export_record
from caseapp.web.i18n import format_day
from caseapp.web.input_guard import refuse
from caseapp.web.int_params import bounded_int
from caseapp.web.request_context import svc
from domain.vocabulary import Role
from forms import TASK_FORMS
from forms.i18n import lazy_gettext as _l
from forms.validators import EARLIEST, latest, within_reach

from .access import roles_required

bp = Blueprint("audit", __name__, url_prefix="/audit")

EVENT_LABELS = {
    "case_opened": _l("Case opened"),
    "draft_saved": _l("Draft saved"),
    "task_completed": _l("Step completed"),
    "task_claimed": _l("Task claimed"),
    "case_viewed": _l("Viewed"),
    "timer_fired": _l("Timer fired"),
    "timer_failed": _l("Timer failed"),
    "follow_up_moved": _l("Follow-up moved"),
    "seat_booked": _l("Seat booked"),
    "waiting_listed": _l("Put on waiting list"),
    "seat_offered": _l("Seat offered"),
    "seat_cancelled": _l("Seat given back"),
    "offer_referred": _l("Referred to an offer"),
    "referral_status_changed": _l("Referral status changed"),
    "case_closed": _l("Case closed"),
    "case_reopened": _l("Case reopened"),
    "cases_searched": _l("Search"),
    "case_reassigned": _l("Reassigned"),
    "case_transfer_requested": _l("Transfer requested"),
    "case_transfer_accepted": _l("Transfer accepted"),
    "case_transfer_declined": _l("Transfer declined"),
    "data_erased": _l("Personal data erased"),
    "audit_exported": _l("Audit export"),
    "login": _l("Logged in"),
    "logout": _l("Logged out"),
    "login_locked": _l("Login locked"),
    "user_created": _l("User created"),
    "user_changed": _l("User changed"),
    "user_deactivated": _l("User deactivated"),
    "user_reactivated": _l("User reactivated"),
    "password_reset": _l("Password reset"),
    "team_created": _l("Team created"),
    "provider_created": _l("Provider created"),
    "course_created": _l("Course created"),
    "course_seats_changed": _l("Course seats changed"),
}

DETAIL_LABELS = {
    "task": _l("Step"),
    "form": _l("Form"),
    "fields": _l("Changed fields"),
    "process_version": _l("Process version"),
    "number": _l("Case number"),
    "team_id": _l("Team"),
    "team": _l("Team"),
    "from_team": _l("From team"),
    "to_team": _l("To team"),
    "from": _l("From"),
    "to": _l("To"),
    "user": _l("User"),
    "role": _l("Role"),
    "reason": _l("Reason"),
    "note": _l("Note"),
    "outcome": _l("Outcome"),
    "referral": _l("Referral"),
    "course": _l("Course"),
    "course_type": _l("Course type"),
    "provider": _l("Provider"),
    "offer": _l("Offer"),
    "timers": _l("Timers"),
    "new_tasks": _l("New tasks"),
    "error": _l("Error"),
    "retry_at": _l("Retry at"),
    "to_step": _l("To step"),
    "view": _l("View"),
    "cases": _l("Cases shown"),
    "from_waiting_list": _l("From the waiting list"),
    "municipality": _l("Municipality"),
    "format": _l("Format"),
    "filters": _l("Filters"),
    "events": _l("Events"),
}

VIEW_LABELS = {"history": _l("History view")}


def event_label(type_: str) -> str:
    """An event type's name in the reader's language (an unknown type by its code)."""
    return str(EVENT_LABELS.get(type_, type_))


def detail_label(key: str) -> str:
    """A detail's name in the reader's language (an unknown key as it is)."""
    return str(DETAIL_LABELS.get(key, key))


def show_value(value: Any, key: str | None = None) -> str:
    """A detail or change-record value as text (no markup: templates escape it)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "process_version" and isinstance(value, str) and len(value) > 12:
        return value[:12] + "…"  # the full hash is in the exports
    if key == "view" and value in VIEW_LABELS:
        return str(VIEW_LABELS[value])
    if key in audit_review.STEP_KEYS:
        return _(value) if isinstance(value, str) else str(value)
    if key in audit_review.STEP_LIST_KEYS and isinstance(value, list):
        return ", ".join(_(v) if isinstance(v, str) else str(v) for v in value)
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def access_what(event) -> str:
    """What an access-log entry was: a search (with the cases it showed) or a page view."""
    if event.type == "cases_searched":
        shown = event.details.get("cases") or []
        return ngettext("Search (%(num)s case shown)", "Search (%(num)s cases shown)",
                        len(shown))
    view = event.details.get("view")
    return str(VIEW_LABELS[view]) if view in VIEW_LABELS else _("Page view")


_field_labels: dict[str, dict[str, Any]] = {}  # form key -> field name -> (lazy) label


def field_label(form_key: str | None, name: str) -> str:
    """The form's label of a changed field, in the reader's language (else its name)."""
    key = form_key or ""
    if key not in _field_labels:
        form_class = TASK_FORMS.get(key)
        _field_labels[key] = {f.name: f.label.text for f in form_class()} if form_class else {}
    label = _field_labels[key].get(name)
    return str(label) if label else name


def shown_cases(event) -> list[tuple[int, str]]:
    """(case id, number) of the cases a search showed."""
    ids = event.details.get("cases") or []
    numbers = dict(event.facts).get("cases") or []
    return [(i, str(n)) for i, n in zip(ids, numbers, strict=False) if isinstance(i, int)]


@bp.context_processor
def _helpers():
    return {"event_label": event_label, "detail_label": detail_label,
            "show_value": show_value, "access_what": access_what, "field_label": field_label,
            "shown_cases": shown_cases}


def _filters() -> tuple[EventFilter, list[str]]:
    args = request.args
    errors: list[str] = []

    def day(name: str) -> date | None:
        raw = args.get(name, "").strip()
        if not raw:
            return None
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            errors.append(_("“%(value)s” is not a date (YYYY-MM-DD).", value=raw))
            return None
        if not within_reach(value, today):
            errors.append(_("“%(value)s” lies outside the dates that can be searched "
                            "(%(earliest)s to %(latest)s).", value=raw,
                            earliest=format_day(EARLIEST), latest=format_day(latest(today))))
            return None
        return value

    today = svc().now().date()
    return EventFilter(actor_id=args.get("actor", type=bounded_int),
                       type=args.get("type") or None,
                       case_number=args.get("case", "").strip() or None,
                       date_from=day("from"), date_to=day("to"),
                       zone=str(get_timezone())), errors


def _export_filters() -> EventFilter:
    """An export never drops a filter it could not read: it is refused instead."""
    filters, errors = _filters()
    if errors:
        refuse(" ".join([*errors, _("Nothing was exported.")]), 422)
    return filters


def _page_number() -> int:
    return max(request.args.get("page", 1, type=bounded_int) or 1, 1)


def _page_url(page: int) -> str:
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return url_for(request.endpoint, **request.view_args, **args, page=page)


@bp.get("/verify")
@roles_required(Role.AUDITOR)
def verify():
    """Check the audit trail's chains, also against the checkpoints kept outside the database."""
    return render_template("audit/verify.html",
                           report=audit_review.verify(svc(), current_user))


@bp.get("/cases/<int:case_id>")
@roles_required(Role.AUDITOR)
def case_history(case_id: int):
    """Every event of one case with its change records; reading it is itself recorded."""
    filters, errors = _filters()
    history = audit_review.case_history(svc(), current_user, case_id, filters)
    return render_template("audit/case_history.html", history=history, filters=filters,
                           errors=errors)


@bp.get("/access")
@roles_required(Role.AUDITOR)
def access_log():
    """Who opened which case or searched for cases, when: newest first, a page at a time."""
    filters, errors = _filters()
    page = audit_review.access_log(svc(), current_user, filters, _page_number())
    users, _types = audit_review.filter_choices(svc(), current_user)
    return render_template("audit/access.html", page=page, filters=filters, errors=errors,
                           users=users, page_url=_page_url)


@bp.get("/events")
@roles_required(Role.AUDITOR)
def events():
    """Search all events by actor, type, case and dates; the same filters export them."""
    filters, errors = _filters()
    page = audit_review.search_events(svc(), current_user, filters, _page_number())
    users, types = audit_review.filter_choices(svc(), current_user)
    export_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/events.html", page=page, filters=filters, errors=errors,
                           users=users, types=types, page_url=_page_url,
                           export_args=export_args)


@bp.get("/events.csv")
@roles_required(Role.AUDITOR)
def events_csv():
    """The filtered events as a CSV download, streamed; the export itself is recorded."""
    export = audit_review.export_events(svc(), current_user, _export_filters(), "csv")

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        for n, event in enumerate(export.rows, 1):
            record = export_record(event)
            record["details"] = json.dumps(record["details"], ensure_ascii=False,
                                           sort_keys=True, separators=(",", ":"))
            writer.writerow("" if record[c] is None else record[c] for c in EXPORT_COLUMNS)
            if n % 200 == 0:
                yield _drain(buffer)
        yield _drain(buffer)

    return _download(rows(), "csv", "text/csv")


@bp.get("/events.json")
@roles_required(Role.AUDITOR)
def events_json():
    """The filtered events as a JSON download, streamed; the export itself is recorded."""
    export = audit_review.export_events(svc(), current_user, _export_filters(), "json")

    def items():
        yield "["
        for n, event in enumerate(export.rows):
            yield ("," if n else "") + "\n" + json.dumps(export_record(event),
                                                        ensure_ascii=False)
        yield "\n]\n"

    return _download(items(), "json", "application/json")


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _download(chunks, extension: str, mimetype: str) -> Response:
    filename = f"audit-events-{svc().now():%Y-%m-%d}.{extension}"
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

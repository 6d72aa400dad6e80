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
from caseapp.web.labels import answer, label_of, moment, shown
from caseapp.web.request_context import svc
from domain.vocabulary import CHAIN_PROBLEM_TEXTS, N_, Role
from forms.i18n import lazy_gettext as _l
from forms.labels import form_field, key_label
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
    "process_deployed": _l("Process version deployed"),
    "follow_up_moved": _l("Follow-up moved"),
    "seat_booked": _l("Seat booked"),
    "waiting_listed": _l("Put on waiting list"),
    "seat_offered": _l("Seat offered"),
    "seat_cancelled": _l("Seat given back"),
    "slip_issued": _l("Referral slip issued"),
    "offer_referred": _l("Referred to an offer"),
    "referral_status_changed": _l("Referral status changed"),
    "case_closed": _l("Case closed"),
    "case_reopened": _l("Case reopened"),
    "cases_searched": _l("Search"),
    "duplicate_hint_elsewhere": _l("Told of a possible duplicate in another team"),
    "case_reassigned": _l("Reassigned"),
    "case_transfer_requested": _l("Transfer requested"),
    "case_transfer_accepted": _l("Transfer accepted"),
    "case_transfer_declined": _l("Transfer declined"),
    "data_erased": _l("Personal data erased"),
    "subject_access_given": _l("Information given to the person (Art. 15)"),
    "audit_exported": _l("Audit export"),
    "login": _l("Logged in"),
    "logout": _l("Logged out"),
    "logout_everywhere": _l("Logged out everywhere"),
    "login_locked": _l("Login locked"),  # before the rate limits replaced account locks
    "login_limits_lifted": _l("Login limits lifted"),
    "user_created": _l("User created"),
    "user_changed": _l("User changed"),
    "user_deactivated": _l("User deactivated"),
    "user_reactivated": _l("User reactivated"),
    "password_reset": _l("Password reset"),
    "privilege_requested": _l("Grant asked for (second admin needed)"),
    "privilege_confirmed": _l("Grant confirmed by a second admin"),
    "privilege_declined": _l("Grant declined"),
    "team_created": _l("Team created"),
    "provider_created": _l("Provider created"),
    "course_created": _l("Course created"),
    "course_seats_changed": _l("Course seats changed"),
    "course_changed": _l("Course changed"),
    "registration_confirmed": _l("Registration confirmed by the provider"),
    "course_start_confirmed": _l("Course start confirmed by the provider"),
    "drop_out_reported": _l("Early end reported by the provider"),
    "exam_result_reported": _l("Final test results reported by the provider"),
    "network_offer_created": _l("Network offer added"),
    "network_offer_changed": _l("Network offer changed"),
    "network_offer_deactivated": _l("Network offer deactivated"),
    "network_offer_reactivated": _l("Network offer listed again"),
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
    "because": _l("Why"),
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
    "network_offer": _l("Network offer"),
    "kind": _l("Kind of offer"),
    "format": _l("Format"),
    "filters": _l("Filters"),
    "events": _l("Events"),
    "by": _l("Erased because"),
    "rule": _l("Retention rule (outcome=years)"),
    "closed": _l("Case closed by the erasure"),
    "sessions": _l("Sessions ended"),
    "sessions_ended": _l("Sessions ended"),
    "matches": _l("Matches"),
    "grant": _l("Request"),
    "activate": _l("Open the account"),
    "provider_from": _l("Provider before"),
    "provider_to": _l("Provider after"),
    "confirmed_by_provider": _l("Answered by the provider's confirmation (referral)"),
    "dtz": _l("DTZ result"),
    "civic_test": _l("“Leben in Deutschland” result"),
    "before": _l("Before"),
}

VIEW_LABELS = {"history": _l("History view"), "provider": _l("Course provider's view")}

# Keys of details and change records that the page shows without a row of their own:
# "form" names the step's form, whose labels the changed fields are shown with.
HIDDEN_DETAILS = ("form",)
# Which vocabulary (forms/labels.py) a detail's value is a code of, by key, and for keys
# whose meaning depends on the event's type ("from"/"to" are users, seats or statuses).
DETAIL_VOCABULARIES = {"outcome": "outcome", "course_type": "offer", "offer": "offer",
                       "role": "role", "role_from": "role", "role_to": "role",
                       "because": "seat_change_reason", "dtz": "dtz_result",
                       "civic_test": "civic_test_result", "kind": "network_offer_kind"}
DETAIL_VOCABULARIES_BY_TYPE = {
    "referral_status_changed": {"from": "referral_status", "to": "referral_status"},
    "data_erased": {"by": "erasure_cause"},
    "drop_out_reported": {"reason": "drop_out_reason"}}
MOMENT_KEYS = ("retry_at",)
MOMENT_KEYS_BY_TYPE = {"follow_up_moved": ("from", "to")}
FILTER_LABELS = {"actor": _l("By"), "type": _l("Event"), "case": _l("Case number"),
                 "from": _l("From (day)"), "to": _l("To (day, inclusive)"),
                 "zone": _l("Time zone")}
# How a page names a chain in a problem of the chain check.
CHAIN_KINDS = {"case": N_("case %(name)s"), "user": N_("user %(name)s"),
               "system": N_("the system's chain"), "legacy": N_("the legacy chain")}


def event_types() -> list[str]:
    """Every event type the application writes, in the reader's alphabetical order of
    their names (the choices of the event search)."""
    return sorted(EVENT_LABELS, key=lambda type_: event_label(type_).casefold())


def event_label(type_: str) -> str:
    """An event type's name in the reader's language (an unknown type by its code)."""
    return str(EVENT_LABELS.get(type_, type_))


def detail_label(key: str, form_key: str | None = None) -> str:
    """A detail's or a change record's key in the reader's language: a field of the
    event's form by its label, else the audit's own word, else the label any form gives
    it ("person.birth_date" as "Person › Date of birth"); an unknown key as it is."""
    if form_key and form_field(key, form_key):
        return str(key_label(key, form_key))
    label = DETAIL_LABELS.get(key)
    return str(label) if label else str(key_label(key, form_key))


def show_value(value: Any, key: str | None = None, event=None) -> str:
    """A detail or change-record value as text (no markup: templates escape it)."""
    type_ = getattr(event, "type", None)
    form_key = getattr(event, "form_key", None)
    vocabulary = DETAIL_VOCABULARIES_BY_TYPE.get(type_, {}).get(key) \
        or DETAIL_VOCABULARIES.get(key)
    if value is None or value == "" or value == []:
        return shown(value)
    if vocabulary:
        return ", ".join(label_of(vocabulary, v) for v in value) if isinstance(value, list) \
            else label_of(vocabulary, value)
    if key == "process_version" and isinstance(value, str) and len(value) > 12:
        return value[:12] + "…"  # the full hash is in the exports
    if key == "view" and value in VIEW_LABELS:
        return str(VIEW_LABELS[value])
    if key == "format" and isinstance(value, str):
        return value.upper()
    if key == "fields" and isinstance(value, list):
        return ", ".join(detail_label(name, form_key) for name in value) if value \
            else shown(None)
    if key == "filters" and isinstance(value, dict):
        return "; ".join(f"{FILTER_LABELS.get(k, k)}: {_filter_value(k, v)}"
                         for k, v in value.items()) or shown(None)
    if key in MOMENT_KEYS or key in MOMENT_KEYS_BY_TYPE.get(type_, ()):
        return shown(moment(value))
    if key in audit_review.STEP_KEYS or key == "timers":
        return ", ".join(_(v) if isinstance(v, str) else str(v) for v in value) \
            if isinstance(value, list) else _(value) if isinstance(value, str) else str(value)
    if key in audit_review.STEP_LIST_KEYS and isinstance(value, list):
        return ", ".join(_(v) if isinstance(v, str) else str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{detail_label(k, form_key)}: {show_value(v, k, event)}"
                         for k, v in value.items())
    return shown(value)


def change_value(name: str, value: Any, event) -> str:
    """A value of a change record (old or new) as text: an answer by its form's labels."""
    return answer(name, value, getattr(event, "form_key", None))


def _filter_value(key: str, value: Any) -> str:
    if key == "type" and isinstance(value, str):
        return event_label(value)
    if key in ("from", "to") and isinstance(value, str):
        try:
            return format_day(date.fromisoformat(value))
        except ValueError:
            return value
    return shown(value)


def facts_of(event) -> list[tuple[str, str]]:
    """An event's details as (label, text), without those shown otherwise."""
    return [(detail_label(key), show_value(value, key, event)) for key, value in event.facts
            if key not in HIDDEN_DETAILS]


def chain_name(chain: str, owners: dict) -> str:
    """A chain as the page names it: the case or user it belongs to."""
    owner = owners.get(chain)
    return _(CHAIN_KINDS[owner.kind], name=owner.name or "?") if owner else chain


def problem_text(problem, owners: dict | None = None) -> str:
    """What the chain check found, in the reader's language (chains named by owner)."""
    if problem is None:
        return ""
    params = {k: chain_name(v, owners or {}) if k == "chain" else v
              for k, v in problem.params.items()}
    return _(CHAIN_PROBLEM_TEXTS[problem.code], **params)


def access_what(event) -> str:
    """What an access-log entry was: a search (with the cases it showed) or a page view."""
    if event.type == "cases_searched":
        shown_ = event.details.get("cases") or []
        return ngettext("Search (%(num)s case shown)", "Search (%(num)s cases shown)",
                        len(shown_))
    view = event.details.get("view")
    return str(VIEW_LABELS[view]) if view in VIEW_LABELS else _("Page view")


def shown_cases(event) -> list[tuple[int, str]]:
    """(case id, number) of the cases a search showed."""
    ids = event.details.get("cases") or []
    numbers = dict(event.facts).get("cases") or []
    return [(i, str(n)) for i, n in zip(ids, numbers, strict=False) if isinstance(i, int)]


@bp.context_processor
def _helpers():
    return {"event_label": event_label, "detail_label": detail_label,
            "show_value": show_value, "change_value": change_value, "facts_of": facts_of,
            "access_what": access_what, "problem_text": problem_text,
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


def _cursor() -> audit_review.Cursor:
    """Where a page of events starts (``before`` or ``after`` an event number); a cursor
    that is no event number is refused, not read as the first page."""
    found: dict[str, int | None] = {}
    for name in ("before", "after"):
        raw = request.args.get(name, "").strip()
        try:
            found[name] = bounded_int(raw) if raw else None
        except ValueError:
            refuse(_("This page link is not valid. Open the list again from its first "
                     "page."), 400)
    before, after = found["before"], found["after"]
    return audit_review.Cursor(before=before, after=after if before is None else None)


def _page_url(**cursor: int) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("before", "after") and v}
    return url_for(request.endpoint, **request.view_args, **args, **cursor)


@bp.get("/verify")
@roles_required(Role.AUDITOR)
def verify():
    """Check the audit trail's chains, also against the checkpoints kept outside the database."""
    check = audit_review.verify(svc(), current_user)
    return render_template("audit/verify.html", report=check.report, owners=check.owners)


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
    page = audit_review.access_log(svc(), current_user, filters, _cursor())
    users = audit_review.filter_choices(svc(), current_user)
    return render_template("audit/access.html", page=page, filters=filters, errors=errors,
                           users=users, page_url=_page_url)


@bp.get("/events")
@roles_required(Role.AUDITOR)
def events():
    """Search all events by actor, type, case and dates; the same filters export them."""
    filters, errors = _filters()
    page = audit_review.search_events(svc(), current_user, filters, _cursor())
    users = audit_review.filter_choices(svc(), current_user)
    export_args = {k: v for k, v in request.args.items() if k not in ("before", "after") and v}
    return render_template("audit/events.html", page=page, filters=filters, errors=errors,
                           users=users, types=event_types(), page_url=_page_url,
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

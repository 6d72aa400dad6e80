"""Team leads: the board, reassignment, transfers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from caseapp.services import team
from caseapp.services.errors import NotFound, ServiceError
from caseapp.web.i18n import translate_error
from caseapp.web.int_params import bounded_int
from caseapp.web.request_context import svc
from domain.vocabulary import Role
from forms.validators import parse_day

from .access import roles_required

bp = Blueprint("team", __name__, url_prefix="/team")


# What of the query string makes the board's state: its filters, sort and page.
BOARD_STATE = ("step", "municipality", "due_before", "assignee", "sort", "page")


def board_state(args) -> dict[str, str]:
    """The board's filters, sort and page as given, to come back to after an action."""
    return {key: args[key] for key in BOARD_STATE if args.get(key)}


def _page(value: str | None) -> int:
    """The page of the cases list: a number from 1; anything else is no such page (404)."""
    if value is None:
        return 1
    try:
        page = bounded_int(value)
    except ValueError:
        abort(404)
    if page < 1:
        abort(404)
    return page


def filters_from(args) -> team.BoardFilters:
    """The board's filters, sort and page from the query string (the home page's too)."""
    return team.BoardFilters(step=args.get("step") or None,
                             municipality=args.get("municipality") or None,
                             due_before=parse_day(args.get("due_before") or ""),
                             assignee=_assignee(args.get("assignee")),
                             sort=args.get("sort") or "due", page=_page(args.get("page")))


def _assignee(value: str | None) -> str | None:
    """A user id, or "none" for the queue; anything else filters nothing."""
    if value == "none":
        return value
    try:
        return str(bounded_int(value)) if value else None
    except ValueError:
        return None


@bp.get("/")
@roles_required(Role.TEAM_LEAD)
def board():
    """The team board: the team's open cases, filtered by step, municipality, due date,
    assignee; sorted (most urgent first unless chosen otherwise) and paged."""
    filters = filters_from(request.args)
    # A due date that cannot be read is said at its field, never silently dropped.
    due_invalid = bool((request.args.get("due_before") or "").strip()) \
        and filters.due_before is None
    state = board_state(request.args)
    try:
        board = team.board(svc(), current_user, filters)
    except NotFound:
        if request.args.get("after") != "reassign" or filters.page == 1:
            raise
        # the page's cases went elsewhere, so the page is gone: the first of the same filters
        return redirect(url_for("team.board", **{k: v for k, v in state.items() if k != "page"}))
    return render_template("team/board.html", board=board, filters=filters,
                           due_invalid=due_invalid, state=state), 400 if due_invalid else 200


def _user_id(field: str) -> int | None:
    return request.form.get(field, type=bounded_int)


def _flash_result(action) -> None:
    try:
        message = action()
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        flash(translate_error(exc), "error")
    else:
        flash(message, "success")


@bp.post("/reassign")
@roles_required(Role.TEAM_LEAD)
def reassign():
    """Give the chosen cases to a team member or back to the queue, with a reason."""
    ids = request.form.getlist("case_id", type=bounded_int)

    def act():
        count = team.reassign(svc(), current_user, ids, _user_id("to_user"),
                              request.form.get("reason", ""))
        return ngettext("%(num)s case reassigned.", "%(num)s cases reassigned.", count)
    _flash_result(act)
    return redirect(url_for("team.board", **board_state(request.args), after="reassign"))


@bp.post("/reassign-all")
@roles_required(Role.TEAM_LEAD)
def reassign_all():
    """For an absence: every open case of one member goes to another (or the queue)."""
    def act():
        count = team.reassign_all_of(svc(), current_user, _user_id("from_user") or 0,
                                     _user_id("to_user"), request.form.get("reason", ""))
        return ngettext("%(num)s case reassigned.", "%(num)s cases reassigned.", count)
    _flash_result(act)
    return redirect(url_for("team.board", **board_state(request.args), after="reassign"))


@bp.post("/cases/<int:case_id>/transfer")
@roles_required(Role.TEAM_LEAD)
def transfer(case_id: int):
    """Ask another team to take over a case; that team's lead decides."""
    def act():
        team.request_transfer(svc(), current_user, case_id,
                              request.form.get("to_team", type=bounded_int) or 0,
                              request.form.get("reason", ""))
        return _("Transfer requested: the other team's lead decides.")
    _flash_result(act)
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.post("/cases/<int:case_id>/transfer/decision")
@roles_required(Role.TEAM_LEAD)
def decide(case_id: int):
    """The receiving team's lead accepts a transfer (into their queue) or declines it."""
    accept = request.form.get("decision") == "accept"

    def act():
        team.decide_transfer(svc(), current_user, case_id, accept, request.form.get("reason", ""))
        return _("Transfer accepted: the case is in your team's queue.") if accept \
            else _("Transfer declined.")
    _flash_result(act)
    return redirect(url_for("team.board"))

"""Regressions found in review: lock order, closed cases' places, absent members, escaping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import select

from caseapp.models import AuditEvent, Case, Referral, User
from caseapp.services import referrals, tasks, team, timers, users
from caseapp.services.errors import Conflict, InvalidInput
from tests.conftest import csrf_token
from tests.factories import answers, posted
from tests.helpers import (
    add_course,
    at_referral,
    complete,
    complete_until,
    open_case,
    ready_task,
    row_version,
    run_concurrently,
)


def test_completing_while_the_lead_reassigns_never_deadlocks(runtime, people):
    for _ in range(3):
        setup = runtime.context(runtime.sessions())
        case_id = open_case(setup, people["anna"]).id
        task_id, version = ready_task(setup, case_id).id, row_version(setup, case_id)
        setup.session.close()
        outcomes = run_concurrently(
            runtime,
            lambda ctx, c=case_id, t=task_id, v=version: tasks.complete_task(
                ctx, people["anna"], c, t, answers("person"), v, "person"),
            lambda ctx, c=case_id: team.reassign(ctx, people["lea"], [c], people["ben"].id,
                                                 "Urlaub"))
        assert all(kind in ("ok", "refused") for kind, _text in outcomes), outcomes


def test_a_closing_case_gives_up_its_waiting_places(ctx, people, places, clock):
    course = add_course(ctx, places["vhs"], seats=1)
    holder = at_referral(ctx, people["anna"], family_name="Eins")
    closing = open_case(ctx, people["anna"], family_name="Zwei")
    complete_until(ctx, people["anna"], closing.id, "language_literacy")
    still_open = at_referral(ctx, people["anna"], family_name="Drei")
    booked = referrals.book_seat(ctx, people["anna"], holder, course)
    referrals.join_waiting_list(ctx, people["anna"], closing.id, course_id=course)
    clock.advance(minutes=1)
    referrals.join_waiting_list(ctx, people["anna"], still_open, course_id=course)
    complete(ctx, people["anna"], closing.id, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    complete(ctx, people["anna"], closing.id, "follow_up", follow_up_result="not_started",
             reason="anderer Kurs")
    ctx.session.rollback()
    assert ctx.session.get(Case, closing.id).status == "closed"
    assert ctx.session.scalars(select(Referral.status).where(
        Referral.case_id == closing.id)).all() == ["cancelled"]
    referrals.cancel_seat(ctx, people["anna"], booked.id, "verzogen")
    ctx.session.rollback()
    assert ctx.session.scalars(select(Referral.status).where(
        Referral.case_id == still_open)).all() == ["offered"]


def test_an_absent_members_cases_stay_on_the_board(ctx, people):
    case_id = open_case(ctx, people["ben"]).id
    users.set_user_active(ctx, people["adam"], people["ben"].id, False)
    board = team.board(ctx, people["lea"], team.BoardFilters())
    assert [m.user.username for m in board.absent] == ["ben"]
    assert board.names[people["ben"].id] == "Ben"
    assert team.reassign_all_of(ctx, people["lea"], people["ben"].id, people["anna"].id,
                                "Ben hat die Stelle gewechselt") == 1
    ctx.session.rollback()
    assert ctx.session.get(Case, case_id).assignee_id == people["anna"].id


def test_moving_a_member_with_open_cases_is_refused(ctx, people):
    open_case(ctx, people["ben"])
    south = users.ensure_team(ctx, "Süd").id
    with pytest.raises(InvalidInput, match="open case"):
        users.update_user(ctx, people["adam"], people["ben"].id, display_name="Ben",
                          role="counsellor", team_id=south)
    ctx.session.rollback()
    assert ctx.session.get(User, people["ben"].id).team_id == people["anna"].team_id


def test_a_changed_resubmit_of_a_done_step_is_a_conflict(ctx, people):
    case_id = open_case(ctx, people["anna"]).id
    task_id, version = ready_task(ctx, case_id).id, row_version(ctx, case_id)
    tasks.complete_task(ctx, people["anna"], case_id, task_id, answers("person"), version,
                        "person")
    same = tasks.complete_task(ctx, people["anna"], case_id, task_id, answers("person"),
                               version, "person")
    assert same.already_done
    with pytest.raises(Conflict, match="already completed"):
        tasks.complete_task(ctx, people["anna"], case_id, task_id,
                            answers("person", place_of_birth="Homs"), version, "person")


def test_special_category_field_names_stay_out_of_event_details(ctx, people):
    case_id = open_case(ctx, people["anna"]).id
    complete_until(ctx, people["anna"], case_id, "family", family={"pregnancy": "yes"})
    ctx.session.rollback()
    details = ctx.session.scalars(select(AuditEvent.details).where(
        AuditEvent.type == "task_completed")).all()
    assert all("pregnancy" not in d["fields"] for d in details)


def test_save_draft_conflict_keeps_the_input_visible(login, ctx, people):
    case_id = open_case(ctx, people["anna"]).id
    client = login("anna")
    page = client.get(f"/cases/{case_id}").text
    action = f"/cases/{case_id}/tasks/{ready_task(ctx, case_id).id}"
    complete_until(ctx, people["lea"], case_id, "person")
    response = client.post(action + "/draft", data={
        "csrf_token": csrf_token(page), **posted("person", place_of_birth="Damaskus")})
    assert response.status_code == 409
    assert "Your input (not saved)" in response.text and "Damaskus" in response.text


def test_error_page_escapes_its_message(app):
    with app.test_request_context("/"):
        html = render_template("error.html", message='<a href="/evil">hier</a>')
    assert '<a href="/evil">' not in html and "&lt;a href=" in html


def test_board_filter_with_nonsense_is_ignored(login, people):
    assert login("lea").get("/team/?assignee=x&due_before=soon").status_code == 200


def test_timers_still_fire_after_the_lock_order_change(ctx, people, clock):
    case_id = at_referral(ctx, people["anna"])
    complete(ctx, people["anna"], case_id, "referral")
    clock.advance(days=42, seconds=1)
    assert timers.fire_due_timers(ctx) == 1
    assert ready_task(ctx, case_id).form_key == "follow_up"
    assert ctx.session.get(Case, case_id).due_at > clock() - timedelta(days=1)

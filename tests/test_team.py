"""Team leads: board, reassignment (one, many, all of a person's), transfers between teams."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, event, select

from caseapp import create_app
from caseapp.config import ConfigurationError
from caseapp.migrate import alembic_config, upgrade
from caseapp.models import AuditChange, AuditEvent, Case
from caseapp.services import team, timers, users
from caseapp.services.actor import SYSTEM, Actor
from caseapp.services.course_ranking import rank_courses
from caseapp.services.errors import Forbidden, InvalidInput, NotFound
from tests.conftest import PASSWORD, TestConfig, csrf_token
from tests.factories import posted
from tests.helpers import (
    add_course,
    at_referral,
    complete,
    complete_until,
    full_scans,
    open_case,
    query_plans,
    ready_task,
)


def my_tasks(client) -> str:
    """The "my open tasks" part of a counsellor's home page."""
    html = client.get("/").text
    start = html.index('aria-labelledby="my-tasks"')
    return html[start:html.index("</section>", start)]


def assignees(ctx, *case_ids):
    ctx.session.rollback()
    return [ctx.session.get(Case, i).assignee_id for i in case_ids]


@pytest.fixture
def south_lead(ctx, people):
    user = users.create_user(ctx, SYSTEM, username="tom", display_name="Tom", password=PASSWORD,
                             role="team_lead", team_name="Süd")
    return Actor(user.id, user.username, user.display_name, user.role, user.team_id)


def test_board_shows_load_queue_escalations_and_filters(ctx, people, clock):
    anna, ben, lea = people["anna"], people["ben"], people["lea"]
    first = open_case(ctx, anna, family_name="Eins")
    second = open_case(ctx, ben, family_name="Zwei")
    complete_until(ctx, ben, second.id, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    clock.advance(days=8)
    timers.fire_due_timers(ctx)  # overdue: escalation to the team lead
    board = team.board(ctx, lea, team.BoardFilters())
    load = {m.user.username: (m.open_cases, m.open_tasks, m.overdue_follow_ups)
            for m in board.members}
    assert load["anna"] == (1, 1, 0) and load["ben"] == (1, 1, 1)
    assert [t.form_key for t, _case in board.escalations] == ["overdue_review"]
    assert {r.case.id for r in board.cases} == {first.id, second.id}
    only_referral = team.board(ctx, lea, team.BoardFilters(step="Task_follow_up"))
    assert [r.case.id for r in only_referral.cases] == [second.id]
    mine = team.board(ctx, lea, team.BoardFilters(assignee=str(anna.id)))
    assert [r.case.id for r in mine.cases] == [first.id]
    third = open_case(ctx, anna, family_name="Drei")
    complete_until(ctx, anna, third.id, "referral")  # follow-up due in six weeks
    due = team.board(ctx, lea, team.BoardFilters(due_before=clock().date() + timedelta(days=43)))
    assert [r.case.id for r in due.cases] == [third.id]
    with pytest.raises(Forbidden):
        team.board(ctx, anna, team.BoardFilters())


def test_reassigning_many_cases_is_atomic_and_audited_per_case(ctx, people):
    anna, ben, lea = people["anna"], people["ben"], people["lea"]
    cases = [open_case(ctx, anna, family_name=name).id for name in ("Eins", "Zwei")]
    with pytest.raises(InvalidInput, match="reason"):
        team.reassign(ctx, lea, cases, ben.id, " ")
    with pytest.raises(InvalidInput, match="at least one case"):
        team.reassign(ctx, lea, [], ben.id, "Urlaub")
    with pytest.raises(InvalidInput):
        team.reassign(ctx, lea, cases, people["sami"].id, "Urlaub")  # another team
    other = open_case(ctx, people["sami"], family_name="Drei").id
    with pytest.raises(NotFound):
        team.reassign(ctx, lea, [*cases, other], ben.id, "Urlaub")
    assert assignees(ctx, *cases) == [anna.id, anna.id]  # nothing half done
    assert team.reassign(ctx, lea, cases, ben.id, "Urlaub von Anna") == 2
    assert assignees(ctx, *cases) == [ben.id, ben.id]
    assert {ready_task(ctx, c).assignee_id for c in cases} == {ben.id}
    events = ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.type == "case_reassigned")).all()
    assert sorted(e.case_id for e in events) == sorted(cases)
    assert all(e.details == {"from": anna.id, "to": ben.id} for e in events)
    reason = ctx.session.get(AuditChange, events[0].change_digest).data_json
    assert "Urlaub von Anna" in reason


def test_reassign_all_of_a_person_to_the_queue(ctx, people):
    anna, lea = people["anna"], people["lea"]
    cases = [open_case(ctx, anna, family_name=name).id for name in ("Eins", "Zwei")]
    assert team.reassign_all_of(ctx, lea, anna.id, None, "krank") == 2
    assert assignees(ctx, *cases) == [None, None]
    with pytest.raises(InvalidInput):
        team.reassign_all_of(ctx, lea, anna.id, None, "krank")


def test_an_absent_members_cases_stay_on_the_board(ctx, people):
    """A deactivated counsellor's cases stay visible to the lead and can be handed on."""
    case_id = open_case(ctx, people["ben"]).id
    users.set_user_active(ctx, people["adam"], people["ben"].id, False)
    board = team.board(ctx, people["lea"], team.BoardFilters())
    assert [m.user.username for m in board.absent] == ["ben"]
    assert board.names[people["ben"].id] == "Ben"
    assert team.reassign_all_of(ctx, people["lea"], people["ben"].id, people["anna"].id,
                                "Ben hat die Stelle gewechselt") == 1
    ctx.session.rollback()
    assert ctx.session.get(Case, case_id).assignee_id == people["anna"].id


def test_transfer_waits_for_the_receiving_lead(ctx, people, south_lead):
    anna, lea = people["anna"], people["lea"]
    case_id = open_case(ctx, anna).id
    with pytest.raises(Forbidden):
        team.request_transfer(ctx, anna, case_id, south_lead.team_id, "Umzug")
    with pytest.raises(InvalidInput, match="another team"):
        team.request_transfer(ctx, lea, case_id, 9999, "Umzug")  # no such team
    with pytest.raises(InvalidInput, match="another team"):
        team.request_transfer(ctx, lea, case_id, lea.team_id, "Umzug")  # its own team
    with pytest.raises(InvalidInput, match="reason"):
        team.request_transfer(ctx, lea, case_id, south_lead.team_id, "")
    team.request_transfer(ctx, lea, case_id, south_lead.team_id, "Umzug nach Alfeld")
    incoming = team.board(ctx, south_lead, team.BoardFilters()).incoming
    assert [(c.id, name) for c, name in incoming] == [(case_id, "Nord")]
    with pytest.raises(InvalidInput):
        team.decide_transfer(ctx, south_lead, case_id, accept=False)
    with pytest.raises(NotFound):
        team.decide_transfer(ctx, lea, case_id, accept=True)  # not the receiving team
    team.decide_transfer(ctx, south_lead, case_id, accept=True)
    ctx.session.rollback()
    case = ctx.session.get(Case, case_id)
    assert (case.team_id, case.assignee_id, case.transfer_to_team_id) == (
        south_lead.team_id, None, None)
    task = ready_task(ctx, case_id)
    assert (task.team_id, task.assignee_id) == (south_lead.team_id, None)
    types = ctx.session.scalars(select(AuditEvent.type).where(
        AuditEvent.case_id == case_id).order_by(AuditEvent.seq)).all()
    assert types[-2:] == ["case_transfer_requested", "case_transfer_accepted"]


def test_declined_transfer_keeps_the_case(ctx, people, south_lead):
    case_id = open_case(ctx, people["anna"]).id
    team.request_transfer(ctx, people["lea"], case_id, south_lead.team_id, "Umzug")
    team.decide_transfer(ctx, south_lead, case_id, accept=False, reason="keine Kapazität")
    ctx.session.rollback()
    case = ctx.session.get(Case, case_id)
    assert (case.team_id, case.transfer_to_team_id) == (people["lea"].team_id, None)


def test_team_lead_reassigns_two_cases_and_the_home_pages_change(login, ctx, people):
    anna, ben = people["anna"], people["ben"]
    cases = [open_case(ctx, anna, family_name=name).id for name in ("Eins", "Zwei")]
    anna_page = login("anna")
    ben_page = login("ben")
    assert all(f"/cases/{c}" in my_tasks(anna_page) for c in cases)
    lead = login("lea")
    page = lead.get("/").text
    response = lead.post("/team/reassign", data={"csrf_token": csrf_token(page),
                                                 "case_id": cases, "to_user": ben.id,
                                                 "reason": "Urlaub"})
    assert response.status_code == 302
    assert "2 cases reassigned." in lead.get("/").text
    assert not any(f"/cases/{c}" in my_tasks(anna_page) for c in cases)
    assert all(f"/cases/{c}" in my_tasks(ben_page) for c in cases)


def test_previous_assignees_open_form_is_refused_with_input_kept(login, ctx, people):
    anna, ben = people["anna"], people["ben"]
    case_id = open_case(ctx, anna).id
    client = login("anna")
    page = client.get(f"/cases/{case_id}").text
    action = f"/cases/{case_id}/tasks/{ready_task(ctx, case_id).id}"
    version = re.search(r'name="row_version" value="(\d+)"', page).group(1)
    team.reassign(ctx, people["lea"], [case_id], ben.id, "Urlaub")
    response = client.post(action, data={"csrf_token": csrf_token(page), "row_version": version,
                                         **posted("person", place_of_birth="Homs")})
    assert response.status_code == 409
    assert "This step was reassigned to Ben" in response.text
    unsaved = response.text[response.text.index('aria-labelledby="unsaved"'):]
    assert "Homs" in unsaved[:unsaved.index("</section>")]  # to copy; Ben's step is read-only
    autosave = client.post(action + "/draft?autosave=1", data={
        "csrf_token": csrf_token(page), "place_of_birth": "Homs"})
    assert autosave.status_code == 409 and "reassigned to Ben" in autosave.json["message"]
    assert ready_task(ctx, case_id).draft_json is None


def test_reassigning_nothing_on_the_board_says_so(login, people):
    lead = login("lea")
    page = lead.get("/").text
    response = lead.post("/team/reassign", data={"csrf_token": csrf_token(page),
                                                 "to_user": people["ben"].id, "reason": "x"},
                         follow_redirects=True)
    assert "Select at least one case." in response.text and 'role="alert"' in response.text


def test_board_filter_with_nonsense_is_ignored(login, people):
    """A board address with an assignee that means nothing still shows the board."""
    assert login("lea").get("/team/?assignee=x").status_code == 200


def waiting_case(ctx, people) -> int:
    """A case waiting for its follow-up, due 13 April 2026 (referral on 2 March + six weeks)."""
    case_id = at_referral(ctx, people["anna"], family_name="Haddad")
    complete(ctx, people["anna"], case_id, "referral")
    return case_id


@pytest.mark.parametrize("written", ["30.04.2026", "2026-04-30", " 30.04.2026 "])
def test_board_filters_by_a_due_date_written_day_first_or_iso(login, ctx, people, written):
    """"31.12.2026" as typed in German is a filter like "2026-12-31" from the date field."""
    case_id = waiting_case(ctx, people)
    other = open_case(ctx, people["anna"], family_name="Ohne").id  # no deadline
    lead = login("lea", "de")
    html = lead.get("/team/", query_string={"due_before": written}).text
    assert f'data-case="{case_id}"' in html and f'data-case="{other}"' not in html
    assert 'value="2026-04-30"' in html
    earlier = lead.get("/team/", query_string={"due_before": "01.04.2026"}).text
    assert f'data-case="{case_id}"' not in earlier


@pytest.mark.parametrize("written", ["soon", "31.13.2026", "2026-02-30", "1.1.26"])
def test_an_unreadable_due_date_is_said_not_ignored(login, ctx, people, written):
    """The board says the date could not be read, at its field, and how to write it."""
    response = login("lea", "de").get("/team/", query_string={"due_before": written})
    assert response.status_code == 400
    assert 'aria-invalid="true" aria-describedby="f-due-error"' in response.text
    assert "Das Fälligkeitsdatum ist nicht lesbar" in response.text
    assert "31.12.2026" in response.text


def test_reassigning_keeps_the_boards_page_sort_and_filters(login, ctx, people):
    """After reassigning from a filtered, sorted page the lead is back on that same page."""
    case_id = waiting_case(ctx, people)
    lead = login("lea")
    html = lead.get("/team/?due_before=30.04.2026&sort=name&assignee="
                    f"{people['anna'].id}").text
    action = re.search(r'<form method="post" action="([^"]+)" id="reassign-form"',
                       html).group(1).replace("&amp;", "&")
    assert action.startswith("/team/reassign?")
    response = lead.post(action, data={"csrf_token": csrf_token(html), "case_id": case_id,
                                       "to_user": people["ben"].id, "reason": "Urlaub"})
    assert response.status_code == 302
    assert response.location.startswith("/team/?")
    assert set(response.location.split("?", 1)[1].split("&")) == {
        "due_before=30.04.2026", "sort=name", f"assignee={people['anna'].id}",
        "after=reassign"}
    paged = lead.post("/team/reassign?sort=name&page=2&evil=1", data={
        "csrf_token": csrf_token(html), "case_id": case_id, "to_user": people["anna"].id,
        "reason": "zurück"})
    assert paged.location == "/team/?sort=name&page=2&after=reassign"
    # that page no longer exists (one case in all): the same filters, from their first page
    gone = lead.get(paged.location)
    assert gone.status_code == 302 and gone.location == "/team/?sort=name"
    assert lead.get("/team/?sort=name&page=2").status_code == 404  # typed: no such page


def test_the_board_writes_deadlines_as_days_in_one_format(login, ctx, people):
    """A case's deadline reads the same in its step and its deadline column: a day."""
    case_id = waiting_case(ctx, people)
    html = login("lea", "de").get("/team/").text
    row = html[html.index(f'data-case="{case_id}"'):]
    row = row[:row.index("</tr>")]
    assert "fällig am 13.04.2026" in row and '<td class="due">13.04.2026</td>' in row
    assert "13.04.26" not in row


def test_periods_from_the_settings_move_timers_board_and_ranking_together(
        db_url, clock, tmp_path, ctx, people, places):
    """A centre that follows up after ten days, escalates after two and aims at courses
    within two weeks sees all three rules change together."""
    app = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                     FOLLOW_UP_PERIOD="P10D", FOLLOW_UP_GRACE_PERIOD="P2D",
                     COURSE_START_TARGET="P14D")
    runtime = app.extensions["ankommen"]
    runtime.clock = clock
    short = runtime.context(runtime.sessions())
    ben, lea = people["ben"], people["lea"]
    add_course(ctx, places["vhs"], days=20)
    case_id = at_referral(short, ben)
    reasons = {r for m in rank_courses(short, ben, case_id) for r in m.fits}
    assert "starts within the target time" not in reasons
    assert "starts within the target time" in {
        r for m in rank_courses(ctx, ben, case_id) for r in m.fits}  # six weeks
    complete(short, ben, case_id, "referral")
    clock.advance(days=11)
    timers.fire_due_timers(short)
    assert ready_task(short, case_id, "follow_up") is not None

    def overdue(context):
        context.session.rollback()  # a fresh snapshot: see what the other app committed
        return {m.user.username: m.overdue_follow_ups
                for m in team.board(context, lea, team.BoardFilters()).members}["ben"]
    clock.advance(days=1)
    timers.fire_due_timers(short)
    assert overdue(short) == 0  # one day of two: not yet
    clock.advance(days=2)
    timers.fire_due_timers(short)
    # escalated after the case's own two days: the board counts what the process escalated,
    # whichever setting the reader's app has now
    assert overdue(short) == 1 and overdue(ctx) == 1
    short.session.close()
    runtime.db.dispose()


@pytest.mark.parametrize("name", ["FOLLOW_UP_PERIOD", "FOLLOW_UP_AFTER_START",
                                  "FOLLOW_UP_GRACE_PERIOD", "COURSE_START_TARGET"])
def test_a_period_that_is_no_duration_stops_the_start_naming_it(tmp_path, name):
    with pytest.raises(ConfigurationError, match=f"ANKOMMEN_{name}"):
        create_app(TestConfig(), SQLALCHEMY_URL=f"sqlite:///{tmp_path / 'x.db'}",
                   INSTANCE_DIR=tmp_path, **{name: "sechs Wochen"})


def escalate(ctx, clock, actor, case_id):
    """Referral made, the follow-up fell due and stayed open past its grace: escalated."""
    complete(ctx, actor, case_id, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(ctx)
    clock.advance(days=8)
    timers.fire_due_timers(ctx)


def test_every_listed_escalation_is_counted_for_whoever_holds_the_case(
        db_url, clock, tmp_path, ctx, people):
    """"Overdue follow-ups" is the listed escalations counted by who holds the case (the
    queue's row too), also for cases that escalated under another grace period."""
    app = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path,
                     FOLLOW_UP_GRACE_PERIOD="P2D")
    runtime = app.extensions["ankommen"]
    runtime.clock = clock
    short = runtime.context(runtime.sessions())
    ben, lea = people["ben"], people["lea"]
    held = at_referral(short, ben, family_name="Eins")
    queued = at_referral(short, ben, family_name="Zwei")
    complete(short, ben, held, "referral")
    complete(short, ben, queued, "referral")
    clock.advance(days=43)
    timers.fire_due_timers(short)
    clock.advance(days=3)  # past the two days these cases were opened with, not past seven
    timers.fire_due_timers(short)
    team.reassign(short, lea, [queued], None, "Ben ist krank")
    short.session.close()
    runtime.db.dispose()

    ctx.session.rollback()
    board = team.board(ctx, lea, team.BoardFilters())
    listed = {case.id for task, case in board.escalations if task.form_key == "overdue_review"}
    assert listed == {held, queued}
    counts = {m.user.username: m.overdue_follow_ups for m in board.members}
    assert counts["ben"] == 1 and board.overdue_in_queue == 1
    assert sum(counts.values()) + board.overdue_in_queue == len(listed)
    assert {row.case.id for row in board.cases if row.overdue} == listed


def test_board_sorts_most_urgent_first_and_by_the_chosen_column(ctx, people, clock):
    """Overdue first, then the nearest deadline, then the oldest case; or by a column."""
    anna, ben, lea = people["anna"], people["ben"], people["lea"]
    fresh = open_case(ctx, anna, family_name="Zander").id  # no deadline yet
    clock.advance(days=1)
    overdue = at_referral(ctx, ben, family_name="Abel")
    escalate(ctx, clock, ben, overdue)
    soon = at_referral(ctx, anna, family_name="Özdemir")  # among the O's, not after Z
    complete(ctx, anna, soon, "referral")  # follow-up due in six weeks
    newer = open_case(ctx, anna, family_name="Becker").id  # no deadline, opened later

    def order(sort="due"):
        ctx.session.rollback()
        return [r.case.id for r in team.board(ctx, lea, team.BoardFilters(sort=sort)).cases]
    assert order() == [overdue, soon, fresh, newer]
    assert order("name") == [overdue, newer, soon, fresh]
    assert order("opened") == [fresh, overdue, soon, newer]
    assert order("nonsense") == order()


def test_board_pages_at_the_database_and_refuses_a_page_beyond_the_last(ctx, people):
    """Pages never overlap and together hold every case; a page past the end is NotFound."""
    anna, lea = people["anna"], people["lea"]
    opened = [open_case(ctx, anna, family_name=f"Person {n}").id for n in range(5)]

    def page(number):
        return team.board(ctx, lea, team.BoardFilters(page=number), page_size=2)
    pages = [page(n) for n in (1, 2, 3)]
    assert [len(p.cases) for p in pages] == [2, 2, 1]
    assert sorted(r.case.id for p in pages for r in p.cases) == sorted(opened)
    assert {(p.total_cases, p.pages) for p in pages} == {(5, 3)}
    with pytest.raises(NotFound):
        page(4)
    with pytest.raises(NotFound):
        page(0)


def test_board_runs_the_same_few_queries_for_more_cases(runtime, ctx, people, clock):
    """No query per row: more cases, escalations and queued tasks cost no more queries."""
    anna, lea = people["anna"], people["lea"]
    statements = []

    def counted(*_args):
        statements.append(1)

    def queries():
        ctx.session.rollback()
        statements.clear()
        event.listen(runtime.db, "before_cursor_execute", counted)
        try:
            team.board(ctx, lea, team.BoardFilters())
        finally:
            event.remove(runtime.db, "before_cursor_execute", counted)
        return len(statements)

    # 13 for the board, and one for each part of the urgency order the page reaches
    # (overdue, with a deadline, the rest): at most 16, however many cases
    escalate(ctx, clock, anna, at_referral(ctx, anna))
    assert queries() <= 16
    for n in range(4):
        case_id = open_case(ctx, anna, family_name=f"Person {n}").id
        team.reassign(ctx, lea, [case_id], None, "in die Warteschlange")
    escalate(ctx, clock, anna, at_referral(ctx, anna, family_name="Noch eine"))
    assert queries() <= 16


@pytest.mark.parametrize("sort", team.SORTS)
def test_the_board_reads_the_team_by_index_not_all_cases(ctx, people, clock, db_url, sort):
    """Counts, queue, escalations and the page of cases read the team's rows by index:
    no query walks every case or every task of the installation, in any sort order."""
    anna, lea = people["anna"], people["lea"]
    escalate(ctx, clock, anna, at_referral(ctx, anna))
    team.reassign(ctx, lea, [open_case(ctx, anna).id], None, "in die Warteschlange")
    plans = query_plans(ctx, lambda: team.board(ctx, lea, team.BoardFilters(sort=sort)))
    assert plans and full_scans(plans, "cases", "human_tasks") == []


def test_the_most_urgent_first_pages_read_the_cases_in_index_order(ctx, people, clock):
    """The default order is read along (team, status, overdue, due, opened, id): the
    cases with a deadline and the rest are never sorted, however many are open (only the
    few overdue ones are)."""
    anna, lea = people["anna"], people["lea"]
    escalate(ctx, clock, anna, at_referral(ctx, anna))
    complete(ctx, anna, at_referral(ctx, anna, family_name="Haddad"), "referral")
    open_case(ctx, anna, family_name="Rahimi")
    plans = query_plans(ctx, lambda: team.board(ctx, lea, team.BoardFilters()))
    ordered = [(statement, plan) for statement, plan in plans
               if "ORDER BY cases.due_at, " in statement]
    assert len(ordered) == 2, [statement for statement, _ in plans]
    for _statement, plan in ordered:
        assert "ix_cases_team_id_status_overdue_due_at" in plan, plan
        assert not re.search(r"TEMP B-TREE FOR ORDER BY|\bSort\b", plan), plan
    listed = team.board(ctx, lea, team.BoardFilters()).cases
    assert [row.overdue for row in listed] == [True, False, False]
    assert listed[1].case.due_at is not None and listed[2].case.due_at is None


def test_an_overdue_follow_up_from_before_the_upgrade_stays_first(ctx, people, clock,
                                                                   db_url):
    """Schema 0012 marks the cases whose follow-up review is open as overdue."""
    anna, lea = people["anna"], people["lea"]
    late = at_referral(ctx, anna)
    escalate(ctx, clock, anna, late)
    open_case(ctx, anna, family_name="Rahimi")
    ctx.session.rollback()
    engine = create_engine(db_url)
    command.downgrade(alembic_config(engine), "0011")
    upgrade(engine)
    engine.dispose()
    first = team.board(ctx, lea, team.BoardFilters()).cases[0]
    assert (first.case.id, first.overdue) == (late, True)


def test_board_shows_names_waiting_text_and_page_links(login, ctx, people, clock):
    """The team lead sees whose case it is, what a case without a step waits for and until
    when, and page links that keep the chosen sort."""
    anna = people["anna"]
    waiting = at_referral(ctx, anna, family_name="Haddad", given_names="Amina")
    complete(ctx, anna, waiting, "referral")
    lead = login("lea")
    html = lead.get("/team/").text
    row = html[html.index(f'data-case="{waiting}"'):]
    row = row[:row.index("</tr>")]
    assert "Haddad, Amina" in row
    assert "waiting for follow-up, due 13 Apr 2026" in row  # referral on 2 March + six weeks
    for n in range(50):
        open_case(ctx, anna, family_name=f"Person {n:02d}")
    html = lead.get("/team/?sort=name").text
    assert 'href="/team/?sort=name&amp;page=2"' in html and "Cases 1–50 of 51" in html
    assert f'data-case="{waiting}"' in html  # "Haddad" before "Person …"
    second = lead.get("/team/?sort=name&page=2").text
    assert "Cases 51–51 of 51" in second and "Person 49" in second
    for bad in ("3", "0", "x", str(2**40)):
        assert lead.get(f"/team/?page={bad}").status_code == 404

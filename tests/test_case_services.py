"""Services: one transaction per action, authorization, indexed state, conflicts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select

from caseapp.migrate import alembic_config, upgrade
from caseapp.models import (
    AuditEvent,
    Case,
    HumanTask,
    ProcessInstance,
    ProcessVersion,
    RecentCase,
)
from caseapp.services import cases, home_page, recent_cases, tasks, timers, users
from caseapp.services.actor import SYSTEM
from caseapp.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.conftest import PASSWORD
from tests.factories import answers
from tests.helpers import (
    at_referral,
    complete,
    complete_until,
    full_scans,
    open_case,
    query_plans,
    ready_task,
    row_version,
    run_concurrently,
)


def events(ctx, case_id=None):
    stmt = select(AuditEvent.type).order_by(AuditEvent.seq)
    if case_id:
        stmt = stmt.where(AuditEvent.case_id == case_id)
    return list(ctx.session.scalars(stmt))


def test_opening_a_case_starts_the_process_and_indexes_it(ctx, people):
    case = open_case(ctx, people["anna"])
    ctx.session.expire_all()
    case = ctx.session.get(Case, case.id)
    assert case.number == f"2026-{case.id:05d}"
    assert (case.status, case.current_step, case.assignee_id) == (
        "open", "Task_person", people["anna"].id)
    task = ready_task(ctx, case.id)
    assert (task.form_key, task.lane, task.assignee_id, task.team_id) == (
        "person", "Lane_counsellor", people["anna"].id, people["anna"].team_id)
    instance = ctx.session.scalars(select(ProcessInstance)).one()
    assert ctx.session.get(ProcessVersion, instance.version) is not None
    assert events(ctx, case.id) == ["case_opened"]


def test_completing_steps_moves_the_case_and_fills_indexed_columns(ctx, people):
    anna = people["anna"]
    case = open_case(ctx, anna)
    complete_until(ctx, anna, case.id, "language_literacy", language_literacy={
        "german_level": "A1", "placement_test_taken": "yes", "placement_test_result": "A1",
        "placement_recommended_course": "intensivkurs"})
    ctx.session.rollback()
    case = ctx.session.get(Case, case.id)
    assert (case.current_step, case.german_level, case.literacy, case.schooling_years) == (
        "Task_referral", "A1", "latin", 12)
    assert (case.placement_test_result, case.placement_recommended_course) == (
        "A1", "intensivkurs")
    # the placement test predicts fast progress: the intensive course comes first
    assert case.recommended_course_type == "intensivkurs"
    assert events(ctx, case.id).count("task_completed") == 7


def test_stale_form_is_a_conflict_and_changes_nothing(ctx, people):
    anna = people["anna"]
    case = open_case(ctx, anna)
    task = ready_task(ctx, case.id)
    stale = row_version(ctx, case.id)
    tasks.complete_task(ctx, anna, case.id, task.id, answers("person"), stale, "person")
    next_task = ready_task(ctx, case.id)
    before = row_version(ctx, case.id)
    with pytest.raises(Conflict):
        tasks.complete_task(ctx, anna, case.id, next_task.id, answers("residence"), stale,
                            "residence")
    assert row_version(ctx, case.id) == before
    assert ready_task(ctx, case.id).id == next_task.id


def test_double_submit_completes_once(ctx, people):
    anna = people["anna"]
    case = open_case(ctx, anna)
    task = ready_task(ctx, case.id)
    version = row_version(ctx, case.id)
    first = tasks.complete_task(ctx, anna, case.id, task.id, answers("person"), version,
                                "person")
    again = tasks.complete_task(ctx, anna, case.id, task.id, answers("person"), version,
                                "person")
    assert (first.already_done, again.already_done) == (False, True)
    assert events(ctx, case.id).count("task_completed") == 1


def test_a_changed_resubmit_of_a_done_step_is_a_conflict(ctx, people):
    """Sending a done step again is harmless; sending it changed is refused."""
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


def test_two_people_completing_one_task_at_once_one_wins(runtime, people):
    """Real concurrency: two sessions, two threads, one task."""
    setup = runtime.context(runtime.sessions())
    case_id = open_case(setup, people["anna"]).id
    task_id = ready_task(setup, case_id).id
    version = row_version(setup, case_id)
    setup.session.close()

    def attempt(actor):
        return lambda ctx: tasks.complete_task(ctx, actor, case_id, task_id,
                                               answers("person"), version, "person")

    outcomes = run_concurrently(runtime, attempt(people["anna"]), attempt(people["lea"]))
    assert sorted(kind for kind, _text in outcomes) == ["ok", "refused"], outcomes
    check = runtime.context(runtime.sessions())
    assert check.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.case_id == case_id, HumanTask.form_key == "residence")) == 1
    check.session.close()


def test_other_teams_case_is_not_found(ctx, people):
    case = open_case(ctx, people["anna"])
    with pytest.raises(NotFound):
        cases.view_case(ctx, people["sami"], case.id)
    task = ready_task(ctx, case.id)
    with pytest.raises(NotFound):
        tasks.complete_task(ctx, people["sami"], case.id, task.id, answers("person"), None,
                            "person")


def test_viewing_a_case_is_audited(ctx, people):
    case = open_case(ctx, people["anna"])
    cases.view_case(ctx, people["ida"], case.id)
    viewed = ctx.session.scalars(select(AuditEvent).where(AuditEvent.type == "case_viewed")).one()
    assert (viewed.actor_id, viewed.case_id) == (people["ida"].id, case.id)


def test_counsellor_may_not_work_a_colleagues_task_but_team_lead_may(ctx, people):
    case = open_case(ctx, people["anna"])
    task = ready_task(ctx, case.id)
    with pytest.raises(Forbidden):
        tasks.complete_task(ctx, people["ben"], case.id, task.id, answers("person"), None,
                            "person")
    complete(ctx, people["lea"], case.id, "person")


def test_claiming_from_the_team_queue(ctx, people):
    case = open_case(ctx, people["anna"])
    task = ready_task(ctx, case.id)
    task.assignee_id = None
    ctx.session.get(Case, case.id).assignee_id = None
    ctx.session.commit()
    task = ready_task(ctx, case.id)
    tasks.claim_task(ctx, people["ben"], case.id, task.id)
    with pytest.raises(Conflict):
        tasks.claim_task(ctx, people["anna"], case.id, task.id)
    ctx.session.expire_all()
    assert ctx.session.get(Case, case.id).assignee_id == people["ben"].id


def test_duplicate_check_finds_similar_names_and_hides_other_teams(ctx, people):
    open_case(ctx, people["anna"], family_name="Müller", given_names="Fatima",
              birth_date=date(1990, 1, 1))
    open_case(ctx, people["sami"], family_name="Mueller", given_names="Fatma",
              birth_date=date(1990, 1, 1))
    found = cases.find_duplicates(ctx, people["ben"], "Fatma", "Muller", date(1990, 1, 1))
    assert len(found) == 2
    own = [d for d in found if d.case_id]
    assert len(own) == 1 and "Müller" in own[0].name
    assert cases.find_duplicates(ctx, people["ben"], "Fatima", "Müller", date(1990, 1, 2)) == []
    assert cases.find_duplicates(ctx, people["ben"], "Fatima", "Schmidt", date(1990, 1, 1)) == []


def test_search_by_name_number_and_birth_date_stays_in_team(ctx, people):
    mine = open_case(ctx, people["anna"], family_name="Kovalenko", birth_date=date(1984, 11, 2))
    open_case(ctx, people["sami"], family_name="Kovalenko", birth_date=date(1984, 11, 2))
    for query in ("kova", mine.number, "1984-11-02", "02.11.1984"):
        assert [c.id for c in cases.search_cases(ctx, people["ben"], query)] == [mine.id]
    assert len(cases.search_cases(ctx, people["ida"], "Kovalenko")) == 2


def test_follow_up_timer_fires_on_the_clock_and_escalates(ctx, people, clock):
    anna = people["anna"]
    case = open_case(ctx, anna)
    complete_until(ctx, anna, case.id, "referral")
    assert ready_task(ctx, case.id) is None
    assert ctx.session.get(Case, case.id).due_at == clock() + timedelta(days=42)
    clock.advance(days=41)
    assert timers.fire_due_timers(ctx) == 0
    clock.advance(days=2)
    assert timers.fire_due_timers(ctx) == 1
    assert ready_task(ctx, case.id).form_key == "follow_up"
    clock.advance(days=8)
    assert timers.fire_due_timers(ctx) == 1
    review = ready_task(ctx, case.id, "overdue_review")
    assert (review.lane, review.assignee_id) == ("Lane_team_lead", None)
    assert events(ctx, case.id).count("timer_fired") == 2
    with pytest.raises(Forbidden):
        tasks.complete_task(ctx, anna, case.id, review.id, {"action": "x"}, None,
                            "overdue_review")
    complete(ctx, anna, case.id, "follow_up")
    tasks.complete_task(ctx, people["lea"], case.id, review.id, {"action": "called"},
                        row_version(ctx, case.id), "overdue_review")
    ctx.session.expire_all()
    assert ctx.session.scalar(select(ProcessInstance.finished)) is True


def test_a_wrong_password_an_unknown_name_and_a_deactivated_account_are_refused_alike(
        ctx, people):
    """The service never locks an account (the rate limits count tries): a wrong password,
    an unknown name and a deactivated account all get the one refusal, and the right
    password still works after many wrong ones."""
    users.set_user_active(ctx, people["adam"], people["ben"].id, False)
    refusals = set()
    for username, password in [("anna", "wrong password")] * 6 + [("nobody", PASSWORD),
                                                                  ("ben", PASSWORD)]:
        with pytest.raises(InvalidInput) as refused:
            users.authenticate(ctx, username, password)
        refusals.add(str(refused.value))
    assert refusals == {"Unknown user name or wrong password."}
    assert users.authenticate(ctx, "anna", PASSWORD).actor.username == "anna"


def test_passwords_are_hashed_and_users_validated(ctx, people):
    from caseapp.models import User
    stored = ctx.session.scalars(select(User.password_hash).where(User.username == "anna")).one()
    assert PASSWORD not in stored and stored.startswith("pbkdf2:sha256:1000$")
    with pytest.raises(InvalidInput, match="taken"):
        users.create_user(ctx, SYSTEM, username="anna", display_name="A", password=PASSWORD,
                          role="counsellor", team_name="Nord")
    with pytest.raises(InvalidInput, match="team"):
        users.create_user(ctx, SYSTEM, username="x", display_name="X", password=PASSWORD,
                          role="counsellor", team_name=None)
    with pytest.raises(Forbidden):
        users.create_user(ctx, people["lea"], username="y", display_name="Y",
                          password=PASSWORD, role="auditor", team_name=None)


def test_deviating_from_the_recommendation_needs_a_reason(ctx, people):
    anna = people["anna"]
    case = open_case(ctx, anna)
    complete_until(ctx, anna, case.id, "language_literacy")
    with pytest.raises(InvalidInput) as refused:
        complete(ctx, anna, case.id, "referral", course_type="intensivkurs", override_reason=" ")
    assert "override_reason" in refused.value.field_errors
    assert ready_task(ctx, case.id).form_key == "referral"
    complete(ctx, anna, case.id, "referral", course_type="intensivkurs",
             override_reason="Placement test predicts fast progress")
    assert ready_task(ctx, case.id) is None


def test_another_recommended_course_type_needs_no_reason(ctx, people):
    """Waiting for BAMF's admission, the EOK bridges: it is recommended too, so choosing
    it over the main recommendation is no deviation."""
    anna = people["anna"]
    case = open_case(ctx, anna)
    complete_until(ctx, anna, case.id, "language_literacy", residence={
        "residence_document": "aufenthaltsgestattung", "course_status": "admission_possible",
        "admission_application": "applied"})
    ctx.session.rollback()
    assert ctx.session.get(Case, case.id).recommended_course_type == "integrationskurs"
    complete(ctx, anna, case.id, "referral", course_type="erstorientierung", override_reason="")
    assert ready_task(ctx, case.id) is None


def test_timer_due_exactly_now_fires_on_the_next_round(ctx, people, clock):
    anna = people["anna"]
    case = open_case(ctx, anna)
    complete_until(ctx, anna, case.id, "referral")
    clock.advance(days=42)  # exactly the due time: SpiffWorkflow fires strictly after it
    assert timers.fire_due_timers(ctx) == 0
    assert ctx.session.get(Case, case.id).due_at == clock()
    clock.advance(seconds=1)
    assert timers.fire_due_timers(ctx) == 1
    assert ready_task(ctx, case.id).form_key == "follow_up"


def test_the_follow_up_timer_opens_its_step_and_moves_the_due_date(ctx, people, clock):
    """The follow-up timer opens the follow-up step and moves the case's due date."""
    case_id = at_referral(ctx, people["anna"])
    complete(ctx, people["anna"], case_id, "referral")
    clock.advance(days=42, seconds=1)
    assert timers.fire_due_timers(ctx) == 1
    assert ready_task(ctx, case_id).form_key == "follow_up"
    assert ctx.session.get(Case, case_id).due_at > clock() - timedelta(days=1)


def test_a_broken_case_does_not_stop_the_timer_worker(ctx, people, clock):
    anna = people["anna"]
    broken = open_case(ctx, anna, family_name="Eins")
    healthy = open_case(ctx, anna, family_name="Zwei")
    for case in (broken, healthy):
        complete_until(ctx, anna, case.id, "referral")
    instance = ctx.session.scalars(select(ProcessInstance)
                                   .where(ProcessInstance.case_id == broken.id)).one()
    instance.state_json = '{"not": "a workflow"}'
    ctx.session.commit()
    clock.advance(days=43)
    assert timers.fire_due_timers(ctx) == 2
    assert ready_task(ctx, healthy.id).form_key == "follow_up"
    assert ready_task(ctx, broken.id) is None
    ctx.session.rollback()
    failed = ctx.session.scalars(select(AuditEvent).where(AuditEvent.type == "timer_failed")).one()
    assert failed.case_id == broken.id
    assert ctx.session.get(ProcessInstance, instance.id).next_timer_at > clock()
    assert timers.fire_due_timers(ctx) == 0  # not retried before its retry time


def test_a_step_only_accepts_its_own_form(ctx, people):
    case = open_case(ctx, people["anna"])
    task = ready_task(ctx, case.id)
    with pytest.raises(InvalidInput, match="does not belong"):
        tasks.complete_task(ctx, people["anna"], case.id, task.id, {"german_level": "C2"},
                            row_version(ctx, case.id), "language_literacy")
    assert ready_task(ctx, case.id).id == task.id


def test_two_people_claiming_one_task_at_once_one_wins(runtime, people):
    setup = runtime.context(runtime.sessions())
    case_id = open_case(setup, people["anna"]).id
    task = ready_task(setup, case_id)
    task.assignee_id = None
    setup.session.get(Case, case_id).assignee_id = None
    setup.session.commit()
    task_id = task.id
    setup.session.close()
    claimants = [people["anna"], people["ben"]]
    outcomes = run_concurrently(runtime, *(
        (lambda ctx, actor=actor: tasks.claim_task(ctx, actor, case_id, task_id))
        for actor in claimants))
    assert sorted(kind for kind, _text in outcomes) == ["ok", "refused"], outcomes
    winner = claimants[[kind for kind, _text in outcomes].index("ok")]
    check = runtime.context(runtime.sessions())
    assert check.session.get(HumanTask, task_id).assignee_id == winner.id
    check.session.close()


def test_search_treats_wildcards_literally_and_is_audited(ctx, people):
    open_case(ctx, people["anna"], family_name="Kovalenko")
    assert cases.search_cases(ctx, people["ben"], "%") == []
    assert cases.search_cases(ctx, people["ben"], "_ovalenko") == []
    ctx.session.rollback()
    searches = ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.type == "cases_searched")).all()
    assert len(searches) == 2 and searches[0].actor_id == people["ben"].id


def test_search_by_given_and_family_name_in_any_order_and_short_number(ctx, people):
    case = open_case(ctx, people["anna"], family_name="Haddad", given_names="Amina Nour")
    number = int(case.number.split("-")[1])
    for query in ("Amina", "amina haddad", "Haddad, Amina", "Nour", str(number)):
        assert [c.id for c in cases.search_cases(ctx, people["ben"], query)] == [case.id], query
    assert cases.search_cases(ctx, people["ben"], "Amina Schmidt") == []


def test_home_lists_recently_touched_cases_newest_first(ctx, people):
    """What a counsellor worked on or looked at last comes first, each case once."""
    anna = people["anna"]
    first, second = open_case(ctx, anna), open_case(ctx, anna, family_name="Petrenko")
    cases.view_case(ctx, anna, first.id)
    assert [c.id for c in home_page.home(ctx, anna).recent] == [first.id, second.id]
    complete(ctx, anna, second.id, "person")
    assert [c.id for c in home_page.home(ctx, anna).recent] == [second.id, first.id]
    assert home_page.home(ctx, people["ben"]).recent == []  # his own history only


def test_home_shows_the_ten_newest_recent_cases_and_keeps_few_rows_per_person(ctx, people):
    """However much a counsellor works, the home page lists their ten newest cases from a
    few kept rows, read by index: not from the audit trail, not by reading every case."""
    anna = people["anna"]
    opened = [open_case(ctx, anna, family_name=f"Person {n}").id
              for n in range(recent_cases.RECENT_KEPT + 3)]
    cases.view_case(ctx, anna, opened[0])
    shown = [c.id for c in home_page.home(ctx, anna).recent]
    assert shown == [opened[0], *opened[::-1][:recent_cases.RECENT_SHOWN - 1]]
    kept = ctx.session.scalar(select(func.count()).select_from(RecentCase)
                              .where(RecentCase.user_id == anna.id))
    assert kept == recent_cases.RECENT_KEPT
    plans = query_plans(ctx, lambda: home_page.home(ctx, anna))
    assert not [statement for statement, _plan in plans if "audit_events" in statement]
    assert full_scans(plans, "cases", "human_tasks", "recent_cases") == []


def test_home_reads_my_tasks_and_seat_offers_by_index_not_the_teams_history(ctx, people):
    """My tasks come in the order shown along an index (never sorted, however many), and
    seat offers are looked for among the counsellor's open cases only."""
    anna = people["anna"]
    for name in ("Haddad", "Rahimi", "Petrenko"):
        open_case(ctx, anna, family_name=name)
    plans = query_plans(ctx, lambda: home_page.home(ctx, anna))
    mine = [plan for statement, plan in plans
            if "human_tasks.assignee_id = " in statement and "ORDER BY" in statement]
    assert len(mine) == 1 and "ix_human_tasks_team_id_state_assignee_id_created_at" in mine[0]
    assert not re.search(r"TEMP B-TREE FOR ORDER BY|\bSort\b", mine[0]), mine[0]
    offers = [statement for statement, _plan in plans if "FROM referrals" in statement]
    assert len(offers) == 1 and "cases.status = " in offers[0]


def test_recent_cases_from_before_the_upgrade_come_from_the_audit_trail(ctx, people, db_url):
    """The migration fills each person's recent cases from what they did and read."""
    anna = people["anna"]
    first, second = open_case(ctx, anna), open_case(ctx, anna, family_name="Petrenko")
    cases.view_case(ctx, anna, first.id)
    before = [c.id for c in home_page.home(ctx, anna).recent]
    ctx.session.rollback()
    engine = create_engine(db_url)
    command.downgrade(alembic_config(engine), "0009")
    upgrade(engine)
    engine.dispose()
    assert [c.id for c in home_page.home(ctx, anna).recent] == before == [first.id, second.id]

"""Many people on one case at once: nobody waits on the installation, nobody deadlocks,
nothing is lost, and the trail still verifies. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

from sqlalchemy import func, select

from caseapp.models import AuditEvent
from caseapp.services import audit, cases, referrals, tasks, team, users
from caseapp.services.actor import SYSTEM, Actor
from caseapp.services.errors import ServiceError
from tests.conftest import PASSWORD
from tests.factories import answers
from tests.helpers import (
    add_course,
    at_referral,
    open_case,
    ready_task,
    row_version,
    run_concurrently,
)

SERVICES = Path(__file__).resolve().parent.parent / "caseapp" / "services"


def run_for_each(runtime, rounds: int, *workers):
    """Start every worker(ctx, round) in its own thread and session at the same moment and
    let each run ``rounds`` times. Returns every failure (none is swallowed)."""
    failures: list[str] = []
    barrier = threading.Barrier(len(workers))

    def loop(worker):
        ctx = runtime.context(runtime.sessions())
        barrier.wait()
        try:
            for round_ in range(rounds):
                try:
                    worker(ctx, round_)
                except Exception as exc:  # noqa: BLE001 - every failure is reported
                    failures.append(repr(exc))
        finally:
            ctx.session.close()

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_viewers_and_autosaving_counsellors_on_one_case(runtime, ctx, people):
    """Four people reloading a case while two keep autosaving its open step (the case
    that gave deadlocks and server errors on PostgreSQL): no errors, every draft kept."""
    case = open_case(ctx, people["anna"])
    task = ready_task(ctx, case.id, "person")
    rounds = 25

    def viewer(name):
        return lambda c, _round: cases.view_case(c, people[name], case.id)

    def typist(name):
        return lambda c, r: tasks.save_draft(c, people[name], case.id, task.id,
                                             {"place_of_birth": f"{name} {r}"})

    failures = run_for_each(runtime, rounds, viewer("anna"), viewer("ben"), viewer("lea"),
                            viewer("ida"), typist("anna"), typist("lea"))
    assert failures == []
    ctx.session.rollback()  # a fresh snapshot: see what the threads committed
    counted = dict(ctx.session.execute(
        select(AuditEvent.type, func.count()).where(AuditEvent.case_id == case.id)
        .group_by(AuditEvent.type)).all())
    assert counted["case_viewed"] == 4 * rounds and counted["draft_saved"] == 2 * rounds
    assert audit.verify_trail(ctx.session).ok


def test_actions_on_different_cases_do_not_share_a_chain(runtime, ctx, people):
    """Two counsellors completing steps on their own cases at once: each case's events
    form their own unbroken chain."""
    first, second = open_case(ctx, people["anna"]), open_case(ctx, people["ben"],
                                                              family_name="Petrenko")

    def saver(name, case_id):
        task_id = ready_task(ctx, case_id, "person").id
        return lambda c, r: tasks.save_draft(c, people[name], case_id, task_id,
                                             {"notes": str(r)})

    assert run_for_each(runtime, 20, saver("anna", first.id), saver("ben", second.id)) == []
    ctx.session.rollback()
    for case_id in (first.id, second.id):
        seqs = ctx.session.scalars(select(AuditEvent.chain_seq)
                                   .where(AuditEvent.chain == f"case:{case_id}")
                                   .order_by(AuditEvent.chain_seq)).all()
        assert seqs == list(range(1, 22))
    assert audit.verify_trail(ctx.session).ok


def test_reassigning_overlapping_cases_at_once_does_not_deadlock(runtime, ctx, people):
    """Two team-lead actions locking several cases lock them in one order."""
    opened = [open_case(ctx, people["anna"], family_name=f"Fam{i}").id for i in range(6)]
    lead = people["lea"]
    outcomes = run_concurrently(
        runtime,
        lambda c: team.reassign(c, lead, opened, people["ben"].id, "Urlaub"),
        lambda c: team.reassign(c, lead, list(reversed(opened)), None, "Rückgabe"))
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    ctx.session.rollback()
    assert audit.verify_trail(ctx.session).ok


def test_completing_while_the_lead_reassigns_never_deadlocks(runtime, people):
    """Completing a step while the lead reassigns its case ends in success or a refusal."""
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


def test_a_freed_seat_is_offered_while_the_waiting_case_is_being_worked(runtime, ctx, people,
                                                                        places):
    """Cancelling a seat offers it to the waiting case in that case's own lock order, even
    while the waiting case's counsellor saves a draft at the same moment."""
    course = add_course(ctx, places["vhs"], seats=1)
    holder = at_referral(ctx, people["anna"])
    waiting = at_referral(ctx, people["ben"], family_name="Petrenko")
    booked = referrals.book_seat(ctx, people["anna"], holder, course)
    referrals.join_waiting_list(ctx, people["ben"], waiting, course_id=course)
    task = ready_task(ctx, waiting, "referral")
    outcomes = run_concurrently(
        runtime,
        lambda c: referrals.cancel_seat(c, people["anna"], booked.id, "zieht um"),
        lambda c: tasks.save_draft(c, people["ben"], waiting, task.id,
                                   {"override_reason": "x"}))
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    ctx.session.rollback()
    statuses = [r.status for r in referrals.case_referrals(ctx, people["ben"], waiting)]
    assert statuses == ["offered"]
    ctx.session.rollback()
    assert audit.verify_trail(ctx.session).ok


def test_a_seat_freed_without_its_follow_up_is_offered_by_the_worker(ctx, people, places):
    """If the offer after a cancellation never ran (a crash between the two), the worker's
    sweep offers the seat all the same."""
    course = add_course(ctx, places["vhs"], seats=1)
    waiting = at_referral(ctx, people["ben"], family_name="Petrenko")
    referrals.join_waiting_list(ctx, people["ben"], waiting, course_id=course)
    assert referrals.offer_all_free_seats(ctx) == 1
    assert [r.status for r in referrals.case_referrals(ctx, people["ben"], waiting)] \
        == ["offered"]
    assert referrals.offer_all_free_seats(ctx) == 0


def test_wrong_passwords_do_not_hold_up_other_work(runtime, ctx, people):
    """Password checks run outside the write transaction: a counsellor's draft saves in
    between many wrong logins at once all succeed."""
    case = open_case(ctx, people["anna"])
    task = ready_task(ctx, case.id, "person")

    def guesser(c, _round):
        try:
            users.authenticate(c, "ben", "wrong password")
        except ServiceError:
            pass

    def typist(c, r):
        tasks.save_draft(c, people["anna"], case.id, task.id, {"notes": str(r)})

    assert run_for_each(runtime, 2, guesser, guesser, typist) == []
    ctx.session.rollback()
    assert users.authenticate(ctx, "ben", PASSWORD).actor.username == "ben"


def test_every_row_lock_is_taken_through_the_locking_module():
    """One place decides the lock order: no service takes a row lock on its own."""
    offenders = []
    for path in SERVICES.glob("*.py"):
        if path.name in ("locking.py", "audit.py"):  # audit: the chain head, always last
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "with_for_update" or \
                    isinstance(node, ast.keyword) and node.arg == "with_for_update":
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []



def test_verifying_while_people_work_never_reports_a_false_break(runtime, ctx, people):
    """An auditor checking the trail during working hours sees it intact, however the
    appends of the moment interleave with the reading."""
    case = open_case(ctx, people["anna"])
    task = ready_task(ctx, case.id, "person")
    reports = []

    def typist(c, r):
        tasks.save_draft(c, people["anna"], case.id, task.id, {"notes": str(r)})
        cases.view_case(c, people["ben"], case.id)

    def auditor(c, _round):
        reports.append(audit.verify_trail(c.session))

    assert run_for_each(runtime, 30, typist, auditor) == []
    assert [r.summary() for r in reports if not r.ok] == []


def test_two_admins_deactivating_each_other_at_once_leave_one_admin(runtime, ctx, people):
    """The target and every active admin are locked in one statement, in id order: one of
    the two is refused, never both succeed, never a deadlock."""
    second = users.create_user(ctx, SYSTEM, username="alex", display_name="Alex",
                               password=PASSWORD, role="admin", team_name=None)
    alex = Actor(second.id, second.username, second.display_name, second.role, None)
    adam = people["adam"]
    outcomes = run_concurrently(
        runtime,
        lambda c: users.set_user_active(c, adam, alex.id, False),
        lambda c: users.set_user_active(c, alex, adam.id, False))
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    assert any("last active admin" in text for _, text in outcomes)

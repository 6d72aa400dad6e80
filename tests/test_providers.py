"""Course providers in the loop: they see the seats booked in their own courses and of each
person only what the person agreed to share; they confirm registration, start, early end
and results; a confirmed start answers the counsellor's follow-up; they keep their own
courses and see the district's waiting demand, counts only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from caseapp.models import AuditEvent, Case, HumanTask, ProcessInstance, Referral
from caseapp.services import (
    catalogue,
    demand,
    provider_referrals,
    referrals,
    tasks,
    timers,
    users,
)
from caseapp.services.actor import SYSTEM, Actor
from caseapp.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.factories import answers
from tests.helpers import (
    add_course,
    at_referral,
    complete,
    open_case,
    ready_task,
    run_concurrently,
)

PHONE, EMAIL = "0151 2345 678", "amina@example.org"


def staff_of(ctx, provider_id: int, username: str = "petra") -> Actor:
    """A course provider's staff account."""
    user = users.create_user(ctx, SYSTEM, username=username, display_name=username.title(),
                             password="provider-pass-1", role="provider", team_name=None,
                             provider_id=provider_id)
    return Actor(user.id, user.username, user.display_name, user.role, None, None,
                 user.provider_id)


@pytest.fixture
def petra(ctx, places):
    """Staff of the VHS."""
    return staff_of(ctx, places["vhs"])


def referred(ctx, counsellor, course_id, *, contact: bool, step_done: bool = True, **person):
    """A case at its referral step with a seat booked in ``course_id`` (the person agreed
    to share their contact, or only their name), the referral step done if asked."""
    case_id = at_referral(ctx, counsellor, **person) if not contact else None
    if contact:
        case = open_case(ctx, counsellor, **person)
        case_id = case.id
        for step in ("person", "residence", "family", "education_work", "practical",
                     "goals_plan", "language_literacy"):
            overrides = {"phone": PHONE, "email": EMAIL,
                         "share_with_course_provider": "name_and_contact"} \
                if step == "person" else {}
            complete(ctx, counsellor, case_id, step, **overrides)
    referral = referrals.book_seat(ctx, counsellor, case_id, course_id)
    if step_done:
        complete(ctx, counsellor, case_id, "referral")
    return case_id, referral.id


def today(ctx) -> date:
    return ctx.now().date()


def test_a_provider_sees_its_own_seats_and_only_what_each_person_agreed(ctx, people, places,
                                                                        petra):
    anna = people["anna"]
    vhs_course = add_course(ctx, places["vhs"], title="Integrationskurs VHS")
    alfeld_course = add_course(ctx, places["alfeld"], title="Integrationskurs Alfeld")
    agreed, agreed_seat = referred(ctx, anna, vhs_course, contact=True)
    named, named_seat = referred(ctx, anna, vhs_course, contact=False, family_name="Nurname")
    elsewhere, elsewhere_seat = referred(ctx, anna, alfeld_course, contact=True,
                                         family_name="Anderswo")

    listed = provider_referrals.courses(ctx, petra)
    assert [(row.course.id, row.participants) for row in listed] == [(vhs_course, 2)]
    shown = {p.referral_id: p for p in provider_referrals.participants(ctx, petra, vhs_course)}
    assert set(shown) == {agreed_seat, named_seat}
    assert (shown[agreed_seat].name, shown[agreed_seat].phone, shown[agreed_seat].email) \
        == ("Amina Haddad", PHONE, EMAIL)
    assert (shown[named_seat].name, shown[named_seat].phone, shown[named_seat].email) \
        == ("Amina Nurname", None, None)

    for refused in (lambda: provider_referrals.participants(ctx, petra, alfeld_course),
                    lambda: provider_referrals.participant(ctx, petra, elsewhere_seat),
                    lambda: provider_referrals.confirm_start(ctx, petra, elsewhere_seat,
                                                             today(ctx))):
        with pytest.raises(NotFound):
            refused()
    # every read of a person's data is an access event in the access log
    ctx.session.rollback()
    reads = ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.actor_id == petra.id, AuditEvent.type == "case_viewed")).all()
    assert {(e.case_id, e.details["view"]) for e in reads} == {(agreed, "provider"),
                                                               (named, "provider")}


def test_other_roles_cannot_act_as_a_provider(ctx, people, places, petra):
    course = add_course(ctx, places["vhs"])
    _case, seat = referred(ctx, people["anna"], course, contact=False)
    for actor in (people["anna"], people["lea"], people["ida"], people["adam"]):
        with pytest.raises(Forbidden):
            provider_referrals.confirm_start(ctx, actor, seat, today(ctx))
        with pytest.raises(Forbidden):
            demand.waiting_demand(ctx, actor)


def follow_up_of(ctx, case_id) -> HumanTask | None:
    ctx.session.rollback()
    return ctx.session.scalars(select(HumanTask).where(
        HumanTask.case_id == case_id, HumanTask.form_key == "follow_up")).first()


def test_a_confirmed_start_answers_the_waiting_follow_up(ctx, people, places, petra, clock):
    """The counsellor's "did it start?" is answered by the provider before it comes due:
    the case closes with the outcome, and nobody is asked."""
    course = add_course(ctx, places["vhs"], days=10)
    case_id, seat = referred(ctx, people["anna"], course, contact=False)
    assert follow_up_of(ctx, case_id) is None  # it waits for its due time
    clock.advance(days=11)
    provider_referrals.confirm_registration(ctx, petra, seat, today(ctx) - timedelta(days=5))
    assert provider_referrals.confirm_start(ctx, petra, seat, today(ctx) - timedelta(days=1))

    task = follow_up_of(ctx, case_id)
    assert (task.state, task.completed_by_id) == ("completed", petra.id)
    case = ctx.session.get(Case, case_id)
    assert (case.status, case.referral_outcome) == ("closed", "started")
    referral = ctx.session.get(Referral, seat)
    assert (referral.status, referral.started_on) == ("booked", today(ctx) - timedelta(days=1))
    types = list(ctx.session.scalars(select(AuditEvent.type).where(
        AuditEvent.case_id == case_id).order_by(AuditEvent.seq)))
    assert types[-5:] == ["registration_confirmed", "course_start_confirmed", "timer_fired",
                          "case_closed", "task_completed"]
    assert timers.fire_due_timers(ctx) == 0  # nothing left to fire


def test_an_open_follow_up_is_answered_by_a_late_confirmation(ctx, people, places, petra,
                                                               clock):
    course = add_course(ctx, places["vhs"], days=10)
    case_id, seat = referred(ctx, people["anna"], course, contact=False)
    clock.advance(days=18)
    assert timers.fire_due_timers(ctx) == 1
    assert ready_task(ctx, case_id).form_key == "follow_up"  # nothing confirmed: asked
    provider_referrals.confirm_start(ctx, petra, seat, today(ctx) - timedelta(days=8))
    assert follow_up_of(ctx, case_id).state == "completed"
    assert ready_task(ctx, case_id) is None
    assert ctx.session.get(Case, case_id).status == "closed"


def test_a_start_confirmed_before_the_referral_step_answers_as_the_follow_up_opens(
        ctx, people, places, petra, clock):
    course = add_course(ctx, places["vhs"], days=1)
    case_id, seat = referred(ctx, people["anna"], course, contact=False, step_done=False)
    clock.advance(days=2)
    assert not provider_referrals.confirm_start(ctx, petra, seat, today(ctx))  # no follow-up yet
    complete(ctx, people["anna"], case_id, "referral")
    clock.advance(seconds=1)
    assert timers.fire_due_timers(ctx) == 1  # due at once: the start is known
    task = follow_up_of(ctx, case_id)
    assert (task.state, task.completed_by_id) == ("completed", None)
    assert ctx.session.get(Case, case_id).referral_outcome == "started"


def test_a_registration_alone_does_not_answer_the_follow_up(ctx, people, places, petra, clock):
    course = add_course(ctx, places["vhs"], days=10)
    case_id, seat = referred(ctx, people["anna"], course, contact=False)
    provider_referrals.confirm_registration(ctx, petra, seat, today(ctx))
    clock.advance(days=18)
    assert timers.fire_due_timers(ctx) == 1
    assert ready_task(ctx, case_id).form_key == "follow_up"


def test_confirmations_are_checked(ctx, people, places, petra, clock):
    course = add_course(ctx, places["vhs"], days=1)
    case_id, seat = referred(ctx, people["anna"], course, contact=False)
    refusals = [
        (lambda: provider_referrals.confirm_start(ctx, petra, seat, today(ctx) + timedelta(1)),
         InvalidInput, "in the future"),
        (lambda: provider_referrals.confirm_start(ctx, petra, seat, None), InvalidInput,
         "give the date"),
        (lambda: provider_referrals.confirm_registration(ctx, petra, seat,
                                                         today(ctx) - timedelta(days=3)),
         InvalidInput, "cannot be earlier"),
        (lambda: provider_referrals.report_drop_out(ctx, petra, seat, today(ctx), "moved"),
         Conflict, "Confirm the start first"),
        (lambda: provider_referrals.report_drop_out(ctx, petra, seat, today(ctx), "illness"),
         InvalidInput, "choose a reason"),
        (lambda: provider_referrals.report_exam(ctx, petra, seat, dtz_result="",
                                                civic_test_result=""),
         InvalidInput, "at least one result"),
        (lambda: provider_referrals.report_exam(ctx, petra, seat, dtz_result="C2",
                                                civic_test_result=""),
         InvalidInput, "Unknown result"),
    ]
    for act, kind, text in refusals:
        with pytest.raises(kind) as refused:
            act()
        assert text in refused.value.message
    ctx.session.rollback()
    referral = ctx.session.get(Referral, seat)
    assert (referral.registered_on, referral.started_on) == (None, None)

    clock.advance(days=30)
    provider_referrals.confirm_start(ctx, petra, seat, today(ctx) - timedelta(days=28))
    with pytest.raises(InvalidInput, match="cannot be earlier"):
        provider_referrals.report_drop_out(ctx, petra, seat, today(ctx) - timedelta(days=29),
                                           "work")
    provider_referrals.report_drop_out(ctx, petra, seat, today(ctx) - timedelta(days=3),
                                       "work")
    provider_referrals.report_exam(ctx, petra, seat, dtz_result="A2", civic_test_result="")
    provider_referrals.report_exam(ctx, petra, seat, dtz_result="", civic_test_result="passed")
    ctx.session.rollback()
    referral = ctx.session.get(Referral, seat)
    assert (referral.drop_out_reason, referral.dtz_result, referral.civic_test_result) \
        == ("work", "A2", "passed")


def test_a_seat_given_back_is_no_longer_the_providers(ctx, people, places, petra):
    course = add_course(ctx, places["vhs"])
    case_id = at_referral(ctx, people["anna"])
    seat = referrals.book_seat(ctx, people["anna"], case_id, course).id
    referrals.cancel_seat(ctx, people["anna"], seat, "moved away")
    with pytest.raises(Conflict, match="no longer booked"):
        provider_referrals.confirm_registration(ctx, petra, seat, today(ctx))
    assert provider_referrals.participants(ctx, petra, course) == []


def test_a_provider_keeps_its_own_courses_and_new_seats_go_to_who_waits(ctx, people, places,
                                                                         petra):
    anna = people["anna"]
    course = add_course(ctx, places["vhs"], seats=1)
    referred(ctx, anna, course, contact=False, step_done=False)
    waiting_case = at_referral(ctx, anna, family_name="Wartend")
    waiting = referrals.join_waiting_list(ctx, anna, waiting_case, course_id=course).id
    current = provider_referrals.own_course(ctx, petra, course)
    details = catalogue.CourseDetails(
        title="Integrationskurs am Abend", start_date=current.start_date + timedelta(days=7),
        schedule="part_time", time_of_day="evenings", location="Am Markt 1, Hildesheim",
        seats_total=2, what_to_bring="Pass")
    catalogue.update_course(ctx, petra, course, details)
    ctx.session.rollback()
    assert ctx.session.get(Referral, waiting).status == "offered"
    changed = ctx.session.get(catalogue.Course, course)
    assert (changed.title, changed.time_of_day, changed.seats_total) \
        == ("Integrationskurs am Abend", "evenings", 2)

    with pytest.raises(InvalidInput, match="seats are taken"):
        catalogue.update_course(ctx, petra, course, catalogue.CourseDetails(
            **{**details.__dict__, "seats_total": 1}))
    other = add_course(ctx, places["alfeld"])
    with pytest.raises(NotFound):
        catalogue.update_course(ctx, petra, other, details)
    with pytest.raises(NotFound):
        catalogue.create_course(ctx, petra, catalogue.NewCourse(
            provider_id=places["alfeld"], course_type="integrationskurs", title="x",
            target_level="B1", start_date=today(ctx), schedule="full_time",
            time_of_day="mornings", childcare=False, location="x", seats_total=5))


def test_a_new_course_of_the_provider_reaches_its_waiting_list(ctx, people, places, petra):
    anna = people["anna"]
    case_id = at_referral(ctx, anna)
    waiting = referrals.join_waiting_list(ctx, anna, case_id, provider_id=places["vhs"],
                                          course_type="integrationskurs").id
    created = catalogue.create_course(ctx, petra, catalogue.NewCourse(
        provider_id=places["vhs"], course_type="integrationskurs", title="Neuer Kurs",
        target_level="B1", start_date=today(ctx) + timedelta(days=14), schedule="full_time",
        time_of_day="mornings", childcare=False, location="Pfaffenstieg 4", seats_total=12))
    ctx.session.rollback()
    referral = ctx.session.get(Referral, waiting)
    assert (referral.status, referral.course_id) == ("offered", created.id)


def test_waiting_demand_counts_people_and_hides_small_cells(ctx, people, places, petra):
    anna = people["anna"]
    for n in range(5):
        case_id = at_referral(ctx, anna, family_name=f"Hildesheim{n}")
        referrals.join_waiting_list(ctx, anna, case_id, provider_id=places["vhs"],
                                    course_type="integrationskurs")
    for n in range(2):
        case_id = at_referral(ctx, anna, family_name=f"Alfeld{n}", municipality="Alfeld")
        referrals.join_waiting_list(ctx, anna, case_id, provider_id=places["alfeld"],
                                    course_type="integrationskurs")
    cells = {(c.course_type, c.municipality): c.count
             for c in demand.waiting_demand(ctx, petra)}
    assert cells == {("integrationskurs", "Hildesheim"): 5,
                     ("integrationskurs", "Alfeld"): None}


def test_a_provider_account_needs_its_provider(ctx, people, places):
    with pytest.raises(InvalidInput) as refused:
        users.create_user(ctx, people["adam"], username="nobody", display_name="N",
                          password="provider-pass-1", role="provider", team_name=None)
    assert refused.value.field_errors == {"provider_id": [refused.value.template]}
    with pytest.raises(InvalidInput, match="No such provider"):
        users.create_user(ctx, people["adam"], username="nobody", display_name="N",
                          password="provider-pass-1", role="provider", team_name=None,
                          provider_id=9999)
    made = users.create_user(ctx, people["adam"], username="kurs", display_name="K",
                             password="provider-pass-1", role="provider", team_name=None,
                             provider_id=places["vhs"])
    assert made.active  # not a privileged role: no second admin needed
    # a counsellor again: the provider goes with the role
    users.update_user(ctx, people["adam"], made.id, display_name="K", role="counsellor",
                      team_id=people["anna"].team_id)
    ctx.session.rollback()
    assert users.get_user(ctx, people["adam"], made.id).provider_id is None


def test_a_confirmation_and_the_counsellors_answer_at_once_answer_it_once(runtime, ctx, people,
                                                                          places, petra,
                                                                          clock):
    """The provider confirms the start while the counsellor answers the open follow-up:
    one of them answers it, the other's is kept as a record or refused with who did it;
    no error, no deadlock, one answer in the history."""
    anna = people["anna"]
    course = add_course(ctx, places["vhs"], days=10)
    case_id, seat = referred(ctx, anna, course, contact=False)
    clock.advance(days=18)
    timers.fire_due_timers(ctx)
    task = ready_task(ctx, case_id)
    version = ctx.session.scalar(select(ProcessInstance.row_version)
                                 .where(ProcessInstance.case_id == case_id))
    started = today(ctx) - timedelta(days=8)
    outcomes = run_concurrently(
        runtime,
        lambda c: provider_referrals.confirm_start(c, petra, seat, started),
        lambda c: tasks.complete_task(c, anna, case_id, task.id, answers("follow_up"),
                                      version, "follow_up"))
    assert outcomes[0] == ("ok", "")
    assert outcomes[1][0] in ("ok", "refused"), outcomes
    ctx.session.rollback()
    answered = ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.type == "task_completed",
        AuditEvent.details["task"].as_string() == "Task_follow_up")).all()
    assert len(answered) == 1
    assert ctx.session.get(Referral, seat).started_on == started
    assert ctx.session.get(Case, case_id).status == "closed"

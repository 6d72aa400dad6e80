"""Small helpers shared by tests: walking a case through its steps via the services."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from caseapp.models import HumanTask, ProcessInstance
from caseapp.services import cases, tasks

STEP_DATA = {
    "situation_analysis": {"household": "alone", "children_count": 0, "schooling_years": 10,
                           "vocational_training": "", "work_experience": "",
                           "goals": "Arbeit in der Pflege"},
    "language_assessment": {"german_level": "A2", "literacy": "latin", "other_languages": "ar"},
    "referral": {"course_type": "integrationskurs", "override_reason": ""},
    "follow_up": {"course_status": "started", "reason": ""},
}


def open_case(ctx, actor, family_name="Haddad", given_names="Amina",
              birth_date=date(1991, 4, 12)):
    return cases.open_case(ctx, actor, cases.NewCase(
        given_names=given_names, family_name=family_name, birth_date=birth_date,
        municipality="Hildesheim"))


def ready_task(ctx, case_id, form_key=None) -> HumanTask:
    stmt = select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state == "ready")
    if form_key:
        stmt = stmt.where(HumanTask.form_key == form_key)
    ctx.session.rollback()  # a fresh snapshot: see what other sessions committed
    return ctx.session.scalars(stmt.order_by(HumanTask.id)).first()


def row_version(ctx, case_id) -> int:
    ctx.session.rollback()  # a fresh snapshot: see what other sessions committed
    return ctx.session.scalar(select(ProcessInstance.row_version)
                              .where(ProcessInstance.case_id == case_id))


def complete(ctx, actor, case_id, form_key, **overrides):
    task = ready_task(ctx, case_id, form_key)
    assert task is not None, f"no ready task {form_key}"
    return tasks.complete_task(ctx, actor, case_id, task.id,
                               {**STEP_DATA[form_key], **overrides},
                               expected_version=row_version(ctx, case_id))

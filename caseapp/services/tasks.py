"""Working on human tasks: claim, complete."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from caseapp.models import Case, HumanTask, ProcessInstance, User
from domain.vocabulary import Role, TaskState
from forms import SPECIAL_CATEGORY_FIELDS, TASK_FORMS
from forms.draft_limits import draft_refusal
from workflows import ScriptStopped, TaskNotReady

from . import audit, follow_up, process_state, special_category
from .actor import Actor
from .authz import require_case_readable, require_task_workable, require_writer
from .context import ServiceContext
from .errors import Conflict, InvalidInput, NotFound
from .locking import lock_case, lock_task
from .script_stops import process_stopped
from .step_rules import check_step


@dataclass(frozen=True)
class Completion:
    """The case after a step; ``already_done`` marks a repeated submit, not saved again."""

    case: Case
    already_done: bool  # a repeated submit of a step this actor just completed


def _load(ctx: ServiceContext, actor: Actor, case_id: int, task_row_id: int):
    """The case and the task, locked in the order every action uses (services/locking)."""
    case = require_case_readable(actor, lock_case(ctx.session, case_id))
    task = lock_task(ctx.session, case, task_row_id)
    if task is None:
        raise NotFound("No such task in this case.")
    return case, task


def complete_task(ctx: ServiceContext, actor: Actor, case_id: int, task_row_id: int,
                  data: Mapping[str, Any], expected_version: int | None,
                  form_key: str) -> Completion:
    """Complete a step with validated form data and advance the process.

    ``expected_version`` is the process row version the form was rendered with;
    if the case moved on since, the submission is refused as a conflict (the
    caller keeps the input and shows it again).
    """
    require_writer(actor)
    now = ctx.now()
    with ctx.transaction() as session:
        case, task = _load(ctx, actor, case_id, task_row_id)
        keys = ctx.settings.data_keys
        if task.state == TaskState.COMPLETED and task.completed_by_id == actor.id \
                and task.data_json and _as_json(special_category.shown_answers(
                    keys, actor, json.loads(task.data_json))) == _as_json(data):
            return Completion(case, already_done=True)  # the same submit again (double click)
        _refuse_if_reassigned(session, actor, task)
        require_task_workable(actor, case, task)
        instance = session.scalars(select(ProcessInstance)
                                   .where(ProcessInstance.case_id == case.id)).one()
        if task.state != TaskState.READY or (expected_version is not None
                                     and expected_version != instance.row_version):
            raise _conflict(session, task)
        if form_key != task.form_key:
            raise InvalidInput("This form does not belong to this step.")
        run = ctx.engine.load(instance.version, instance.state_json)
        before = run.task_data(task.engine_task_id)
        check_step(task.form_key, before, data)
        # Special-category values are sealed before the process or a row holds them.
        sealed = special_category.seal_answers(keys, data)
        # What the process needs beyond the form (not the person's input, not audited).
        process_data = follow_up.time_the_referral(session, ctx.settings, case.id, now) \
            if task.bpmn_id == follow_up.REFERRAL_STEP else {}
        try:
            run.complete(task.engine_task_id, {**sealed, **process_data}, now=now)
        except TaskNotReady:
            raise _conflict(session, task) from None
        except ScriptStopped as exc:
            raise process_stopped(exc) from None
        follow_up.keep_timed(run, process_data)
        task.state, task.completed_at, task.completed_by_id = TaskState.COMPLETED, now, actor.id
        task.data_json = _as_json(sealed)
        task.draft_json = None
        if case.assignee_id is None and actor.role == Role.COUNSELLOR:
            case.assignee_id = actor.id
        process_state.sync(session, case, instance, run, now, actor.id)
        # A change record never holds a special-category value, not even sealed.
        changes = {k: {"old": before.get(k), "new": v} for k, v in data.items()
                   if before.get(k) != v and not (_blank(before.get(k)) and _blank(v))
                   and k not in SPECIAL_CATEGORY_FIELDS}
        audit.append(session, type_="task_completed", at=now, actor_id=actor.id,
                     case_id=case.id,
                     details={"task": task.bpmn_id, "form": task.form_key,
                              "fields": sorted(changes),
                              "process_version": instance.version},
                     change=changes or None)
    return Completion(case, already_done=False)


def _as_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, default=str, ensure_ascii=False, sort_keys=True)


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _refuse_if_reassigned(session, actor: Actor, task: HumanTask) -> None:
    """A counsellor's form for a step that was taken from them meanwhile is stale.

    (Someone who never had the step is refused by the authorization check instead.)
    """
    if actor.role != Role.COUNSELLOR or task.assignee_id in (None, actor.id) \
            or task.reassigned_from_id != actor.id:
        return
    who = session.get(User, task.assignee_id)
    raise Conflict("This step was reassigned to %(name)s. Your input was not saved; "
                   "it is shown below.", name=who.display_name if who else "?")


def _conflict(session, task: HumanTask) -> Conflict:
    if task.state == TaskState.COMPLETED:
        who = session.get(User, task.completed_by_id) if task.completed_by_id else None
        return Conflict("“%(task)s” was already completed by %(name)s (%(when)s). "
                        "Your input is shown again below and was not saved.",
                        task=task.title, name=who.display_name if who else "?",
                        when=task.completed_at
                        if task.completed_at else "?")
    return Conflict("This case changed since you opened the form. "
                    "Your input is shown again below: check the case and submit again.")


def save_draft(ctx: ServiceContext, actor: Actor, case_id: int, task_row_id: int,
               fields: Mapping[str, str]) -> datetime:
    """Keep partial, unvalidated input of an open step (explicitly or autosaved)."""
    require_writer(actor)
    now = ctx.now()
    with ctx.transaction() as session:
        case, task = _load(ctx, actor, case_id, task_row_id)
        if task.state != TaskState.READY:
            raise _conflict(session, task)
        _refuse_if_reassigned(session, actor, task)
        require_task_workable(actor, case, task)
        form = TASK_FORMS[task.form_key]()
        names = {field.name for field in form}
        draft = {name: str(value) for name, value in fields.items() if name in names}
        refusal = draft_refusal(form, draft)
        if refusal is not None:
            raise InvalidInput(refusal.template, **refusal.params)
        sealed = special_category.seal_answers(ctx.settings.data_keys, draft)
        task.draft_json = json.dumps(sealed, ensure_ascii=False)
        task.draft_saved_at, task.draft_saved_by_id = now, actor.id
        audit.append(session, type_="draft_saved", at=now, actor_id=actor.id, case_id=case.id,
                     details={"task": task.bpmn_id,
                              "fields": sorted(k for k, v in draft.items()
                                               if v and k not in SPECIAL_CATEGORY_FIELDS)})
    return now


def claim_task(ctx: ServiceContext, actor: Actor, case_id: int, task_row_id: int) -> None:
    """Take an unassigned task (and its case) from the team queue."""
    require_writer(actor)
    now = ctx.now()
    with ctx.transaction() as session:
        case, task = _load(ctx, actor, case_id, task_row_id)
        if task.state != TaskState.READY:
            raise Conflict("This task is no longer open.")
        if task.assignee_id not in (None, actor.id):
            raise Conflict("A colleague has already claimed this task.")
        require_task_workable(actor, case, task)
        task.assignee_id = actor.id
        if case.assignee_id is None:
            case.assignee_id = actor.id
        case.updated_at = now
        audit.append(session, type_="task_claimed", at=now, actor_id=actor.id, case_id=case.id,
                     details={"task": task.bpmn_id, "to": actor.id})

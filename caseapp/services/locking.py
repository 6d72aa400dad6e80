"""Row locks, taken in one order by every action (README.md, Architecture, "Concurrency"):

1. the case row (several cases: in id order),
2. then its human tasks, 3. its referrals, 4. course seats (the conditional UPDATE),
5. the actor's own rows of recent cases (services/recent_cases.py, written with the event),
6. last the audit chain head (services/audit.py).
(Erasing a case removes it from everyone's recent cases after its event: whoever else
holds one of those rows holds it without the case, and takes only their own chain after.)

Users, teams and the catalogue are locked on their own, never while holding a case.
On PostgreSQL every lock is ``FOR NO KEY UPDATE``: no key changes, so inserting a row
that references a locked one (an audit event naming the case) never waits for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from caseapp.models import Case, Course, HumanTask, ProcessInstance, Referral, User
from domain.vocabulary import Role

NO_KEY_UPDATE = {"key_share": True}


def _locked(session: Session, model, row_id: int):
    """The row, locked (only its own table, not what is loaded along with it) and read
    afresh, so what the action decides on is what it holds."""
    return session.scalars(select(model).where(model.id == row_id)
                           .with_for_update(of=model, **NO_KEY_UPDATE)
                           .execution_options(populate_existing=True)).first()


def lock_case(session: Session, case_id: int) -> Case | None:
    """The case row, locked first in every action that holds a case, and read afresh."""
    return _locked(session, Case, case_id)


def lock_cases(session: Session, case_ids: Iterable[int]) -> list[Case]:
    """Several cases, in id order, so two actions on overlapping sets never deadlock."""
    return list(session.scalars(select(Case).where(Case.id.in_(set(case_ids)))
                                .order_by(Case.id).with_for_update(of=Case, **NO_KEY_UPDATE)
                                .execution_options(populate_existing=True)))


def lock_task(session: Session, case: Case, task_id: int) -> HumanTask | None:
    """A task of a case already locked; None if it is not this case's."""
    task = _locked(session, HumanTask, task_id)
    return task if task is not None and task.case_id == case.id else None


def lock_case_tasks(session: Session, case: Case) -> list[HumanTask]:
    """Every task of a case already locked, in id order (erasure rewrites them all)."""
    return list(session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)
                                .order_by(HumanTask.id)
                                .with_for_update(of=HumanTask, **NO_KEY_UPDATE)
                                .execution_options(populate_existing=True)))


def lock_referral(session: Session, referral_id: int) -> tuple[Case | None, Referral | None]:
    """A referral and its case, the case locked first (a referral never changes case)."""
    case_id = session.scalar(select(Referral.case_id).where(Referral.id == referral_id))
    if case_id is None:
        return None, None
    case = lock_case(session, case_id)
    return case, _locked(session, Referral, referral_id)


def lock_course(session: Session, course_id: int) -> Course | None:
    """A course on its own (the catalogue), never while holding a case: a case's action
    takes a seat with one conditional UPDATE instead."""
    return _locked(session, Course, course_id)


def lock_user(session: Session, user_id: int) -> User | None:
    """A user account (login counters, admin changes): never while holding a case."""
    return _locked(session, User, user_id)


def lock_user_with_admins(session: Session, user_id: int) -> User | None:
    """A user account together with every active admin, in id order, in one statement: for
    a change that might remove the last admin (two admins removing each other queue up)."""
    rows = session.scalars(
        select(User).where(or_(User.id == user_id,
                               and_(User.role == Role.ADMIN, User.active.is_(True))))
        .order_by(User.id).with_for_update(of=User, **NO_KEY_UPDATE)
        .execution_options(populate_existing=True)).all()
    return next((user for user in rows if user.id == user_id), None)


def claim_case_with_due_timer(session: Session, now: datetime) -> Case | None:
    """The case whose timer is due first, locked; cases another worker or a counsellor
    holds are skipped, not waited for."""
    return session.scalars(
        select(Case).join(ProcessInstance, ProcessInstance.case_id == Case.id)
        # strictly before: SpiffWorkflow fires a timer only once its time has passed
        .where(ProcessInstance.next_timer_at < now, ProcessInstance.finished.is_(False))
        .order_by(ProcessInstance.next_timer_at).limit(1)
        .with_for_update(skip_locked=True, of=Case, **NO_KEY_UPDATE)).first()

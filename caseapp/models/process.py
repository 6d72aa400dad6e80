"""Process state: the stored process versions, each case's serialized workflow, and the
human tasks that lists and queues read."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.vocabulary import TaskState

from .base import Base


class ProcessVersion(Base):
    """One deployed set of BPMN/DMN files, stored once; running cases keep theirs."""

    __tablename__ = "process_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec_json: Mapped[str] = mapped_column(Text)
    sources_json: Mapped[str] = mapped_column(Text)
    deployed_at: Mapped[datetime]


class ProcessInstance(Base):
    """A case's serialized workflow (without its spec). ``row_version`` guards updates."""

    __tablename__ = "process_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    version: Mapped[str] = mapped_column(ForeignKey("process_versions.version"))
    state_json: Mapped[str] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(default=1)
    next_timer_at: Mapped[datetime | None] = mapped_column(index=True)
    finished: Mapped[bool] = mapped_column(default=False)

    __mapper_args__ = {"version_id_col": row_version}


class HumanTask(Base):
    """A task waiting for (or done by) a person, denormalized for queues and boards."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        CheckConstraint(f"state IN {tuple(s.value for s in TaskState)!r}", name="state_known"),
        # Queues and counts read a team's open tasks in the order shown (oldest first).
        Index("ix_human_tasks_team_id_state_assignee_id_lane_created_at",
              "team_id", "state", "assignee_id", "lane", "created_at"),
        Index("ix_human_tasks_team_id_state_lane_created_at",
              "team_id", "state", "lane", "created_at"),
        # ... and a person's own tasks, in that order whatever their lanes.
        Index("ix_human_tasks_team_id_state_assignee_id_created_at",
              "team_id", "state", "assignee_id", "created_at", "id"),
        # Whether a case's follow-up is overdue: one probe per case on the board.
        Index("ix_human_tasks_case_id_state_form_key", "case_id", "state", "form_key"),
        Index("ix_human_tasks_assignee_id_state", "assignee_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # Not unique: a step can be worked again after the case is reopened.
    engine_task_id: Mapped[str] = mapped_column(String(36), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(80))
    form_key: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(10), default=TaskState.READY)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # whom a team lead last took it from: their still-open form is refused as stale
    reassigned_from_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What the step's form submitted: the read-only case file (personal data, erasable).
    data_json: Mapped[str | None] = mapped_column(Text)
    # What the step's page needs from the process (e.g. the recommendation), copied when
    # the task appears, so rendering it never deserializes the workflow.
    context_json: Mapped[str | None] = mapped_column(Text)
    draft_json: Mapped[str | None] = mapped_column(Text)
    draft_saved_at: Mapped[datetime | None]
    draft_saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

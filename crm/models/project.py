"""Projects, the workspace members assigned to them, and their tasks."""

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Computed,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from crm.models.account import UserAccount
from crm.models.base import Base
from crm.models.contact import SORT_NAME, Organization
from crm.models.record import RecordColumns


class ProjectStatus(enum.StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    completed = "completed"
    on_hold = "on_hold"
    cancelled = "cancelled"


class TaskStatus(enum.StrEnum):
    todo = "todo"
    in_progress = "in_progress"
    done = "done"
    blocked = "blocked"


class TaskPriority(enum.StrEnum):
    """Declared from lowest to highest: PostgreSQL sorts an enum in declaration order."""

    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


def _values(e: type[enum.Enum]) -> list[str]:
    return [m.value for m in e]


PROJECT_STATUS = Enum(ProjectStatus, name="project_status", values_callable=_values)
TASK_STATUS = Enum(TaskStatus, name="task_status", values_callable=_values)
TASK_PRIORITY = Enum(TaskPriority, name="task_priority", values_callable=_values)
# The due date as a sort key: no due date sorts as the last day there is.
DUE_KEY = Computed("coalesce(due_date, DATE '9999-12-31')", persisted=True)
PRIORITY_RANK = Computed(
    "CASE priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 "
    "WHEN 'urgent' THEN 4 END",
    persisted=True,
)


class ProjectAssignee(Base):
    """A workspace member assigned to a project; the foreign key to `membership` removes the
    assignment when the member leaves the workspace."""

    __tablename__ = "project_assignee"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "project_id"],
            ["project.workspace_id", "project.id"],
            ondelete="CASCADE",
            name="fk_project_assignee_project_id_project",
        ),
        ForeignKeyConstraint(
            ["workspace_id", "user_id"],
            ["membership.workspace_id", "membership.user_id"],
            ondelete="CASCADE",
            name="fk_project_assignee_user_id_membership",
        ),
        Index("ix_project_assignee_user_id", "user_id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    workspace_id: Mapped[uuid.UUID]
    # The project's owner (who never changes), so the policy on writes needs no join.
    owner_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Project(RecordColumns, Base):
    __tablename__ = "project"
    __table_args__ = (
        UniqueConstraint("workspace_id", "id", name="uq_project_workspace_id_id"),
        # The target of the tasks' foreign key, which keeps their copy of the owner right.
        UniqueConstraint("workspace_id", "id", "owner_id", name="uq_project_workspace_id_id_owner"),
        ForeignKeyConstraint(
            ["owner_id", "organization_id"],
            ["organization.owner_id", "organization.id"],
            ondelete="SET NULL (organization_id)",
            name="fk_project_organization_id_organization",
        ),
        Index("ix_project_owner_sort_name", "owner_id", "sort_name", "id"),
        Index("ix_project_owner_due_key", "owner_id", "due_key", "id"),
        Index("ix_project_owner_updated", "owner_id", "updated_at", "id"),
        Index("ix_project_owner_created", "owner_id", "created_at", "id"),
        Index("ix_project_organization_id", "organization_id"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    sort_name: Mapped[str] = mapped_column(Text, SORT_NAME)
    status: Mapped[ProjectStatus] = mapped_column(PROJECT_STATUS, default=ProjectStatus.planned)
    organization_id: Mapped[uuid.UUID | None]
    due_date: Mapped[date | None] = mapped_column(Date)
    due_key: Mapped[date] = mapped_column(Date, DUE_KEY)
    description: Mapped[str | None] = mapped_column(Text)

    organization: Mapped[Organization | None] = relationship(
        primaryjoin=lambda: foreign(Project.organization_id) == Organization.id,
        viewonly=True,
        lazy="raise",
    )
    assignees: Mapped[list[UserAccount]] = relationship(
        secondary="project_assignee",
        primaryjoin=lambda: Project.id == ProjectAssignee.project_id,
        secondaryjoin=lambda: foreign(ProjectAssignee.user_id) == UserAccount.id,
        order_by=lambda: (UserAccount.name, UserAccount.id),
        viewonly=True,
        lazy="raise",
    )


class Task(RecordColumns, Base):
    """A task in a project; whoever sees the project sees its tasks. `project_owner_id` copies
    the project's owner (the foreign key keeps it right), so visibility is a test of the task's
    own columns and the planner can estimate it."""

    __tablename__ = "task"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "project_id", "project_owner_id"],
            ["project.workspace_id", "project.id", "project.owner_id"],
            ondelete="CASCADE",
            name="fk_task_project_id_project",
        ),
        ForeignKeyConstraint(
            ["workspace_id", "assignee_id"],
            ["membership.workspace_id", "membership.user_id"],
            ondelete="SET NULL (assignee_id)",
            name="fk_task_assignee_id_membership",
        ),
        # Counts by status per project, read from the index alone (the policy's columns
        # included).
        Index(
            "ix_task_project_status",
            "project_id",
            "status",
            postgresql_include=["workspace_id", "project_owner_id"],
        ),
        Index("ix_task_assignee_id", "assignee_id"),
        Index("ix_task_workspace_due_key", "workspace_id", "due_key", "id"),
        Index("ix_task_workspace_priority_rank", "workspace_id", "priority_rank", "id"),
        Index("ix_task_workspace_updated", "workspace_id", "updated_at", "id"),
        Index("ix_task_workspace_created", "workspace_id", "created_at", "id"),
        Index("ix_task_workspace_sort_name", "workspace_id", "sort_name", "id"),
    )

    project_id: Mapped[uuid.UUID]
    project_owner_id: Mapped[uuid.UUID]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    sort_name: Mapped[str] = mapped_column(Text, SORT_NAME)
    status: Mapped[TaskStatus] = mapped_column(TASK_STATUS, default=TaskStatus.todo)
    priority: Mapped[TaskPriority] = mapped_column(TASK_PRIORITY, default=TaskPriority.medium)
    priority_rank: Mapped[int] = mapped_column(SmallInteger, PRIORITY_RANK)
    assignee_id: Mapped[uuid.UUID | None]
    due_date: Mapped[date | None] = mapped_column(Date)
    due_key: Mapped[date] = mapped_column(Date, DUE_KEY)
    description: Mapped[str | None] = mapped_column(Text)

    project: Mapped[Project] = relationship(
        primaryjoin=lambda: foreign(Task.project_id) == Project.id, viewonly=True, lazy="raise"
    )
    assignee: Mapped[UserAccount | None] = relationship(
        primaryjoin=lambda: foreign(Task.assignee_id) == UserAccount.id,
        viewonly=True,
        lazy="raise",
    )

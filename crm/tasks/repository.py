"""Statements over tasks, each starting from those the actor may read: the tasks of the
projects they see."""

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import date

from sqlalchemy import Date, Select, String, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from crm.auth.actor import Actor
from crm.kit.pagination import NullsLast, sort_keys
from crm.kit.search import matches
from crm.models import Project, Task, TaskStatus
from crm.projects.repository import project_repository
from crm.tasks.schemas import TaskQuery

SORTS = sort_keys(
    Task.id,
    # The same expression as the index ix_task_workspace_due.
    due_date=NullsLast(
        Task.due_date,
        low=literal_column("DATE '0001-01-01'", Date),
        high=literal_column("DATE '9999-12-31'", Date),
    ),
    priority=Task.priority,
    updated_at=Task.updated_at,
    created_at=Task.created_at,
    name=func.lower(Task.name, type_=String),
    status=Task.status,
)


class TaskRepository:
    def readable(self, actor: Actor) -> Select[tuple[Task]]:
        projects = project_repository.visible(actor).with_only_columns(Project.id)
        return (
            select(Task)
            .where(Task.workspace_id == actor.workspace_id, Task.project_id.in_(projects))
            .options(joinedload(Task.project), joinedload(Task.assignee))
        )

    async def get(
        self, session: AsyncSession, actor: Actor, task_id: uuid.UUID, *, for_update: bool = False
    ) -> Task | None:
        statement = self.readable(actor).where(Task.id == task_id)
        if for_update:
            statement = statement.with_for_update(of=Task)
        return await session.scalar(statement.execution_options(populate_existing=True))

    def listing(
        self, actor: Actor, query: TaskQuery, *, today: date | None = None
    ) -> Select[tuple[Task]]:
        """`today` (the actor's) is needed when the query asks for overdue tasks."""
        statement = self.readable(actor)
        if query.q:
            statement = statement.where(matches(Task.name, query.q))
        if query.status:
            statement = statement.where(Task.status.in_(query.status))
        if query.priority:
            statement = statement.where(Task.priority.in_(query.priority))
        if query.assignee_id:
            statement = statement.where(Task.assignee_id == query.assignee_id)
        if query.project_id:
            statement = statement.where(Task.project_id == query.project_id)
        if query.due_before:
            statement = statement.where(Task.due_date < query.due_before)
        if query.due_after:
            statement = statement.where(Task.due_date > query.due_after)
        if query.overdue is not None and today is not None:
            overdue = (Task.due_date < today) & (Task.status != TaskStatus.done)
            not_overdue = or_(
                Task.due_date.is_(None), Task.due_date >= today, Task.status == TaskStatus.done
            )
            statement = statement.where(overdue if query.overdue else not_overdue)
        return statement

    async def count_by_status(
        self, session: AsyncSession, actor: Actor, project_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, dict[TaskStatus, int]]:
        """For each of these projects (which the actor sees), its tasks per status."""
        counts: dict[uuid.UUID, dict[TaskStatus, int]] = defaultdict(dict)
        if not project_ids:
            return counts
        rows = await session.execute(
            select(Task.project_id, Task.status, func.count())
            .where(Task.workspace_id == actor.workspace_id, Task.project_id.in_(project_ids))
            .group_by(Task.project_id, Task.status)
        )
        for project_id, status, count in rows:
            counts[project_id][status] = count
        return counts


task_repository = TaskRepository()

"""Statements over tasks, each starting from those the actor may read: the tasks of the
projects they see."""

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import date

from sqlalchemy import Select, any_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from crm.auth.actor import Actor
from crm.kit.pagination import sort_keys
from crm.kit.search import search_ids
from crm.models import Project, Task, TaskStatus
from crm.projects.repository import project_repository
from crm.tasks.schemas import TaskQuery

SORTS = sort_keys(
    Task.id,
    due_date=Task.due_key,
    priority=Task.priority_rank,
    updated_at=Task.updated_at,
    created_at=Task.created_at,
    name=Task.sort_name,
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
            statement = statement.where(Task.id == any_(search_ids("task", query.q)))
        if query.status:
            statement = statement.where(Task.status.in_(query.status))
        if query.priority:
            statement = statement.where(Task.priority.in_(query.priority))
        if query.assignee_id:
            statement = statement.where(Task.assignee_id == query.assignee_id)
        if query.project_id:
            statement = statement.where(Task.project_id == query.project_id)
        # Due dates are compared through due_key (NULL as 9999-12-31), which is indexed.
        if query.due_before:
            statement = statement.where(Task.due_key < query.due_before)
        if query.due_after:
            statement = statement.where(Task.due_key > query.due_after, Task.due_date.is_not(None))
        if query.overdue is not None and today is not None:
            overdue = (Task.due_key < today) & (Task.status != TaskStatus.done)
            not_overdue = or_(Task.due_key >= today, Task.status == TaskStatus.done)
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

"""Statements over tasks, each starting from those the actor may read: the tasks of the
projects they see."""

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from crm.auth.actor import Actor
from crm.kit.pagination import sort_keys
from crm.kit.search import find
from crm.models import ProjectAssignee, Task, TaskStatus
from crm.models.project import PRIORITY_RANKS, STATUS_KEYS
from crm.records.repository import RecordRepository
from crm.tasks.schemas import TaskQuery

SORTS = sort_keys(
    Task.id,
    due_date=Task.due_key,
    priority=Task.priority_rank,
    updated_at=Task.updated_at,
    created_at=Task.created_at,
    name=Task.sort_name,
)


class TaskRepository(RecordRepository[Task]):
    model = Task
    sorts = SORTS

    def readable(self, actor: Actor) -> Select[tuple[Task]]:
        """The tasks of the projects the actor owns (the owner is copied on the task) or is
        assigned to: tests of the task's own columns, which the planner estimates well."""
        assigned = select(ProjectAssignee.project_id).where(
            ProjectAssignee.workspace_id == actor.workspace_id,
            ProjectAssignee.user_id == actor.user_id,
        )
        return (
            select(Task)
            .where(
                Task.workspace_id == actor.workspace_id,
                or_(Task.project_owner_id == actor.user_id, Task.project_id.in_(assigned)),
            )
            .options(selectinload(Task.project), selectinload(Task.assignee))
        )

    async def listing(
        self, session: AsyncSession, actor: Actor, query: TaskQuery, *, today: date | None = None
    ) -> Select[tuple[Task]]:
        """`today` (the actor's) is needed when the query asks for overdue tasks."""
        statement = self.readable(actor)
        if query.q:
            found = await find(session, "task", query.q)
            statement = statement.where(found.condition(Task.id, [Task.name]))
        # Statuses and priorities are compared as their numbers, which an index can seek under
        # row-level security (crm.models.project.STATUS_KEYS says why).
        if query.status:
            statement = statement.where(Task.status_key.in_([STATUS_KEYS[s] for s in query.status]))
        if query.priority:
            ranks = [PRIORITY_RANKS[p] for p in query.priority]
            statement = statement.where(Task.priority_rank.in_(ranks))
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
            done = STATUS_KEYS[TaskStatus.done]
            overdue = (Task.due_key < today) & (Task.status_key != done)
            not_overdue = or_(Task.due_key >= today, Task.status_key == done)
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

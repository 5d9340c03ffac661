"""Statements over tasks, each starting from those the actor may read: the tasks of the
projects they see."""

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, Uuid, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from crm.auth.actor import Actor
from crm.kit.pagination import sort_keys
from crm.kit.search import find
from crm.models import Project, ProjectAssignee, Task, TaskStatus, UserAccount
from crm.models.project import PRIORITY_RANKS, STATUS_KEYS
from crm.records.repository import RecordRepository, ref
from crm.tasks.schemas import TaskQuery

SORTS = sort_keys(
    Task.id,
    due_date=Task.due_key,
    priority=Task.priority_rank,
    updated_at=Task.updated_at,
    created_at=Task.created_at,
    name=Task.sort_name,
)


def _seen(workspace_id: Any, user_id: Any) -> ColumnElement[bool]:
    """The tasks of the projects the user owns (the owner is copied on the task) or is
    assigned to: tests of the task's own columns, which the planner estimates well."""
    assigned = select(ProjectAssignee.project_id).where(
        ProjectAssignee.workspace_id == workspace_id, ProjectAssignee.user_id == user_id
    )
    return and_(
        Task.workspace_id == workspace_id,
        or_(Task.project_owner_id == user_id, Task.project_id.in_(assigned)),
    )


# A task as the API shows it (crm.tasks.schemas.TaskOut), as plain rows built once per
# process (the actor's ids bound by name): its pages skip the ORM.
_ROWS = select(
    Task.id,
    Task.name,
    Task.status,
    Task.priority,
    Task.project_id,
    select(ref(Project)).where(Project.id == Task.project_id).scalar_subquery().label("project"),
    Task.assignee_id,
    select(ref(UserAccount))
    .where(UserAccount.id == Task.assignee_id)
    .scalar_subquery()
    .label("assignee"),
    Task.due_date,
    Task.description,
    Task.custom_fields.label("metadata"),
    Task.version,
    Task.created_at,
    Task.updated_at,
).where(_seen(bindparam("workspace_id", type_=Uuid), bindparam("user_id", type_=Uuid)))


class TaskRepository(RecordRepository[Task]):
    model = Task
    sorts = SORTS
    rows = _ROWS

    def readable(self, actor: Actor) -> Select[tuple[Task]]:
        return (
            select(Task)
            .where(_seen(actor.workspace_id, actor.user_id))
            .options(selectinload(Task.project), selectinload(Task.assignee))
        )

    async def listing(
        self,
        session: AsyncSession,
        actor: Actor,
        query: TaskQuery,
        statement: Select[Any] | None = None,
        *,
        today: date | None = None,
    ) -> Select[Any]:
        """`statement` (by default `readable`) filtered and searched as `query` asks; `today`
        (the actor's) is needed when the query asks for overdue tasks."""
        statement = self.readable(actor) if statement is None else statement
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

"""Tasks: whoever sees a project sees, adds, changes and deletes its tasks. A task's assignee
is the project's owner or one of its assignees, so they see the task."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.service import user_zone
from crm.errors import Invalid
from crm.models import Project, Task
from crm.projects.service import project as project_service
from crm.records.service import RecordService
from crm.tasks.repository import task_repository
from crm.tasks.schemas import TaskInput, TaskOut, TaskPatch, TaskQuery
from crm.workspaces.service import workspace as workspace_service

# Told (session, actor, task=, users=) when a task's due date moved.
DueDateFollower = Callable[..., Awaitable[None]]


class TaskService(RecordService[Task]):
    name = "task"
    model = Task
    repository = task_repository
    Input, Patch, Query, Out = TaskInput, TaskPatch, TaskQuery, TaskOut

    def __init__(self) -> None:
        # What follows a task's due date and says so here: the reminders relative to it
        # (crm.reminders.service), which read tasks, so tasks do not import them.
        self.due_date_followers: list[DueDateFollower] = []

    async def _listing(
        self,
        session: AsyncSession,
        actor: Actor,
        query: TaskQuery,
        statement: Select[Any] | None = None,
    ) -> Select[Any]:
        """Every task the actor sees, across projects; overdue ones by the actor's day."""
        today = await self._today(session, actor) if query.overdue is not None else None
        return await task_repository.listing(session, actor, query, statement, today=today)

    def snapshot(self, task: Task) -> dict[str, Any]:
        return {
            "name": task.name,
            "status": task.status,
            "priority": task.priority,
            "project_id": task.project_id,
            "assignee_id": task.assignee_id,
            "due_date": task.due_date,
            "description": task.description,
            "metadata": task.custom_fields,
        }

    async def _new(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """A task goes into a project the actor sees."""
        project = await self._project(session, actor, fields["project_id"])
        await self._check_assignee(session, actor, project, fields["assignee_id"])
        columns = await self._columns(session, actor, fields)
        return {"created_by_id": actor.user_id, "project_owner_id": project.owner_id, **columns}

    async def _changes(
        self, session: AsyncSession, actor: Actor, record: Task, fields: dict[str, Any]
    ) -> dict[str, Any]:
        changed = await super()._changes(session, actor, record, fields)
        if {"project_id", "assignee_id"} & changed.keys():
            project = await self._project(
                session, actor, changed.get("project_id", record.project_id)
            )
            assignee_id = changed.get("assignee_id", record.assignee_id)
            await self._check_assignee(session, actor, project, assignee_id)
            changed["project_owner_id"] = project.owner_id
        return changed

    async def _changed(
        self, session: AsyncSession, actor: Actor, record: Task, changed: dict[str, Any]
    ) -> None:
        """What follows the task's due date is told, with the users who see the task (its
        project's owner and assignees)."""
        if "due_date" not in changed or not self.due_date_followers:
            return
        project = await self._project(session, actor, record.project_id)
        users = sorted({project.owner_id, *(user.id for user in project.assignees)})
        for follow in self.due_date_followers:
            await follow(session, actor, task=record, users=users)

    def _within(self, record: Task, *, in_project: uuid.UUID | None = None) -> bool:
        return in_project in (None, record.project_id)

    def _log_fields(self, record: Task) -> dict[str, Any]:
        return {"owner_id": record.project.owner_id, "project_id": record.project_id}

    async def _project(self, session: AsyncSession, actor: Actor, project_id: uuid.UUID) -> Project:
        project = await project_service.find(session, actor, project_id=project_id)
        if project is None:
            raise Invalid("project_id", "is not a project you see")
        return project

    async def _check_assignee(
        self, session: AsyncSession, actor: Actor, project: Project, user_id: uuid.UUID | None
    ) -> None:
        if user_id is None:
            return
        if not await workspace_service.members_among(session, actor, user_ids=[user_id]):
            raise Invalid("assignee_id", "is not a member of this workspace")
        if user_id != project.owner_id and user_id not in {u.id for u in project.assignees}:
            raise Invalid("assignee_id", "is not on this project; assign them to the project first")

    async def _today(self, session: AsyncSession, actor: Actor) -> date:
        """Today in the actor's time zone, which decides what is overdue."""
        return datetime.now(await user_zone(session, actor)).date()


task = TaskService()

"""Tasks: whoever sees a project sees, adds, changes and deletes its tasks. A task's assignee
is the project's owner or one of its assignees, so they see the task."""

import uuid
import zoneinfo
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity.service import activity as activity_service
from crm.activity.service import diff
from crm.auth.actor import Actor
from crm.auth.service import auth as auth_service
from crm.errors import Invalid, NotFound
from crm.kit.etags import require_version
from crm.kit.pagination import PageQuery, Slice, paginate
from crm.kit.records import Deleted
from crm.models import Activity, Project, Task
from crm.projects.service import project as project_service
from crm.tasks.repository import SORTS, task_repository
from crm.tasks.schemas import TaskInput, TaskPatch, TaskQuery
from crm.workspaces.service import workspace as workspace_service

NOT_FOUND = "No such task."


def snapshot(task: Task) -> dict[str, Any]:
    """The task's fields as its responses show them, for the activity log."""
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


class TaskService:
    async def list(self, session: AsyncSession, actor: Actor, *, query: TaskQuery) -> Slice[Task]:
        """Every task the actor sees, across projects, filtered and sorted, one page at a time."""
        today = await self._today(session, actor) if query.overdue is not None else None
        statement = await task_repository.listing(session, actor, query, today=today)
        return await paginate(
            session, statement, SORTS[query.sort], limit=query.limit, cursor=query.cursor
        )

    async def get(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        task_id: uuid.UUID,
        in_project: uuid.UUID | None = None,
    ) -> Task:
        """A task of a project the actor sees (of `in_project` when given); 404 for any other."""
        task = await task_repository.get(session, actor, task_id)
        if task is None or in_project not in (None, task.project_id):
            raise NotFound(NOT_FOUND)
        return task

    async def create(self, session: AsyncSession, actor: Actor, *, data: TaskInput) -> Task:
        """Add a task to a project the actor sees."""
        fields = data.model_dump()
        project = await self._project(session, actor, fields["project_id"])
        await self._check_assignee(session, actor, project, fields["assignee_id"])
        now = datetime.now(UTC)
        task = Task(
            id=uuid.uuid4(),
            workspace_id=actor.workspace_id,
            created_by_id=actor.user_id,
            version=1,
            created_at=now,
            updated_at=now,
            project_owner_id=project.owner_id,
            **self._columns(fields),
        )
        session.add(task)
        await session.flush()
        task = await self.get(session, actor, task_id=task.id)
        await self._log(session, actor, task, "created", diff({}, snapshot(task)))
        return task

    async def replace(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        task_id: uuid.UUID,
        data: TaskInput,
        if_match: frozenset[int] | None = None,
        in_project: uuid.UUID | None = None,
    ) -> Task:
        """Replace every field (PUT); those left out become empty or their default."""
        return await self._change(session, actor, task_id, data.model_dump(), if_match, in_project)

    async def update(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        task_id: uuid.UUID,
        changes: TaskPatch,
        if_match: frozenset[int] | None = None,
        in_project: uuid.UUID | None = None,
    ) -> Task:
        """Change the given fields (PATCH); a change to nothing writes nothing."""
        return await self._change(
            session, actor, task_id, changes.model_dump(), if_match, in_project
        )

    async def delete(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        task_id: uuid.UUID,
        if_match: frozenset[int] | None = None,
        in_project: uuid.UUID | None = None,
    ) -> Deleted:
        """Delete a task."""
        task = await self._lock(session, actor, task_id, if_match, in_project)
        before = snapshot(task)
        await session.delete(task)
        await session.flush()
        await self._log(session, actor, task, "deleted", diff(before, {}))
        return Deleted(entity_type="task", id=task_id, effects={})

    async def activity(
        self, session: AsyncSession, actor: Actor, *, task_id: uuid.UUID, query: PageQuery
    ) -> Slice[Activity]:
        """The task's changes, newest first."""
        await self.get(session, actor, task_id=task_id)
        return await activity_service.list(session, actor, entity_id=task_id, query=query)

    async def _change(
        self,
        session: AsyncSession,
        actor: Actor,
        task_id: uuid.UUID,
        fields: dict[str, Any],
        if_match: frozenset[int] | None,
        in_project: uuid.UUID | None,
    ) -> Task:
        task = await self._lock(session, actor, task_id, if_match, in_project)
        columns = self._columns(fields)
        changed = {k: v for k, v in columns.items() if getattr(task, k) != v}
        if not changed:
            return task
        if {"project_id", "assignee_id"} & changed.keys():
            project_id = columns.get("project_id", task.project_id)
            project = await self._project(session, actor, project_id)
            await self._check_assignee(
                session, actor, project, columns.get("assignee_id", task.assignee_id)
            )
            changed["project_owner_id"] = project.owner_id
        before = snapshot(task)
        for column, value in changed.items():
            setattr(task, column, value)
        task.version += 1
        task.updated_at = datetime.now(UTC)
        await session.flush()
        task = await self.get(session, actor, task_id=task_id)
        if "due_date" in changed:
            await self._move_reminders(session, actor, task)
        await self._log(session, actor, task, "updated", diff(before, snapshot(task)))
        return task

    async def _move_reminders(self, session: AsyncSession, actor: Actor, task: Task) -> None:
        """The reminders relative to the task follow its due date, whoever's they are: those
        of the users who see the task (its project's owner and assignees)."""
        # Imported here: the reminders' service imports this one.
        from crm.reminders.service import reminder as reminder_service

        project = await self._project(session, actor, task.project_id)
        users = sorted({project.owner_id, *(user.id for user in project.assignees)})
        await reminder_service.follow_task(session, actor, task=task, users=users)

    async def _lock(
        self,
        session: AsyncSession,
        actor: Actor,
        task_id: uuid.UUID,
        if_match: frozenset[int] | None,
        in_project: uuid.UUID | None = None,
    ) -> Task:
        task = await task_repository.get(session, actor, task_id, for_update=True)
        if task is None or in_project not in (None, task.project_id):
            raise NotFound(NOT_FOUND)
        require_version(task.version, if_match)
        return task

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
        me = await auth_service.get_me(session, actor)
        return datetime.now(zoneinfo.ZoneInfo(me.time_zone)).date()

    @staticmethod
    def _columns(fields: dict[str, Any]) -> dict[str, Any]:
        columns = {k: v for k, v in fields.items() if k != "metadata"}
        if "metadata" in fields:
            columns["custom_fields"] = fields["metadata"]
        return columns

    async def _log(
        self, session: AsyncSession, actor: Actor, task: Task, action: Any, changes: dict[str, Any]
    ) -> None:
        await activity_service.record(
            session,
            actor,
            entity_type="task",
            entity_id=task.id,
            owner_id=task.project.owner_id,
            project_id=task.project_id,
            action=action,
            changes=changes,
        )


task = TaskService()

"""Projects: owned by their creator, visible to the workspace members assigned to them. Only
the owner changes or deletes a project; deleting it deletes its tasks."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.errors import Forbidden, Invalid
from crm.kit.pagination import Slice
from crm.models import Organization, Project
from crm.organizations.repository import organization_repository
from crm.projects.repository import project_repository
from crm.projects.schemas import (
    ProjectInput,
    ProjectOut,
    ProjectPatch,
    ProjectQuery,
    ProjectView,
)
from crm.records.service import RecordService
from crm.tasks.repository import task_repository
from crm.workspaces.service import workspace as workspace_service

OWNER_ONLY = "Only the project's owner can change or delete it."


class ProjectService(RecordService[Project]):
    name = "project"
    model = Project
    repository = project_repository
    Input, Patch, Query, Out = ProjectInput, ProjectPatch, ProjectQuery, ProjectOut

    async def find(
        self, session: AsyncSession, actor: Actor, *, project_id: uuid.UUID
    ) -> Project | None:
        """A project the actor sees, or None."""
        return await project_repository.get(session, actor, project_id)

    async def assign(
        self, session: AsyncSession, actor: Actor, *, project_id: uuid.UUID, user_id: uuid.UUID
    ) -> ProjectView:
        """Assign a workspace member to the project (owner only); assigning twice is a no-op."""
        project = await self._lock(session, actor, project_id, None, {})
        current = [user.id for user in project.assignees]
        fields = {"assignee_ids": [*current, user_id]}
        return await self._change(session, actor, fields, None, {"project_id": project_id})

    async def unassign(
        self, session: AsyncSession, actor: Actor, *, project_id: uuid.UUID, user_id: uuid.UUID
    ) -> ProjectView:
        """Take a member off the project (owner only). Tasks assigned to them stay so."""
        project = await self._lock(session, actor, project_id, None, {})
        fields = {"assignee_ids": [user.id for user in project.assignees if user.id != user_id]}
        return await self._change(session, actor, fields, None, {"project_id": project_id})

    async def unlink_organization(
        self, session: AsyncSession, actor: Actor, *, organization: Organization
    ) -> int:
        """Unlink an organization's projects; answers how many."""
        return len(await self._unlink(session, actor, organization))

    def snapshot(self, project: Project) -> dict[str, Any]:
        return {
            "name": project.name,
            "status": project.status,
            "organization_id": project.organization_id,
            "assignee_ids": sorted(str(user.id) for user in project.assignees),
            "due_date": project.due_date,
            "description": project.description,
            "metadata": project.custom_fields,
        }

    async def _columns(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """The column values for the given input fields (assignees apart)."""
        own = {k: v for k, v in fields.items() if k != "assignee_ids"}
        columns = await super()._columns(session, actor, own)
        organization_id = fields.get("organization_id")
        if organization_id is not None and not await organization_repository.get(
            session, actor, organization_id
        ):
            raise Invalid("organization_id", "is not one of your organizations")
        return columns

    async def _new(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        fields["assignee_ids"] = await self._members(session, actor, fields["assignee_ids"])
        return await super()._new(session, actor, fields)

    async def _created(
        self, session: AsyncSession, actor: Actor, record: Project, fields: dict[str, Any]
    ) -> None:
        await project_repository.set_assignees(session, record, fields["assignee_ids"])
        await session.flush()

    async def _changes(
        self, session: AsyncSession, actor: Actor, record: Project, fields: dict[str, Any]
    ) -> dict[str, Any]:
        changed = await super()._changes(session, actor, record, fields)
        if (assignee_ids := fields.get("assignee_ids")) is not None:
            assignee_ids = await self._members(session, actor, assignee_ids)
            if assignee_ids != {user.id for user in record.assignees}:
                changed["assignee_ids"] = assignee_ids
        return changed

    async def _write(
        self, session: AsyncSession, actor: Actor, record: Project, changed: dict[str, Any]
    ) -> None:
        if (assignee_ids := changed.pop("assignee_ids", None)) is not None:
            await project_repository.set_assignees(session, record, assignee_ids)
        await super()._write(session, actor, record, changed)

    async def _deleting(
        self, session: AsyncSession, actor: Actor, record: Project
    ) -> dict[str, int]:
        """Its tasks go with it (the foreign keys delete them and its assignments)."""
        counts = await task_repository.count_by_status(session, actor, [record.id])
        return {"tasks_deleted": sum(counts[record.id].values())}

    def _may_change(self, actor: Actor, record: Project, **scope: Any) -> None:
        # An assignee sees the project, so telling them it exists leaks nothing.
        if record.owner_id != actor.user_id:
            raise Forbidden(OWNER_ONLY)

    def _log_fields(self, record: Project) -> dict[str, Any]:
        return {"owner_id": record.owner_id, "project_id": record.id}

    def _projects_of(self, ids: Sequence[uuid.UUID]) -> Sequence[uuid.UUID] | None:
        return ids

    async def _shown(self, session: AsyncSession, actor: Actor, record: Project) -> ProjectView:
        counts = await task_repository.count_by_status(session, actor, [record.id])
        return ProjectView(record, counts[record.id])

    async def _shown_page(
        self, session: AsyncSession, actor: Actor, found: Slice[Project]
    ) -> Slice[ProjectView]:
        counts = await task_repository.count_by_status(session, actor, [p.id for p in found.items])
        return Slice([ProjectView(p, counts[p.id]) for p in found.items], found.next_cursor)

    async def _members(
        self, session: AsyncSession, actor: Actor, user_ids: Iterable[uuid.UUID]
    ) -> set[uuid.UUID]:
        wanted = set(user_ids)
        members = await workspace_service.members_among(session, actor, user_ids=wanted)
        if strangers := wanted - members:
            raise Invalid(
                "assignee_ids", f"{min(map(str, strangers))} is not a member of this workspace"
            )
        return wanted


project = ProjectService()

"""Projects: owned by their creator, visible to the workspace members assigned to them. Only
the owner changes or deletes a project; deleting it deletes its tasks."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity.service import activity as activity_service
from crm.activity.service import diff
from crm.auth.actor import Actor
from crm.errors import Forbidden, Invalid, NotFound
from crm.kit.etags import require_version
from crm.kit.pagination import PageQuery, Slice, paginate
from crm.kit.records import Deleted
from crm.models import Activity, Organization, Project, TaskStatus
from crm.organizations.repository import organization_repository
from crm.projects.repository import SORTS, project_repository
from crm.projects.schemas import ProjectInput, ProjectPatch, ProjectQuery
from crm.tasks.repository import task_repository
from crm.workspaces.service import workspace as workspace_service

NOT_FOUND = "No such project."
OWNER_ONLY = "Only the project's owner can change or delete it."


@dataclass(frozen=True)
class ProjectView:
    """A project with what its responses show besides its own row."""

    project: Project
    task_counts: dict[TaskStatus, int]


def snapshot(project: Project) -> dict[str, Any]:
    """The project's fields as its responses show them, for the activity log."""
    return {
        "name": project.name,
        "status": project.status,
        "organization_id": project.organization_id,
        "assignee_ids": sorted(str(user.id) for user in project.assignees),
        "due_date": project.due_date,
        "description": project.description,
        "metadata": project.custom_fields,
    }


class ProjectService:
    async def list(
        self, session: AsyncSession, actor: Actor, *, query: ProjectQuery
    ) -> Slice[ProjectView]:
        """The projects the actor owns or is assigned to, one page at a time."""
        statement = await project_repository.listing(session, actor, query)
        page = await paginate(
            session, statement, SORTS[query.sort], limit=query.limit, cursor=query.cursor
        )
        counts = await task_repository.count_by_status(session, actor, [p.id for p in page.items])
        return Slice([ProjectView(p, counts[p.id]) for p in page.items], page.next_cursor)

    async def get(
        self, session: AsyncSession, actor: Actor, *, project_id: uuid.UUID
    ) -> ProjectView:
        """A project the actor sees; 404 for any other."""
        project = await self.find(session, actor, project_id=project_id)
        if project is None:
            raise NotFound(NOT_FOUND)
        return await self._view(session, actor, project)

    async def find(
        self, session: AsyncSession, actor: Actor, *, project_id: uuid.UUID
    ) -> Project | None:
        """A project the actor sees, or None."""
        return await project_repository.get(session, actor, project_id)

    async def create(
        self, session: AsyncSession, actor: Actor, *, data: ProjectInput
    ) -> ProjectView:
        """Start a project owned by the actor."""
        fields = data.model_dump()
        assignee_ids = await self._members(session, actor, fields.pop("assignee_ids"))
        now = datetime.now(UTC)
        project = Project(
            id=uuid.uuid4(),
            workspace_id=actor.workspace_id,
            owner_id=actor.user_id,
            version=1,
            created_at=now,
            updated_at=now,
            **await self._columns(session, actor, fields),
        )
        session.add(project)
        await session.flush()
        await project_repository.set_assignees(session, project, assignee_ids)
        await session.flush()
        view = await self.get(session, actor, project_id=project.id)
        await self._log(session, actor, view.project, "created", diff({}, snapshot(view.project)))
        return view

    async def replace(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        project_id: uuid.UUID,
        data: ProjectInput,
        if_match: frozenset[int] | None = None,
    ) -> ProjectView:
        """Replace every field (PUT); those left out become empty (owner only)."""
        return await self._change(session, actor, project_id, data.model_dump(), if_match)

    async def update(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        project_id: uuid.UUID,
        changes: ProjectPatch,
        if_match: frozenset[int] | None = None,
    ) -> ProjectView:
        """Change the given fields (PATCH, owner only); a change to nothing writes nothing."""
        return await self._change(session, actor, project_id, changes.model_dump(), if_match)

    async def assign(
        self, session: AsyncSession, actor: Actor, *, project_id: uuid.UUID, user_id: uuid.UUID
    ) -> ProjectView:
        """Assign a workspace member to the project (owner only); assigning twice is a no-op."""
        project = await self._lock(session, actor, project_id, None)
        current = [user.id for user in project.assignees]
        return await self._change(
            session, actor, project_id, {"assignee_ids": [*current, user_id]}, None
        )

    async def unassign(
        self, session: AsyncSession, actor: Actor, *, project_id: uuid.UUID, user_id: uuid.UUID
    ) -> ProjectView:
        """Take a member off the project (owner only). Tasks assigned to them stay so."""
        project = await self._lock(session, actor, project_id, None)
        remaining = [user.id for user in project.assignees if user.id != user_id]
        return await self._change(session, actor, project_id, {"assignee_ids": remaining}, None)

    async def delete(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        project_id: uuid.UUID,
        if_match: frozenset[int] | None = None,
    ) -> Deleted:
        """Delete a project and its tasks (owner only)."""
        project = await self._lock(session, actor, project_id, if_match)
        counts = await task_repository.count_by_status(session, actor, [project.id])
        effects = {"tasks_deleted": sum(counts[project.id].values())}
        before = snapshot(project)
        await session.delete(project)  # the foreign keys delete its tasks and assignments
        await session.flush()
        await self._log(session, actor, project, "deleted", diff(before, {}), effects)
        return Deleted(entity_type="project", id=project_id, effects=effects)

    async def activity(
        self, session: AsyncSession, actor: Actor, *, project_id: uuid.UUID, query: PageQuery
    ) -> Slice[Activity]:
        """The project's changes, newest first."""
        await self.get(session, actor, project_id=project_id)
        return await activity_service.list(session, actor, entity_id=project_id, query=query)

    async def unlink_organization(
        self, session: AsyncSession, actor: Actor, *, organization: Organization
    ) -> int:
        """Unlink an organization's projects; answers how many."""
        unlinked = await session.execute(
            update(Project)
            .where(
                Project.workspace_id == actor.workspace_id,
                Project.owner_id == actor.user_id,
                Project.organization_id == organization.id,
            )
            .values(organization_id=None, version=Project.version + 1, updated_at=datetime.now(UTC))
            .returning(Project.id)
            .execution_options(synchronize_session=False)
        )
        ids = list(unlinked.scalars())
        await activity_service.record_each(
            session,
            actor,
            entity_type="project",
            entity_ids=ids,
            owner_id=actor.user_id,
            action="updated",
            project_ids=ids,
            changes={"organization_id": {"from": str(organization.id), "to": None}},
        )
        return len(ids)

    async def _change(
        self,
        session: AsyncSession,
        actor: Actor,
        project_id: uuid.UUID,
        fields: dict[str, Any],
        if_match: frozenset[int] | None,
    ) -> ProjectView:
        project = await self._lock(session, actor, project_id, if_match)
        assignee_ids = fields.pop("assignee_ids", None)
        columns = await self._columns(session, actor, fields)
        changed = {k: v for k, v in columns.items() if getattr(project, k) != v}
        if assignee_ids is not None:
            assignee_ids = await self._members(session, actor, assignee_ids)
            if assignee_ids == {user.id for user in project.assignees}:
                assignee_ids = None
        if not changed and assignee_ids is None:
            return await self._view(session, actor, project)
        before = snapshot(project)
        for column, value in changed.items():
            setattr(project, column, value)
        if assignee_ids is not None:
            await project_repository.set_assignees(session, project, assignee_ids)
        project.version += 1
        project.updated_at = datetime.now(UTC)
        await session.flush()
        view = await self.get(session, actor, project_id=project_id)
        changes = diff(before, snapshot(view.project))
        await self._log(session, actor, view.project, "updated", changes)
        return view

    async def _lock(
        self,
        session: AsyncSession,
        actor: Actor,
        project_id: uuid.UUID,
        if_match: frozenset[int] | None,
    ) -> Project:
        project = await project_repository.get(session, actor, project_id, for_update=True)
        if project is None:
            raise NotFound(NOT_FOUND)
        # An assignee sees the project, so telling them it exists leaks nothing.
        if project.owner_id != actor.user_id:
            raise Forbidden(OWNER_ONLY)
        require_version(project.version, if_match)
        return project

    async def _view(self, session: AsyncSession, actor: Actor, project: Project) -> ProjectView:
        counts = await task_repository.count_by_status(session, actor, [project.id])
        return ProjectView(project, counts[project.id])

    async def _columns(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """The column values for the given input fields (assignees apart)."""
        columns = {k: v for k, v in fields.items() if k != "metadata"}
        if "metadata" in fields:
            columns["custom_fields"] = fields["metadata"]
        organization_id = fields.get("organization_id")
        if organization_id is not None and not await organization_repository.get(
            session, actor, organization_id
        ):
            raise Invalid("organization_id", "is not one of your organizations")
        return columns

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

    async def _log(
        self,
        session: AsyncSession,
        actor: Actor,
        project: Project,
        action: Any,
        changes: dict[str, Any],
        effects: dict[str, int] | None = None,
    ) -> None:
        await activity_service.record(
            session,
            actor,
            entity_type="project",
            entity_id=project.id,
            owner_id=project.owner_id,
            project_id=project.id,
            action=action,
            changes=changes,
            effects=effects,
        )


project = ProjectService()

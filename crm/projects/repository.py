"""Statements over projects, each starting from those the actor may read: the projects they
own and those they are assigned to."""

import uuid

from sqlalchemy import Select, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from crm.auth.actor import Actor
from crm.kit.pagination import sort_keys
from crm.kit.search import find
from crm.models import Project, ProjectAssignee
from crm.projects.schemas import ProjectQuery
from crm.records.repository import RecordRepository

SORTS = sort_keys(
    Project.id,
    name=Project.sort_name,
    due_date=Project.due_key,
    created_at=Project.created_at,
    updated_at=Project.updated_at,
)


class ProjectRepository(RecordRepository[Project]):
    model = Project
    sorts = SORTS

    def visible(self, actor: Actor) -> Select[tuple[Project]]:
        """The projects the actor sees, without their related rows."""
        assigned = exists().where(
            ProjectAssignee.project_id == Project.id, ProjectAssignee.user_id == actor.user_id
        )
        return select(Project).where(
            Project.workspace_id == actor.workspace_id,
            or_(Project.owner_id == actor.user_id, assigned),
        )

    def readable(self, actor: Actor) -> Select[tuple[Project]]:
        return self.visible(actor).options(
            selectinload(Project.organization), selectinload(Project.assignees)
        )

    async def listing(
        self, session: AsyncSession, actor: Actor, query: ProjectQuery
    ) -> Select[tuple[Project]]:
        statement = self.readable(actor)
        if query.q:
            found = await find(session, "project", query.q)
            statement = statement.where(found.condition(Project.id, [Project.name]))
        if query.status:
            statement = statement.where(Project.status.in_(query.status))
        if query.organization_id:
            statement = statement.where(Project.organization_id == query.organization_id)
        if query.assignee_id:
            statement = statement.where(
                exists().where(
                    ProjectAssignee.project_id == Project.id,
                    ProjectAssignee.user_id == query.assignee_id,
                )
            )
        return statement

    async def set_assignees(
        self, session: AsyncSession, project: Project, user_ids: set[uuid.UUID]
    ) -> None:
        """Make exactly these members the project's assignees."""
        current = set(
            await session.scalars(
                select(ProjectAssignee.user_id).where(ProjectAssignee.project_id == project.id)
            )
        )
        if gone := current - user_ids:
            await session.execute(
                delete(ProjectAssignee).where(
                    ProjectAssignee.project_id == project.id,
                    ProjectAssignee.user_id.in_(gone),
                )
            )
        session.add_all(
            ProjectAssignee(
                project_id=project.id,
                user_id=user_id,
                workspace_id=project.workspace_id,
                owner_id=project.owner_id,
            )
            for user_id in user_ids - current
        )


project_repository = ProjectRepository()

"""Statements over projects, each starting from those the actor may read: the projects they
own and those they are assigned to."""

import uuid
from itertools import chain
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Uuid,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from crm.auth.actor import Actor
from crm.kit.pagination import sort_keys
from crm.kit.search import find
from crm.models import Organization, Project, ProjectAssignee, Task, TaskStatus, UserAccount
from crm.projects.schemas import ProjectQuery
from crm.records.repository import RecordRepository, ref

SORTS = sort_keys(
    Project.id,
    name=Project.sort_name,
    due_date=Project.due_key,
    created_at=Project.created_at,
    updated_at=Project.updated_at,
)


def _seen(workspace_id: Any, user_id: Any) -> ColumnElement[bool]:
    """The projects the user owns or is assigned to."""
    assigned = exists().where(
        ProjectAssignee.project_id == Project.id, ProjectAssignee.user_id == user_id
    )
    return and_(Project.workspace_id == workspace_id, or_(Project.owner_id == user_id, assigned))


def _assigned(aggregate: Any, value: Any, empty: Any) -> Any:
    """The project's assignees aggregated in the order its relationship reads them (by name)."""
    ordered = aggregate(aggregate_order_by(value, UserAccount.name, UserAccount.id))
    return (
        select(func.coalesce(ordered, empty))
        .join_from(ProjectAssignee, UserAccount, UserAccount.id == ProjectAssignee.user_id)
        .where(ProjectAssignee.project_id == Project.id)
        .scalar_subquery()
    )


_USER = bindparam("user_id", type_=Uuid)
# The organization is its owner's: shown to the project's owner only.
_ORGANIZATION = (
    select(ref(Organization))
    .where(Organization.id == Project.organization_id, Organization.owner_id == _USER)
    .scalar_subquery()
)
_TASK_COUNTS = (
    select(
        func.json_build_object(
            *chain.from_iterable(
                (status.value, func.count().filter(Task.status == status)) for status in TaskStatus
            )
        )
    )
    .where(Task.project_id == Project.id)  # its workspace's: ix_task_project_status serves it
    .scalar_subquery()
)
# A project as the API shows it (crm.projects.schemas.ProjectOut), as plain rows built once per
# process (the actor's ids bound by name): its pages skip the ORM and the counts' query.
_ROWS = select(
    Project.id,
    Project.name,
    Project.status,
    Project.owner_id,
    Project.organization_id,
    _ORGANIZATION.label("organization"),
    _assigned(func.array_agg, UserAccount.id, literal([], ARRAY(Uuid))).label("assignee_ids"),
    _assigned(func.json_agg, ref(UserAccount), literal_column("'[]'::json")).label("assignees"),
    Project.due_date,
    Project.description,
    _TASK_COUNTS.label("task_counts"),
    Project.custom_fields.label("metadata"),
    Project.version,
    Project.created_at,
    Project.updated_at,
).where(_seen(bindparam("workspace_id", type_=Uuid), _USER))


class ProjectRepository(RecordRepository[Project]):
    model = Project
    sorts = SORTS
    rows = _ROWS

    def visible(self, actor: Actor) -> Select[tuple[Project]]:
        """The projects the actor sees, without their related rows."""
        return select(Project).where(_seen(actor.workspace_id, actor.user_id))

    def readable(self, actor: Actor) -> Select[tuple[Project]]:
        return self.visible(actor).options(
            selectinload(Project.organization), selectinload(Project.assignees)
        )

    async def listing(
        self,
        session: AsyncSession,
        actor: Actor,
        query: ProjectQuery,
        statement: Select[Any] | None = None,
    ) -> Select[Any]:
        """`statement` (by default `readable`) filtered and searched as `query` asks."""
        statement = self.readable(actor) if statement is None else statement
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

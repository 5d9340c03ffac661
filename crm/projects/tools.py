"""Project tools for the assistant and the MCP server: the REST models, the same service."""

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.records import Deleted
from crm.kit.schemas import Page
from crm.kit.tools import ById, Change, Tool
from crm.projects.schemas import (
    ProjectInput,
    ProjectMember,
    ProjectOut,
    ProjectPatch,
    ProjectQuery,
    ProjectSearch,
    ProjectStatusChange,
)
from crm.projects.service import project as project_service


async def create_project(session: AsyncSession, actor: Actor, params: ProjectInput) -> ProjectOut:
    return ProjectOut.of(await project_service.create(session, actor, data=params))


async def get_project(session: AsyncSession, actor: Actor, params: ById) -> ProjectOut:
    return ProjectOut.of(await project_service.get(session, actor, project_id=params.id))


async def update_project(
    session: AsyncSession, actor: Actor, params: Change[ProjectPatch]
) -> ProjectOut:
    view = await project_service.update(
        session, actor, project_id=params.id, changes=params.changes
    )
    return ProjectOut.of(view)


async def set_project_status(
    session: AsyncSession, actor: Actor, params: ProjectStatusChange
) -> ProjectOut:
    view = await project_service.update(
        session, actor, project_id=params.id, changes=ProjectPatch(status=params.status)
    )
    return ProjectOut.of(view)


async def assign_project_member(
    session: AsyncSession, actor: Actor, params: ProjectMember
) -> ProjectOut:
    view = await project_service.assign(
        session, actor, project_id=params.project_id, user_id=params.user_id
    )
    return ProjectOut.of(view)


async def unassign_project_member(
    session: AsyncSession, actor: Actor, params: ProjectMember
) -> ProjectOut:
    view = await project_service.unassign(
        session, actor, project_id=params.project_id, user_id=params.user_id
    )
    return ProjectOut.of(view)


async def delete_project(session: AsyncSession, actor: Actor, params: ById) -> Deleted:
    return await project_service.delete(session, actor, project_id=params.id)


async def list_projects(
    session: AsyncSession, actor: Actor, params: ProjectQuery
) -> Page[ProjectOut]:
    return (await project_service.list(session, actor, query=params)).page(ProjectOut.of)


TOOLS = [
    Tool(
        "create_project",
        "Start a project owned by the user; assignees are workspace members.",
        ProjectInput,
        create_project,
    ),
    Tool("get_project", "Read one project by id, with its task counts.", ById, get_project),
    Tool(
        "update_project",
        "Change some fields of a project (its owner only); fields not given stay.",
        Change[ProjectPatch],
        update_project,
    ),
    Tool(
        "set_project_status",
        "Change a project's status (planned, in_progress, completed, on_hold, cancelled).",
        ProjectStatusChange,
        set_project_status,
    ),
    Tool(
        "assign_project_member",
        "Assign a workspace member to a project, so they see it and its tasks.",
        ProjectMember,
        assign_project_member,
    ),
    Tool(
        "unassign_project_member",
        "Take a member off a project.",
        ProjectMember,
        unassign_project_member,
    ),
    Tool(
        "delete_project",
        "Delete a project and all its tasks.",
        ById,
        delete_project,
        destructive=True,
    ),
    Tool(
        "list_projects",
        "List the projects the user owns or is assigned to; pass next_cursor as cursor for more.",
        ProjectQuery,
        list_projects,
    ),
    Tool(
        "search_projects",
        "Find projects whose name contains `q` (typos tolerated).",
        ProjectSearch,
        list_projects,
    ),
]

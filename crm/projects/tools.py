"""Project tools for the assistant and the MCP server: the REST models, the same service."""

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.tools import Tool
from crm.projects.schemas import (
    ProjectMember,
    ProjectOut,
    ProjectPatch,
    ProjectSearch,
    ProjectStatusChange,
)
from crm.projects.service import project as project_service
from crm.records.tools import record_tools


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


TOOLS = record_tools(
    project_service,
    plural="projects",
    search=ProjectSearch,
    text={
        "create": "Start a project owned by the user; assignees are workspace members.",
        "get": "Read one project by id, with its task counts.",
        "update": "Change some fields of a project (its owner only); fields not given stay.",
        "delete": "Delete a project and all its tasks.",
        "list": "List the projects the user owns or is assigned to; pass next_cursor as cursor "
        "for more.",
        "search": "Find projects whose name contains `q` (typos tolerated).",
    },
    extra=[
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
    ],
)

# The assistant's group of these tools: what it says they do, and the words of a message
# about them (regular expressions, whole words).
ABOUT = "projects: add, find, change, assign members, set status, delete"
WORDS = (
    r"projects?",
    "assign",
    "assigned",
    "unassign",
)

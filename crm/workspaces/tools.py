"""Workspace tools for the assistant and the MCP server: who the members are (to assign a task
or a project to someone by name), through the same service as GET /api/v1/workspace/members."""

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.schemas import UserOut
from crm.kit.schemas import Input, Page
from crm.kit.tools import Tool
from crm.workspaces.schemas import MemberOut
from crm.workspaces.service import workspace as workspace_service


class NoArguments(Input):
    """The tool takes no arguments."""


async def list_members(session: AsyncSession, actor: Actor, params: NoArguments) -> Page[MemberOut]:
    members = await workspace_service.list_members(session, actor)
    return Page(
        items=[
            MemberOut(user=UserOut.model_validate(m.user), role=m.role, joined_at=m.joined_at)
            for m in members
        ]
    )


TOOLS = [
    Tool(
        "list_members",
        "List the members of the user's workspace (id, name, e-mail, role): the people tasks "
        "and projects can be assigned to.",
        NoArguments,
        list_members,
    ),
]

"""Organization tools for the assistant and the MCP server: the REST models, the same
service."""

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.records import Deleted
from crm.kit.schemas import Page
from crm.kit.tools import ById, Change, Tool
from crm.organizations.schemas import (
    OrganizationInput,
    OrganizationOut,
    OrganizationPatch,
    OrganizationQuery,
    OrganizationSearch,
)
from crm.organizations.service import organization as organization_service


async def create_organization(
    session: AsyncSession, actor: Actor, params: OrganizationInput
) -> OrganizationOut:
    return OrganizationOut.of(await organization_service.create(session, actor, data=params))


async def get_organization(session: AsyncSession, actor: Actor, params: ById) -> OrganizationOut:
    organization = await organization_service.get(session, actor, organization_id=params.id)
    return OrganizationOut.of(organization)


async def update_organization(
    session: AsyncSession, actor: Actor, params: Change[OrganizationPatch]
) -> OrganizationOut:
    organization = await organization_service.update(
        session, actor, organization_id=params.id, changes=params.changes
    )
    return OrganizationOut.of(organization)


async def delete_organization(session: AsyncSession, actor: Actor, params: ById) -> Deleted:
    return await organization_service.delete(session, actor, organization_id=params.id)


async def list_organizations(
    session: AsyncSession, actor: Actor, params: OrganizationQuery
) -> Page[OrganizationOut]:
    found = await organization_service.list(session, actor, query=params)
    return found.page(OrganizationOut.of)


TOOLS = [
    Tool(
        "create_organization",
        "Add an organization (a company). Names are unique per user, whatever the case.",
        OrganizationInput,
        create_organization,
    ),
    Tool("get_organization", "Read one organization by id.", ById, get_organization),
    Tool(
        "update_organization",
        "Change some fields of an organization; a new name shows on its contacts at once.",
        Change[OrganizationPatch],
        update_organization,
    ),
    Tool(
        "delete_organization",
        "Delete an organization; its contacts and projects stay, unlinked.",
        ById,
        delete_organization,
        destructive=True,
    ),
    Tool(
        "list_organizations",
        "List the user's organizations; pass next_cursor as cursor for more.",
        OrganizationQuery,
        list_organizations,
    ),
    Tool(
        "search_organizations",
        "Find organizations whose name contains `q` (typos tolerated).",
        OrganizationSearch,
        list_organizations,
    ),
]

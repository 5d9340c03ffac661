"""REST endpoints of organizations, and the contacts and projects linked to one. Writes take
an optional If-Match."""

import uuid
from typing import Annotated

from fastapi import Query

from crm.auth.dependencies import ActorDep, SessionDep
from crm.contacts.schemas import ContactOut, ContactQuery
from crm.contacts.service import contact as contact_service
from crm.kit.openapi import problems
from crm.kit.schemas import Page
from crm.organizations.service import organization as organization_service
from crm.projects.schemas import ProjectOut, ProjectQuery
from crm.projects.service import project as project_service
from crm.records.endpoints import crud_router

router = crud_router(
    organization_service,
    plural="organizations",
    problems_of={"create": (409,), "replace": (409,), "update": (409,)},
    docs={
        "create": "Its name must differ (in any case) from your others' (409).",
        "get": "Its contacts and projects are at `/organizations/{id}/contacts` and "
        "`/organizations/{id}/projects`.",
        "update": "A new name shows at once on its contacts and projects.",
        "delete": "Its contacts and projects stay, unlinked (contacts keep its name as text).",
    },
)


@router.get("/{organization_id}/contacts", responses=problems(404, 422))
async def organization_contacts(
    organization_id: uuid.UUID,
    query: Annotated[ContactQuery, Query()],
    session: SessionDep,
    actor: ActorDep,
) -> Page[ContactOut]:
    """The contacts linked to the organization (the filters of `/contacts` apply)."""
    await organization_service.get(session, actor, organization_id=organization_id)
    query = query.model_copy(update={"organization_id": organization_id})
    return await contact_service.page(session, actor, query=query)


@router.get("/{organization_id}/projects", responses=problems(404, 422))
async def organization_projects(
    organization_id: uuid.UUID,
    query: Annotated[ProjectQuery, Query()],
    session: SessionDep,
    actor: ActorDep,
) -> Page[ProjectOut]:
    """The projects linked to the organization (the filters of `/projects` apply)."""
    await organization_service.get(session, actor, organization_id=organization_id)
    query = query.model_copy(update={"organization_id": organization_id})
    return await project_service.page(session, actor, query=query)

"""REST endpoints of organizations, and the contacts and projects linked to one. Writes take
an optional If-Match."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from crm.activity.schemas import ActivityOut
from crm.auth.dependencies import ActorDep, SessionDep
from crm.contacts.schemas import ContactOut, ContactQuery
from crm.contacts.service import contact as contact_service
from crm.kit.etags import IfMatch, etag, parse_if_match
from crm.kit.openapi import problems, with_etag
from crm.kit.pagination import PageQuery
from crm.kit.schemas import Page
from crm.models import Organization
from crm.organizations.schemas import (
    OrganizationInput,
    OrganizationOut,
    OrganizationPatch,
    OrganizationQuery,
)
from crm.organizations.service import organization as organization_service
from crm.projects.schemas import ProjectOut, ProjectQuery
from crm.projects.service import project as project_service

router = APIRouter(prefix="/api/v1/organizations", tags=["organizations"], responses=problems(401))


def _answer(response: Response, organization: Organization) -> OrganizationOut:
    response.headers["ETag"] = etag(organization.version)
    return OrganizationOut.of(organization)


@router.get("", responses=problems(422))
async def list_organizations(
    query: Annotated[OrganizationQuery, Query()], session: SessionDep, actor: ActorDep
) -> Page[OrganizationOut]:
    """Your organizations, a page at a time: pass `next_cursor` back as `cursor`."""
    found = await organization_service.list(session, actor, query=query)
    return found.page(OrganizationOut.of)


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses={**with_etag(201), **problems(409, 422)}
)
async def create_organization(
    body: OrganizationInput, response: Response, session: SessionDep, actor: ActorDep
) -> OrganizationOut:
    """Add an organization. Its name must differ (in any case) from your others' (409)."""
    organization = await organization_service.create(session, actor, data=body)
    response.headers["Location"] = f"{router.prefix}/{organization.id}"
    return _answer(response, organization)


@router.get("/{organization_id}", responses={**with_etag(), **problems(404, 422)})
async def get_organization(
    organization_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> OrganizationOut:
    """One of your organizations, with its ETag. Its contacts and projects are at
    `/organizations/{id}/contacts` and `/organizations/{id}/projects`."""
    organization = await organization_service.get(session, actor, organization_id=organization_id)
    return _answer(response, organization)


@router.put("/{organization_id}", responses={**with_etag(), **problems(404, 409, 412, 422)})
async def replace_organization(
    organization_id: uuid.UUID,
    body: OrganizationInput,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> OrganizationOut:
    """Replace the whole organization; fields left out become empty. With `If-Match`, a
    stale version answers 412 and changes nothing; without it the write applies."""
    organization = await organization_service.replace(
        session,
        actor,
        organization_id=organization_id,
        data=body,
        if_match=parse_if_match(if_match),
    )
    return _answer(response, organization)


@router.patch("/{organization_id}", responses={**with_etag(), **problems(404, 409, 412, 422)})
async def update_organization(
    organization_id: uuid.UUID,
    body: OrganizationPatch,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> OrganizationOut:
    """Change the fields given; a new name shows at once on its contacts and projects. With
    `If-Match`, a stale version answers 412 and changes nothing; without it the write
    applies."""
    organization = await organization_service.update(
        session,
        actor,
        organization_id=organization_id,
        changes=body,
        if_match=parse_if_match(if_match),
    )
    return _answer(response, organization)


@router.delete(
    "/{organization_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(404, 412, 422),
)
async def delete_organization(
    organization_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> None:
    """Delete the organization. Its contacts and projects stay, unlinked (contacts keep its
    name as text). With `If-Match`, a stale version answers 412 and deletes nothing; without
    it the delete applies."""
    await organization_service.delete(
        session, actor, organization_id=organization_id, if_match=parse_if_match(if_match)
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
    found = await project_service.list(session, actor, query=query)
    return found.page(ProjectOut.of)


@router.get("/{organization_id}/activity", responses=problems(404, 422))
async def organization_activity(
    organization_id: uuid.UUID,
    query: Annotated[PageQuery, Query()],
    session: SessionDep,
    actor: ActorDep,
) -> Page[ActivityOut]:
    """Every change to the organization, newest first."""
    found = await organization_service.activity(
        session, actor, organization_id=organization_id, query=query
    )
    return found.page(ActivityOut.of)

"""REST endpoints of contacts (DESIGN.md section 4). Writes take an optional If-Match."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from crm.activity.schemas import ActivityOut
from crm.auth.dependencies import ActorDep, SessionDep
from crm.contacts.schemas import ContactInput, ContactOut, ContactPatch, ContactQuery
from crm.contacts.service import contact as contact_service
from crm.kit.etags import IfMatch, etag, parse_if_match
from crm.kit.openapi import problems, with_etag
from crm.kit.pagination import PageQuery
from crm.kit.schemas import Page
from crm.models import Contact

router = APIRouter(prefix="/api/v1/contacts", tags=["contacts"], responses=problems(401))


def _answer(response: Response, contact: Contact) -> ContactOut:
    response.headers["ETag"] = etag(contact.version)
    return ContactOut.of(contact)


@router.get("", responses=problems(422))
async def list_contacts(
    query: Annotated[ContactQuery, Query()], session: SessionDep, actor: ActorDep
) -> Page[ContactOut]:
    """Your contacts, a page at a time: pass `next_cursor` back as `cursor` for the next."""
    return await contact_service.page(session, actor, query=query)


@router.post("", status_code=status.HTTP_201_CREATED, responses={**with_etag(201), **problems(422)})
async def create_contact(
    body: ContactInput, response: Response, session: SessionDep, actor: ActorDep
) -> ContactOut:
    """Add a contact. An `organization` naming one of your organizations (any case) links
    it: the contact then shows that organization's current name."""
    contact = await contact_service.create(session, actor, data=body)
    response.headers["Location"] = f"{router.prefix}/{contact.id}"
    return _answer(response, contact)


@router.get("/{contact_id}", responses={**with_etag(), **problems(404, 422)})
async def get_contact(
    contact_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> ContactOut:
    """One of your contacts, with its ETag."""
    contact = await contact_service.read(session, actor, contact_id=contact_id)
    response.headers["ETag"] = etag(contact.version)
    return contact


@router.put("/{contact_id}", responses={**with_etag(), **problems(404, 412, 422)})
async def replace_contact(
    contact_id: uuid.UUID,
    body: ContactInput,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> ContactOut:
    """Replace the whole contact; fields left out become empty. With `If-Match`, a stale
    version answers 412 and changes nothing; without it the write applies."""
    contact = await contact_service.replace(
        session, actor, contact_id=contact_id, data=body, if_match=parse_if_match(if_match)
    )
    return _answer(response, contact)


@router.patch("/{contact_id}", responses={**with_etag(), **problems(404, 412, 422)})
async def update_contact(
    contact_id: uuid.UUID,
    body: ContactPatch,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> ContactOut:
    """Change the fields given; the others stay. With `If-Match`, a stale version answers
    412 and changes nothing; without it the write applies."""
    contact = await contact_service.update(
        session, actor, contact_id=contact_id, changes=body, if_match=parse_if_match(if_match)
    )
    return _answer(response, contact)


@router.delete(
    "/{contact_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404, 412, 422)
)
async def delete_contact(
    contact_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> None:
    """Delete the contact. With `If-Match`, a stale version answers 412 and deletes nothing;
    without it the delete applies."""
    await contact_service.delete(
        session, actor, contact_id=contact_id, if_match=parse_if_match(if_match)
    )


@router.get("/{contact_id}/activity", responses=problems(404, 422))
async def contact_activity(
    contact_id: uuid.UUID,
    query: Annotated[PageQuery, Query()],
    session: SessionDep,
    actor: ActorDep,
) -> Page[ActivityOut]:
    """Every change to the contact, newest first: who, through which channel, each field's
    `from` and `to`."""
    found = await contact_service.activity(session, actor, contact_id=contact_id, query=query)
    return found.page(ActivityOut.of)

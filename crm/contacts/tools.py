"""Contact tools for the assistant and the MCP server: the REST models, the same service."""

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.contacts.schemas import ContactInput, ContactOut, ContactPatch, ContactQuery, ContactSearch
from crm.contacts.service import contact as contact_service
from crm.kit.records import Deleted
from crm.kit.schemas import Page
from crm.kit.tools import ById, Change, Tool


async def create_contact(session: AsyncSession, actor: Actor, params: ContactInput) -> ContactOut:
    return ContactOut.of(await contact_service.create(session, actor, data=params))


async def get_contact(session: AsyncSession, actor: Actor, params: ById) -> ContactOut:
    return ContactOut.of(await contact_service.get(session, actor, contact_id=params.id))


async def update_contact(
    session: AsyncSession, actor: Actor, params: Change[ContactPatch]
) -> ContactOut:
    contact = await contact_service.update(
        session, actor, contact_id=params.id, changes=params.changes
    )
    return ContactOut.of(contact)


async def delete_contact(session: AsyncSession, actor: Actor, params: ById) -> Deleted:
    return await contact_service.delete(session, actor, contact_id=params.id)


async def list_contacts(
    session: AsyncSession, actor: Actor, params: ContactQuery
) -> Page[ContactOut]:
    return (await contact_service.list(session, actor, query=params)).page(ContactOut.of)


TOOLS = [
    Tool(
        "create_contact",
        "Add a contact (a person). `organization` links one of the user's organizations by name.",
        ContactInput,
        create_contact,
    ),
    Tool("get_contact", "Read one contact by id.", ById, get_contact),
    Tool(
        "update_contact",
        "Change some fields of a contact; fields not given stay as they are.",
        Change[ContactPatch],
        update_contact,
    ),
    Tool("delete_contact", "Delete a contact.", ById, delete_contact, destructive=True),
    Tool(
        "list_contacts",
        "List the user's contacts, filtered and sorted; pass next_cursor as cursor for more.",
        ContactQuery,
        list_contacts,
    ),
    Tool(
        "search_contacts",
        "Find contacts whose name, e-mail, phone or organization contains `q` (typos tolerated).",
        ContactSearch,
        list_contacts,
    ),
]

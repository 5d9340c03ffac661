"""/contacts: the address book as a searchable table, a side panel to add and edit, and each
contact's page with its history (crm/web/records.py holds what the record pages share)."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.contacts.schemas import ContactOut, ContactQuery
from crm.contacts.service import contact as contact_service
from crm.organizations.schemas import OrganizationQuery
from crm.organizations.service import organization as organization_service
from crm.web.records import RecordPages, record_router
from crm.web.session import Shell

SORTS = [
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("-updated_at", "Recently updated"),
    ("-created_at", "Recently added"),
]
FIELDS = ("name", "email", "phone", "job_position", "organization")


class ContactPages(RecordPages[ContactQuery, ContactOut]):
    service, plural, fields = contact_service, "contacts", FIELDS
    prefill = FIELDS

    async def choices(self, session: AsyncSession, shell: Shell) -> dict[str, Any]:
        query = OrganizationQuery(limit=200)
        organizations = await organization_service.list(session, shell.actor, query=query)
        return {"sorts": SORTS, "organizations": [(o.id, o.name) for o in organizations.items]}


pages = ContactPages()
router = record_router(pages)

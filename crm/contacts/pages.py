"""/contacts: the address book as a searchable table, a side panel to add and edit, and each
contact's page with its history (crm/web/records.py holds what the record pages share)."""

import uuid
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from crm.contacts.schemas import ContactInput, ContactOut, ContactPatch, ContactQuery
from crm.contacts.service import contact as contact_service
from crm.kit.pagination import PageQuery, Slice
from crm.organizations.schemas import OrganizationQuery
from crm.organizations.service import organization as organization_service
from crm.web.forms import parse
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
    plural, noun, query_model = "contacts", "contact", ContactQuery
    prefill = ("name", "email", "phone", "job_position", "organization")

    async def listing(
        self, session: AsyncSession, shell: Shell, query: ContactQuery
    ) -> Slice[ContactOut]:
        found = await contact_service.list(session, shell.actor, query=query)
        return Slice([ContactOut.of(c) for c in found.items], found.next_cursor)

    async def get(self, session: AsyncSession, shell: Shell, record_id: uuid.UUID) -> ContactOut:
        return ContactOut.of(await contact_service.get(session, shell.actor, contact_id=record_id))

    async def create(
        self, session: AsyncSession, shell: Shell, values: dict[str, Any]
    ) -> ContactOut:
        data = parse(ContactInput, _fields(values))
        return ContactOut.of(await contact_service.create(session, shell.actor, data=data))

    async def update(
        self,
        session: AsyncSession,
        shell: Shell,
        record_id: uuid.UUID,
        values: dict[str, Any],
        if_match: frozenset[int] | None,
    ) -> ContactOut:
        changes = parse(ContactPatch, _fields(values))
        contact = await contact_service.update(
            session, shell.actor, contact_id=record_id, changes=changes, if_match=if_match
        )
        return ContactOut.of(contact)

    async def delete(
        self,
        session: AsyncSession,
        shell: Shell,
        record_id: uuid.UUID,
        if_match: frozenset[int] | None,
    ) -> None:
        await contact_service.delete(session, shell.actor, contact_id=record_id, if_match=if_match)

    def form_values(self, record: ContactOut) -> dict[str, Any]:
        return {**{f: getattr(record, f) or "" for f in FIELDS}, "version": record.version}

    async def choices(self, session: AsyncSession, shell: Shell) -> dict[str, Any]:
        query = OrganizationQuery(limit=200)
        organizations = await organization_service.list(session, shell.actor, query=query)
        return {"sorts": SORTS, "organizations": [(o.id, o.name) for o in organizations.items]}

    async def detail_context(
        self, request: Request, session: AsyncSession, shell: Shell, record: ContactOut
    ) -> dict[str, Any]:
        history = await contact_service.activity(
            session, shell.actor, contact_id=record.id, query=PageQuery(limit=50)
        )
        return {"history": history.items}


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in FIELDS}


pages = ContactPages()
router = record_router(pages)

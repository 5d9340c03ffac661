"""/organizations: the companies a user deals with, each with its contacts, projects and
history (crm/web/records.py holds what the record pages share)."""

import uuid
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from crm.contacts.schemas import ContactOut, ContactQuery
from crm.contacts.service import contact as contact_service
from crm.kit.pagination import PageQuery, Slice
from crm.organizations.schemas import (
    OrganizationInput,
    OrganizationOut,
    OrganizationPatch,
    OrganizationQuery,
)
from crm.organizations.service import organization as organization_service
from crm.projects.schemas import ProjectOut, ProjectQuery
from crm.projects.service import project as project_service
from crm.web.forms import parse
from crm.web.records import RecordPages, record_router
from crm.web.session import Shell

SORTS = [
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("-updated_at", "Recently updated"),
    ("-created_at", "Recently added"),
]
FIELDS = ("name", "industry", "description")


class OrganizationPages(RecordPages[OrganizationQuery, OrganizationOut]):
    plural, noun, query_model = "organizations", "organization", OrganizationQuery
    prefill = ("name", "industry", "description")

    async def listing(
        self, session: AsyncSession, shell: Shell, query: OrganizationQuery
    ) -> Slice[OrganizationOut]:
        found = await organization_service.list(session, shell.actor, query=query)
        return Slice([OrganizationOut.of(o) for o in found.items], found.next_cursor)

    async def get(
        self, session: AsyncSession, shell: Shell, record_id: uuid.UUID
    ) -> OrganizationOut:
        found = await organization_service.get(session, shell.actor, organization_id=record_id)
        return OrganizationOut.of(found)

    async def create(
        self, session: AsyncSession, shell: Shell, values: dict[str, Any]
    ) -> OrganizationOut:
        data = parse(OrganizationInput, _fields(values))
        created = await organization_service.create(session, shell.actor, data=data)
        return OrganizationOut.of(created)

    async def update(
        self,
        session: AsyncSession,
        shell: Shell,
        record_id: uuid.UUID,
        values: dict[str, Any],
        if_match: frozenset[int] | None,
    ) -> OrganizationOut:
        changes = parse(OrganizationPatch, _fields(values))
        changed = await organization_service.update(
            session, shell.actor, organization_id=record_id, changes=changes, if_match=if_match
        )
        return OrganizationOut.of(changed)

    async def delete(
        self,
        session: AsyncSession,
        shell: Shell,
        record_id: uuid.UUID,
        if_match: frozenset[int] | None,
    ) -> None:
        await organization_service.delete(
            session, shell.actor, organization_id=record_id, if_match=if_match
        )

    def form_values(self, record: OrganizationOut) -> dict[str, Any]:
        return {**{f: getattr(record, f) or "" for f in FIELDS}, "version": record.version}

    async def choices(self, session: AsyncSession, shell: Shell) -> dict[str, Any]:
        return {"sorts": SORTS}

    async def detail_context(
        self, request: Request, session: AsyncSession, shell: Shell, record: OrganizationOut
    ) -> dict[str, Any]:
        actor = shell.actor
        contacts = await contact_service.list(
            session, actor, query=ContactQuery(organization_id=record.id, limit=200)
        )
        projects = await project_service.list(
            session, actor, query=ProjectQuery(organization_id=record.id, limit=200)
        )
        history = await organization_service.activity(
            session, actor, organization_id=record.id, query=PageQuery(limit=50)
        )
        return {
            "contacts": [ContactOut.of(c) for c in contacts.items],
            "projects": [ProjectOut.of(p) for p in projects.items],
            "history": history.items,
        }


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in FIELDS}


pages = OrganizationPages()
router = record_router(pages)

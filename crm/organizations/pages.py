"""/organizations: the companies a user deals with, each with its contacts, projects and
history (crm/web/records.py holds what the record pages share)."""

from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from crm.contacts.schemas import ContactOut, ContactQuery
from crm.contacts.service import contact as contact_service
from crm.organizations.schemas import (
    OrganizationOut,
    OrganizationQuery,
)
from crm.organizations.service import organization as organization_service
from crm.projects.schemas import ProjectOut, ProjectQuery
from crm.projects.service import project as project_service
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
    service, plural, fields = organization_service, "organizations", FIELDS
    prefill = FIELDS

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
        return {
            "contacts": [ContactOut.of(c) for c in contacts.items],
            "projects": [ProjectOut.of(p) for p in projects.items],
            **await super().detail_context(request, session, shell, record),
        }


pages = OrganizationPages()
router = record_router(pages)

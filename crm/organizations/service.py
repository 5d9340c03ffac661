"""Organizations: each user's own, named uniquely (any case). Deleting one unlinks its contacts
and projects, which stay."""

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.contacts.service import contact as contact_service
from crm.errors import Conflict
from crm.models import Organization
from crm.organizations.repository import organization_repository
from crm.organizations.schemas import (
    OrganizationInput,
    OrganizationOut,
    OrganizationPatch,
    OrganizationQuery,
)
from crm.projects.service import project as project_service
from crm.records.service import RecordService

UNIQUE_NAME = "uq_organization_owner_sort_name"


class OrganizationService(RecordService[Organization]):
    name = "organization"
    model = Organization
    repository = organization_repository
    Input, Patch, Query, Out = (
        OrganizationInput,
        OrganizationPatch,
        OrganizationQuery,
        OrganizationOut,
    )
    reload = False

    def snapshot(self, organization: Organization) -> dict[str, Any]:
        return {
            "name": organization.name,
            "description": organization.description,
            "industry": organization.industry,
            "metadata": organization.custom_fields,
        }

    async def _new(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """409 when the actor has an organization of that name already."""
        await self._name_is_free(session, actor, fields["name"])
        return await super()._new(session, actor, fields)

    async def _changes(
        self, session: AsyncSession, actor: Actor, record: Organization, fields: dict[str, Any]
    ) -> dict[str, Any]:
        changed = await super()._changes(session, actor, record, fields)
        if "name" in changed:
            await self._name_is_free(session, actor, changed["name"], record.id)
        return changed

    async def _deleting(
        self, session: AsyncSession, actor: Actor, record: Organization
    ) -> dict[str, int]:
        """Its contacts and projects stay, unlinked."""
        return {
            "contacts_unlinked": await contact_service.unlink_organization(
                session, actor, organization=record
            ),
            "projects_unlinked": await project_service.unlink_organization(
                session, actor, organization=record
            ),
        }

    async def _name_is_free(
        self, session: AsyncSession, actor: Actor, name: str, renamed: uuid.UUID | None = None
    ) -> None:
        other = await organization_repository.by_name(session, actor, name)
        if other is not None and other.id != renamed:
            raise Conflict(f"You already have an organization named {name!r}.")

    async def _flush(self, session: AsyncSession, record: Organization) -> None:
        # The unique index decides between two concurrent requests for the same name.
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError as exc:
            if UNIQUE_NAME in str(exc.orig):
                raise Conflict(f"You already have an organization named {record.name!r}.") from exc
            raise


organization = OrganizationService()

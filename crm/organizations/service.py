"""Organizations: each user's own, named uniquely (any case). Deleting one unlinks its contacts
and projects, which stay."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity.service import activity as activity_service
from crm.activity.service import diff
from crm.auth.actor import Actor
from crm.contacts.service import contact as contact_service
from crm.errors import Conflict, NotFound
from crm.kit.etags import require_version
from crm.kit.pagination import PageQuery, Slice, paginate
from crm.kit.records import Deleted
from crm.models import Activity, Organization
from crm.organizations.repository import SORTS, organization_repository
from crm.organizations.schemas import OrganizationInput, OrganizationPatch, OrganizationQuery
from crm.projects.service import project as project_service

NOT_FOUND = "No such organization."
UNIQUE_NAME = "uq_organization_owner_sort_name"


def snapshot(organization: Organization) -> dict[str, Any]:
    """The organization's fields as its responses show them, for the activity log."""
    return {
        "name": organization.name,
        "description": organization.description,
        "industry": organization.industry,
        "metadata": organization.custom_fields,
    }


class OrganizationService:
    async def list(
        self, session: AsyncSession, actor: Actor, *, query: OrganizationQuery
    ) -> Slice[Organization]:
        """The actor's organizations, filtered, searched and sorted, one page at a time."""
        statement = await organization_repository.listing(session, actor, query)
        return await paginate(
            session, statement, SORTS[query.sort], limit=query.limit, cursor=query.cursor
        )

    async def get(
        self, session: AsyncSession, actor: Actor, *, organization_id: uuid.UUID
    ) -> Organization:
        """One of the actor's organizations; 404 for any other."""
        organization = await organization_repository.get(session, actor, organization_id)
        if organization is None:
            raise NotFound(NOT_FOUND)
        return organization

    async def create(
        self, session: AsyncSession, actor: Actor, *, data: OrganizationInput
    ) -> Organization:
        """Add an organization; 409 when the actor has one of that name already."""
        await self._name_is_free(session, actor, data.name)
        now = datetime.now(UTC)
        organization = Organization(
            id=uuid.uuid4(),
            workspace_id=actor.workspace_id,
            owner_id=actor.user_id,
            version=1,
            created_at=now,
            updated_at=now,
            **self._columns(data.model_dump()),
        )
        session.add(organization)
        await self._flush(session, data.name)
        await self._log(session, actor, organization, "created", diff({}, snapshot(organization)))
        return organization

    async def replace(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        organization_id: uuid.UUID,
        data: OrganizationInput,
        if_match: frozenset[int] | None = None,
    ) -> Organization:
        """Replace every field (PUT); those left out become empty."""
        return await self._change(session, actor, organization_id, data.model_dump(), if_match)

    async def update(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        organization_id: uuid.UUID,
        changes: OrganizationPatch,
        if_match: frozenset[int] | None = None,
    ) -> Organization:
        """Change the given fields (PATCH); a change to nothing writes nothing."""
        return await self._change(session, actor, organization_id, changes.model_dump(), if_match)

    async def delete(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        organization_id: uuid.UUID,
        if_match: frozenset[int] | None = None,
    ) -> Deleted:
        """Delete an organization; its contacts and projects stay, unlinked."""
        organization = await self._lock(session, actor, organization_id, if_match)
        effects = {
            "contacts_unlinked": await contact_service.unlink_organization(
                session, actor, organization=organization
            ),
            "projects_unlinked": await project_service.unlink_organization(
                session, actor, organization=organization
            ),
        }
        before = snapshot(organization)
        await session.delete(organization)
        await session.flush()
        await self._log(session, actor, organization, "deleted", diff(before, {}), effects)
        return Deleted(entity_type="organization", id=organization_id, effects=effects)

    async def activity(
        self, session: AsyncSession, actor: Actor, *, organization_id: uuid.UUID, query: PageQuery
    ) -> Slice[Activity]:
        """The organization's changes, newest first."""
        await self.get(session, actor, organization_id=organization_id)
        return await activity_service.list(session, actor, entity_id=organization_id, query=query)

    async def _change(
        self,
        session: AsyncSession,
        actor: Actor,
        organization_id: uuid.UUID,
        fields: dict[str, Any],
        if_match: frozenset[int] | None,
    ) -> Organization:
        organization = await self._lock(session, actor, organization_id, if_match)
        columns = self._columns(fields)
        changed = {k: v for k, v in columns.items() if getattr(organization, k) != v}
        if not changed:
            return organization
        if "name" in changed:
            await self._name_is_free(session, actor, changed["name"], organization.id)
        before = snapshot(organization)
        for column, value in changed.items():
            setattr(organization, column, value)
        organization.version += 1
        organization.updated_at = datetime.now(UTC)
        await self._flush(session, organization.name)
        await self._log(
            session, actor, organization, "updated", diff(before, snapshot(organization))
        )
        return organization

    async def _lock(
        self,
        session: AsyncSession,
        actor: Actor,
        organization_id: uuid.UUID,
        if_match: frozenset[int] | None,
    ) -> Organization:
        organization = await organization_repository.get(
            session, actor, organization_id, for_update=True
        )
        if organization is None:
            raise NotFound(NOT_FOUND)
        require_version(organization.version, if_match)
        return organization

    async def _name_is_free(
        self, session: AsyncSession, actor: Actor, name: str, renamed: uuid.UUID | None = None
    ) -> None:
        other = await organization_repository.by_name(session, actor, name)
        if other is not None and other.id != renamed:
            raise Conflict(f"You already have an organization named {name!r}.")

    async def _flush(self, session: AsyncSession, name: str) -> None:
        # The unique index decides between two concurrent requests for the same name.
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError as exc:
            if UNIQUE_NAME in str(exc.orig):
                raise Conflict(f"You already have an organization named {name!r}.") from exc
            raise

    @staticmethod
    def _columns(fields: dict[str, Any]) -> dict[str, Any]:
        columns = {k: v for k, v in fields.items() if k != "metadata"}
        if "metadata" in fields:
            columns["custom_fields"] = fields["metadata"]
        return columns

    async def _log(
        self,
        session: AsyncSession,
        actor: Actor,
        organization: Organization,
        action: Any,
        changes: dict[str, Any],
        effects: dict[str, int] | None = None,
    ) -> None:
        await activity_service.record(
            session,
            actor,
            entity_type="organization",
            entity_id=organization.id,
            owner_id=organization.owner_id,
            action=action,
            changes=changes,
            effects=effects,
        )


organization = OrganizationService()

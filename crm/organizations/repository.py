"""Statements over organizations, each starting from those the actor may read: their own."""

from typing import Any

from sqlalchemy import Select, Uuid, any_, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.pagination import sort_keys
from crm.kit.search import find, name_page
from crm.models import Organization
from crm.organizations.schemas import OrganizationQuery
from crm.records.repository import RecordRepository

SORTS = sort_keys(
    Organization.id,
    name=Organization.sort_name,
    created_at=Organization.created_at,
    updated_at=Organization.updated_at,
)

# An organization as the API shows it (crm.organizations.schemas.OrganizationOut), as plain
# rows built once per process (the actor's ids bound by name): its pages skip the ORM.
_ROWS = select(
    Organization.id,
    Organization.name,
    Organization.description,
    Organization.industry,
    Organization.custom_fields.label("metadata"),
    Organization.version,
    Organization.created_at,
    Organization.updated_at,
).where(
    Organization.workspace_id == bindparam("workspace_id", type_=Uuid),
    Organization.owner_id == bindparam("user_id", type_=Uuid),
)


class OrganizationRepository(RecordRepository[Organization]):
    model = Organization
    sorts = SORTS
    rows = _ROWS

    def readable(self, actor: Actor) -> Select[tuple[Organization]]:
        return select(Organization).where(
            Organization.workspace_id == actor.workspace_id,
            Organization.owner_id == actor.user_id,
        )

    async def by_name(self, session: AsyncSession, actor: Actor, name: str) -> Organization | None:
        """The actor's organization of this name, whatever its case."""
        return await session.scalar(
            self.readable(actor).where(Organization.sort_name == func.lower(name))
        )

    async def listing(
        self,
        session: AsyncSession,
        actor: Actor,
        query: OrganizationQuery,
        statement: Select[Any] | None = None,
    ) -> Select[Any]:
        """`statement` (by default `readable`) filtered and searched as `query` asks."""
        statement = self.readable(actor) if statement is None else statement
        if query.q and query.sort == "name" and not query.industry:
            ids = await name_page(
                session, "organization", query.q, (),
                key=SORTS["name"], cursor=query.cursor, limit=query.limit,
            )  # fmt: skip
            if ids is not None:
                return statement.where(Organization.id == any_(literal(ids, ARRAY(Uuid))))
        if query.q:
            found = await find(session, "organization", query.q)
            statement = statement.where(found.condition(Organization.id, [Organization.name]))
        if query.industry:
            statement = statement.where(
                func.lower(Organization.industry) == query.industry.strip().lower()
            )
        return statement


organization_repository = OrganizationRepository()

"""Statements over contacts, each starting from the contacts the actor may read: their own."""

import re
import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Uuid, any_, cast, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from crm.auth.actor import Actor
from crm.contacts.schemas import ContactQuery
from crm.kit.pagination import sort_keys
from crm.kit.search import contains, matches
from crm.models import Contact, Organization

SORTS = sort_keys(
    Contact.id,
    name=func.lower(Contact.name, type_=String),
    created_at=Contact.created_at,
    updated_at=Contact.updated_at,
)


class ContactRepository:
    def readable(self, actor: Actor) -> Select[tuple[Contact]]:
        return (
            select(Contact)
            .where(Contact.workspace_id == actor.workspace_id, Contact.owner_id == actor.user_id)
            .options(joinedload(Contact.organization))
        )

    async def get(
        self,
        session: AsyncSession,
        actor: Actor,
        contact_id: uuid.UUID,
        *,
        for_update: bool = False,
    ) -> Contact | None:
        statement = self.readable(actor).where(Contact.id == contact_id)
        if for_update:
            statement = statement.with_for_update(of=Contact)
        return await session.scalar(statement.execution_options(populate_existing=True))

    def listing(self, actor: Actor, query: ContactQuery) -> Select[tuple[Contact]]:
        statement = self.readable(actor)
        if query.q:
            statement = statement.where(self.search(actor, query.q))
        if query.organization_id:
            statement = statement.where(Contact.organization_id == query.organization_id)
        if query.email:
            statement = statement.where(func.lower(Contact.email) == query.email.strip().lower())
        return statement

    def search(self, actor: Actor, q: str) -> ColumnElement[bool]:
        """Name, e-mail, phone or organization text contains `q` (or nearly), or the linked
        organization's current name does."""
        conditions: list[ColumnElement[Any]] = [matches(Contact.search_text, q)]
        digits = re.sub(r"\D", "", q)
        if len(digits) >= 3 and digits != q:
            # "+44 20 7946" finds the stored "+442079460958".
            conditions.append(contains(Contact.search_text, digits))
        # An array computed once (an InitPlan), so `= ANY` can use the organization_id index
        # inside the OR instead of a per-row subquery.
        organizations = cast(
            select(func.array_agg(Organization.id))
            .where(
                Organization.workspace_id == actor.workspace_id,
                Organization.owner_id == actor.user_id,
                matches(Organization.name, q),
            )
            .scalar_subquery(),
            ARRAY(Uuid),
        )
        conditions.append(Contact.organization_id == any_(organizations))
        return or_(*conditions)


contact_repository = ContactRepository()

"""Statements over contacts, each starting from the contacts the actor may read: their own."""

import re
import uuid

from sqlalchemy import ColumnElement, Select, any_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from crm.auth.actor import Actor
from crm.contacts.schemas import ContactQuery
from crm.kit.pagination import sort_keys
from crm.kit.search import search_ids
from crm.models import Contact

SORTS = sort_keys(
    Contact.id,
    name=Contact.sort_name,
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
            statement = statement.where(self.search(query.q))
        if query.organization_id:
            statement = statement.where(Contact.organization_id == query.organization_id)
        return statement

    def search(self, q: str) -> ColumnElement[bool]:
        """Name, e-mail, phone or organization text contains `q` (or nearly), or the linked
        organization's current name does."""
        digits = re.sub(r"\D", "", q)
        # "+44 20 7946" finds the stored "+442079460958".
        also = [digits] if len(digits) >= 3 and digits != q else []
        return or_(
            Contact.id == any_(search_ids("contact", q, also)),
            Contact.organization_id == any_(search_ids("organization", q)),
        )


contact_repository = ContactRepository()

"""Contacts: each user's own address book. Phones are stored as E.164 when they parse; the
organization typed on a contact is linked when it names one of the user's organizations."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity.service import activity as activity_service
from crm.activity.service import diff
from crm.auth.actor import Actor
from crm.contacts.repository import SORTS, contact_repository
from crm.contacts.schemas import ContactInput, ContactOut, ContactPatch, ContactQuery
from crm.errors import NotFound
from crm.kit.etags import require_version
from crm.kit.pagination import PageQuery, Slice, paginate
from crm.kit.records import Deleted
from crm.kit.schemas import Page
from crm.models import Activity, Contact, Organization
from crm.organizations.repository import organization_repository

NOT_FOUND = "No such contact."


def normalize_phone(text: str | None) -> str | None:
    """The number in E.164 when the text is a possible international number (+ and country
    code); otherwise the user's text as typed. Extensions cannot be written in E.164, so a
    number with one is kept as typed too."""
    if text is None:
        return None
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return text
    if number.extension or not phonenumbers.is_possible_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def readable_phone(stored: str) -> str:
    """A stored number as people read it: E.164 grouped the international way
    (+393337654321 → +39 333 765 4321); anything else as it was typed."""
    if not stored.startswith("+"):
        return stored
    try:
        number = phonenumbers.parse(stored, None)
    except phonenumbers.NumberParseException:
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def snapshot(contact: Contact) -> dict[str, Any]:
    """The contact's fields as its responses show them, for the activity log."""
    linked = contact.organization
    return {
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "job_position": contact.job_position,
        "organization": linked.name if linked else contact.organization_name,
        "organization_id": contact.organization_id,
        "metadata": contact.custom_fields,
    }


class ContactService:
    async def list(
        self, session: AsyncSession, actor: Actor, *, query: ContactQuery
    ) -> Slice[Contact]:
        """The actor's contacts, filtered, searched and sorted, one page at a time."""
        statement = await contact_repository.listing(session, actor, query)
        return await paginate(
            session, statement, SORTS[query.sort], limit=query.limit, cursor=query.cursor
        )

    async def page(
        self, session: AsyncSession, actor: Actor, *, query: ContactQuery
    ) -> Page[ContactOut]:
        """A page of `list` as the API shows it: read as rows, shaped once (the hot path)."""
        statement = await contact_repository.listing(
            session, actor, query, contact_repository.readable_rows(actor)
        )
        found = await paginate(
            session, statement, SORTS[query.sort], limit=query.limit, cursor=query.cursor, rows=True
        )
        return found.page(ContactOut.of_row)

    async def read(
        self, session: AsyncSession, actor: Actor, *, contact_id: uuid.UUID
    ) -> ContactOut:
        """`get` as the API shows it: one row, shaped once (the hot path)."""
        row = await contact_repository.get_row(session, actor, contact_id)
        if row is None:
            raise NotFound(NOT_FOUND)
        return ContactOut.of_row(row)

    async def get(self, session: AsyncSession, actor: Actor, *, contact_id: uuid.UUID) -> Contact:
        """One of the actor's contacts; 404 for any other."""
        contact = await contact_repository.get(session, actor, contact_id)
        if contact is None:
            raise NotFound(NOT_FOUND)
        return contact

    async def with_emails(
        self, session: AsyncSession, actor: Actor, *, emails: Iterable[str]
    ) -> Sequence[Contact]:
        """The actor's contacts whose e-mail is one of `emails` (case aside), in one query."""
        wanted = sorted({e.lower() for e in emails})
        if not wanted:
            return []
        statement = contact_repository.readable(actor).where(func.lower(Contact.email).in_(wanted))
        return (await session.scalars(statement.order_by(Contact.sort_name))).all()

    async def create(self, session: AsyncSession, actor: Actor, *, data: ContactInput) -> Contact:
        """Add a contact to the actor's address book."""
        now = datetime.now(UTC)
        contact = Contact(
            id=uuid.uuid4(),
            workspace_id=actor.workspace_id,
            owner_id=actor.user_id,
            version=1,
            created_at=now,
            updated_at=now,
            **await self._columns(session, actor, data.model_dump()),
        )
        session.add(contact)
        await session.flush()
        contact = await self.get(session, actor, contact_id=contact.id)
        await self._log(session, actor, contact, "created", diff({}, snapshot(contact)))
        return contact

    async def replace(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        contact_id: uuid.UUID,
        data: ContactInput,
        if_match: frozenset[int] | None = None,
    ) -> Contact:
        """Replace every field (PUT); those left out become empty."""
        return await self._change(session, actor, contact_id, data.model_dump(), if_match)

    async def update(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        contact_id: uuid.UUID,
        changes: ContactPatch,
        if_match: frozenset[int] | None = None,
    ) -> Contact:
        """Change the given fields (PATCH); a change to nothing writes nothing."""
        return await self._change(session, actor, contact_id, changes.model_dump(), if_match)

    async def delete(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        contact_id: uuid.UUID,
        if_match: frozenset[int] | None = None,
    ) -> Deleted:
        """Delete a contact."""
        contact = await self._lock(session, actor, contact_id, if_match)
        before = snapshot(contact)
        await session.delete(contact)
        await session.flush()
        await self._log(session, actor, contact, "deleted", diff(before, {}))
        return Deleted(entity_type="contact", id=contact_id, effects={})

    async def activity(
        self, session: AsyncSession, actor: Actor, *, contact_id: uuid.UUID, query: PageQuery
    ) -> Slice[Activity]:
        """The contact's changes, newest first."""
        await self.get(session, actor, contact_id=contact_id)
        return await activity_service.list(session, actor, entity_id=contact_id, query=query)

    async def unlink_organization(
        self, session: AsyncSession, actor: Actor, *, organization: Organization
    ) -> int:
        """Unlink an organization's contacts (they keep its name as text); answers how many."""
        unlinked = await session.execute(
            update(Contact)
            .where(
                Contact.workspace_id == actor.workspace_id,
                Contact.owner_id == actor.user_id,
                Contact.organization_id == organization.id,
            )
            .values(
                organization_id=None,
                organization_name=organization.name,
                version=Contact.version + 1,
                updated_at=datetime.now(UTC),
            )
            .returning(Contact.id)
            .execution_options(synchronize_session=False)
        )
        ids = list(unlinked.scalars())
        await activity_service.record_each(
            session,
            actor,
            entity_type="contact",
            entity_ids=ids,
            owner_id=actor.user_id,
            action="updated",
            changes={"organization_id": {"from": str(organization.id), "to": None}},
        )
        return len(ids)

    async def _change(
        self,
        session: AsyncSession,
        actor: Actor,
        contact_id: uuid.UUID,
        fields: dict[str, Any],
        if_match: frozenset[int] | None,
    ) -> Contact:
        contact = await self._lock(session, actor, contact_id, if_match)
        columns = await self._columns(session, actor, fields)
        changed = {k: v for k, v in columns.items() if getattr(contact, k) != v}
        if not changed:
            return contact
        before = snapshot(contact)
        for column, value in changed.items():
            setattr(contact, column, value)
        contact.version += 1
        contact.updated_at = datetime.now(UTC)
        await session.flush()
        contact = await self.get(session, actor, contact_id=contact_id)
        await self._log(session, actor, contact, "updated", diff(before, snapshot(contact)))
        return contact

    async def _lock(
        self,
        session: AsyncSession,
        actor: Actor,
        contact_id: uuid.UUID,
        if_match: frozenset[int] | None,
    ) -> Contact:
        # The row lock makes the version check and the write one step for concurrent writers.
        contact = await contact_repository.get(session, actor, contact_id, for_update=True)
        if contact is None:
            raise NotFound(NOT_FOUND)
        require_version(contact.version, if_match)
        return contact

    async def _columns(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """The column values for the given input fields."""
        columns = {k: v for k, v in fields.items() if k not in ("metadata", "organization")}
        if "metadata" in fields:
            columns["custom_fields"] = fields["metadata"]
        if "phone" in fields:
            columns["phone"] = normalize_phone(fields["phone"])
        if "organization" in fields:
            name = fields["organization"]
            found = await organization_repository.by_name(session, actor, name) if name else None
            columns["organization_id"] = found.id if found else None
            columns["organization_name"] = None if found else name
        return columns

    async def _log(
        self,
        session: AsyncSession,
        actor: Actor,
        contact: Contact,
        action: Any,
        changes: dict[str, Any],
    ) -> None:
        await activity_service.record(
            session,
            actor,
            entity_type="contact",
            entity_id=contact.id,
            owner_id=contact.owner_id,
            action=action,
            changes=changes,
        )


contact = ContactService()

"""Contacts: each user's own address book. Phones are stored as E.164 when they parse; the
organization typed on a contact is linked when it names one of the user's organizations."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.contacts.repository import contact_repository
from crm.contacts.schemas import ContactInput, ContactOut, ContactPatch, ContactQuery
from crm.errors import NotFound
from crm.models import Contact, Organization
from crm.organizations.repository import organization_repository
from crm.records.service import RecordService


def normalize_phone(text: str | None) -> str | None:
    """The number in E.164 when the text is a possible international number (+ and country
    code); otherwise the user's text as typed. Extensions cannot be written in E.164, so a
    number with one is kept as typed too."""
    if text is None:
        return None
    import phonenumbers  # 13 ms of the app's import, for the first number saved or shown

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
    import phonenumbers

    try:
        number = phonenumbers.parse(stored, None)
    except phonenumbers.NumberParseException:
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class ContactService(RecordService[Contact]):
    name = "contact"
    model = Contact
    repository = contact_repository
    Input, Patch, Query, Out = ContactInput, ContactPatch, ContactQuery, ContactOut

    async def read(
        self, session: AsyncSession, actor: Actor, *, contact_id: uuid.UUID
    ) -> ContactOut:
        """`get` as the API shows it: one row, shaped once (the hot path)."""
        row = await contact_repository.get_row(session, actor, contact_id)
        if row is None:
            raise NotFound(self.not_found)
        return ContactOut.of_row(row)

    async def with_emails(
        self, session: AsyncSession, actor: Actor, *, emails: Iterable[str]
    ) -> Sequence[Contact]:
        """The actor's contacts whose e-mail is one of `emails` (case aside), in one query."""
        wanted = sorted({e.lower() for e in emails})
        if not wanted:
            return []
        statement = contact_repository.readable(actor).where(func.lower(Contact.email).in_(wanted))
        return (await session.scalars(statement.order_by(Contact.sort_name))).all()

    async def unlink_organization(
        self, session: AsyncSession, actor: Actor, *, organization: Organization
    ) -> int:
        """Unlink an organization's contacts (they keep its name as text); answers how many."""
        ids = await self._unlink(session, actor, organization, organization_name=organization.name)
        return len(ids)

    def snapshot(self, contact: Contact) -> dict[str, Any]:
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

    async def _columns(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """The column values for the given input fields."""
        columns = await super()._columns(
            session, actor, {k: v for k, v in fields.items() if k != "organization"}
        )
        if "phone" in fields:
            columns["phone"] = normalize_phone(fields["phone"])
        if "organization" in fields:
            name = fields["organization"]
            found = await organization_repository.by_name(session, actor, name) if name else None
            columns["organization_id"] = found.id if found else None
            columns["organization_name"] = None if found else name
        return columns


contact = ContactService()

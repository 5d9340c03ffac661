import uuid
from typing import Annotated, Any, Literal

from pydantic import MISSING, Field

from crm.kit.pagination import PageQuery
from crm.kit.records import (
    Metadata,
    OptionalEmail,
    OptionalText,
    Phone,
    RecordOut,
    SearchText,
)
from crm.kit.schemas import Input, Name
from crm.models import Contact

ContactSort = Literal["name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"]


class ContactInput(Input):
    """A contact as POST creates it and PUT replaces it (fields left out become empty)."""

    name: Name
    email: OptionalEmail = None
    phone: Annotated[Phone, Field(description="Stored as E.164 when it parses as a number")] = None
    job_position: OptionalText = None
    organization: Annotated[
        OptionalText,
        Field(description="An organization's name; linked when it is one of yours"),
    ] = None
    metadata: Metadata = Field(default_factory=dict)


class ContactPatch(Input):
    """The fields PATCH changes; those left out stay as they are."""

    name: Name | MISSING = MISSING
    email: OptionalEmail | MISSING = MISSING
    phone: Phone | MISSING = MISSING
    job_position: OptionalText | MISSING = MISSING
    organization: OptionalText | MISSING = MISSING
    metadata: Metadata | MISSING = MISSING


class ContactQuery(PageQuery):
    q: Annotated[
        SearchText | None, Field(description="Search name, e-mail, phone and organization")
    ] = None
    sort: ContactSort = "name"
    organization_id: uuid.UUID | None = None


class ContactSearch(ContactQuery):
    """A search: `q` is required."""

    q: SearchText


class ContactOut(RecordOut):
    name: str
    email: str | None
    phone: str | None
    job_position: str | None
    organization: str | None
    organization_id: uuid.UUID | None

    @classmethod
    def of_row(cls, row: Any) -> "ContactOut":
        """From a row of crm.contacts.repository.OUT_COLUMNS, validated by pydantic-core."""
        return cls.model_validate(row, from_attributes=True)

    @classmethod
    def of(cls, contact: Contact) -> "ContactOut":
        linked = contact.organization
        return cls(
            id=contact.id,
            name=contact.name,
            email=contact.email,
            phone=contact.phone,
            job_position=contact.job_position,
            organization=linked.name if linked else contact.organization_name,
            organization_id=contact.organization_id,
            metadata=contact.custom_fields,
            version=contact.version,
            created_at=contact.created_at,
            updated_at=contact.updated_at,
        )

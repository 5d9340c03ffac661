from typing import Annotated, Literal

from pydantic import MISSING, Field

from crm.kit.pagination import PageQuery
from crm.kit.records import LongText, Metadata, OptionalText, RecordOut, SearchText
from crm.kit.schemas import Input, Name
from crm.models import Organization

OrganizationSort = Literal[
    "name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"
]


class OrganizationInput(Input):
    """An organization as POST creates it and PUT replaces it. Names are unique per user,
    whatever their case."""

    name: Name
    description: LongText = None
    industry: OptionalText = None
    metadata: Metadata = Field(default_factory=dict)


class OrganizationPatch(Input):
    """The fields PATCH changes; those left out stay as they are."""

    name: Name | MISSING = MISSING
    description: LongText | MISSING = MISSING
    industry: OptionalText | MISSING = MISSING
    metadata: Metadata | MISSING = MISSING


class OrganizationQuery(PageQuery):
    q: Annotated[SearchText | None, Field(description="Search the name")] = None
    sort: OrganizationSort = "name"
    industry: Annotated[str | None, Field(max_length=200, description="Exact, any case")] = None


class OrganizationSearch(OrganizationQuery):
    """A search: `q` is required."""

    q: SearchText


class OrganizationOut(RecordOut):
    name: str
    description: str | None
    industry: str | None

    @classmethod
    def of(cls, organization: Organization) -> "OrganizationOut":
        return cls(
            id=organization.id,
            name=organization.name,
            description=organization.description,
            industry=organization.industry,
            metadata=organization.custom_fields,
            version=organization.version,
            created_at=organization.created_at,
            updated_at=organization.updated_at,
        )

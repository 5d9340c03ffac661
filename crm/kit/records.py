"""What every record's schemas share: custom fields, dates, texts, the common output fields, and
the `{id, name}` reference to a related record."""

import json
import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, EmailStr, Field, JsonValue, StringConstraints

from crm.kit.schemas import Output

METADATA_MAX_BYTES = 16 * 1024
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _within_size(value: dict[str, Any]) -> dict[str, Any]:
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > METADATA_MAX_BYTES:
        raise ValueError(f"is {size} bytes as JSON; the limit is {METADATA_MAX_BYTES}")
    return value


def _iso_day(value: Any) -> Any:
    # Only YYYY-MM-DD: pydantic alone would also take datetimes and Unix timestamps.
    if isinstance(value, str) and not _DAY.match(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    if isinstance(value, datetime) or not isinstance(value, str | date):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# The user's own custom fields: a JSON object, at most 16 KB serialized.
Metadata = Annotated[dict[str, JsonValue], AfterValidator(_within_size)]
Day = Annotated[date, BeforeValidator(_iso_day)]
# Optional texts: an empty string clears the field (as web forms send it).
OptionalText = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None,
    BeforeValidator(_blank_is_none),
]
LongText = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)] | None,
    BeforeValidator(_blank_is_none),
]
OptionalEmail = Annotated[
    Annotated[EmailStr, Field(max_length=254)] | None, BeforeValidator(_blank_is_none)
]
Phone = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None,
    BeforeValidator(_blank_is_none),
]
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Ref(Output):
    """A related record as a response shows it."""

    id: uuid.UUID
    name: str


class RecordOut(Output):
    id: uuid.UUID
    metadata: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


class Deleted(Output):
    """What a delete did: the record, and the changes it caused elsewhere (counts)."""

    entity_type: str
    id: uuid.UUID
    effects: dict[str, int]

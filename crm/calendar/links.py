"""The records an event or a reminder may link to: the actor's own contacts and
organizations, and the projects and tasks they see. Anything else is a 422 on its field."""

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.errors import Invalid, NotFound
from crm.records.kinds import KINDS

RECORD_LINKS = tuple(kind.key for kind in KINDS.linkable)


async def check_links(session: AsyncSession, actor: Actor, fields: Mapping[str, Any]) -> None:
    """Each link given names a record the actor may see; else 422 on that field."""
    for kind in KINDS.linkable:
        value: uuid.UUID | None = fields.get(kind.key)
        if value is None:
            continue
        try:
            await kind.service.get(session, actor, **{kind.key: value})
        except NotFound as exc:
            raise Invalid(kind.key, f"is not a {kind.name} of yours") from exc


def instant(value: datetime | date, tz: ZoneInfo) -> datetime:
    """A moment in UTC: a date is midnight in `tz`, a date-time without offset is read in it."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)

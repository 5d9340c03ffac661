"""The records an event or a reminder may link to: the actor's own contacts and
organizations, and the projects and tasks they see. Anything else is a 422 on its field."""

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.contacts.service import contact as contact_service
from crm.errors import Invalid, NotFound
from crm.models import UserAccount
from crm.organizations.service import organization as organization_service
from crm.projects.service import project as project_service
from crm.tasks.service import task as task_service

RECORD_LINKS = ("contact_id", "organization_id", "project_id", "task_id")


async def check_links(session: AsyncSession, actor: Actor, fields: Mapping[str, Any]) -> None:
    """Each link given names a record the actor may see; else 422 on that field."""
    lookups = {
        "contact_id": lambda i: contact_service.get(session, actor, contact_id=i),
        "organization_id": lambda i: organization_service.get(session, actor, organization_id=i),
        "project_id": lambda i: project_service.get(session, actor, project_id=i),
        "task_id": lambda i: task_service.get(session, actor, task_id=i),
    }
    for field, lookup in lookups.items():
        value: uuid.UUID | None = fields.get(field)
        if value is None:
            continue
        try:
            await lookup(value)
        except NotFound as exc:
            kind = field.removesuffix("_id")
            raise Invalid(field, f"is not a {kind} of yours") from exc


async def user_zone(session: AsyncSession, actor: Actor) -> ZoneInfo:
    """The actor's time zone (their profile's)."""
    name = await session.scalar(
        select(UserAccount.time_zone).where(UserAccount.id == actor.user_id)
    )
    return ZoneInfo(name or "UTC")


def instant(value: datetime | date, tz: ZoneInfo) -> datetime:
    """A moment in UTC: a date is midnight in `tz`, a date-time without offset is read in it."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)

"""Statements over events, each starting from those the actor may read: their own."""

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.models import CalendarEvent, CalendarSource, CalendarSyncItem
from crm.records.repository import RecordRepository


class EventRow(NamedTuple):
    """What an occurrence shows of its event: a plain tuple, not an ORM object or a
    SQLAlchemy Row (a month view reads hundreds, and reading a Row's attribute costs ten
    times a tuple's)."""

    id: uuid.UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    time_zone: str
    location: str | None
    meeting_url: str | None
    organizer: str | None
    response: str | None
    rrule: str | None
    exdates: list[datetime]
    overrides: list[dict[str, Any]]
    attendees: list[str]
    contact_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    project_id: uuid.UUID | None
    task_id: uuid.UUID | None


SHOWN = tuple(getattr(CalendarEvent, name) for name in EventRow._fields)


NO_OVERRIDES = literal([], JSONB)


class EventRepository(RecordRepository[CalendarEvent]):
    model = CalendarEvent

    def readable(self, actor: Actor) -> Select[tuple[CalendarEvent]]:
        return select(CalendarEvent).where(
            CalendarEvent.workspace_id == actor.workspace_id,
            CalendarEvent.owner_id == actor.user_id,
        )

    async def overlapping(
        self, session: AsyncSession, actor: Actor, start: datetime, end: datetime
    ) -> list[EventRow]:
        """The events that can have an occurrence in [start, end): begun before its end (or
        with an occurrence changed alone, which may have moved before the series' start) and
        not over before its start (or repeating forever)."""
        statement = (
            select(*SHOWN)
            .where(
                CalendarEvent.workspace_id == actor.workspace_id,
                CalendarEvent.owner_id == actor.user_id,
                or_(CalendarEvent.starts_at < end, CalendarEvent.overrides != NO_OVERRIDES),
                or_(CalendarEvent.last_ends_at.is_(None), CalendarEvent.last_ends_at >= start),
            )
            .order_by(CalendarEvent.starts_at, CalendarEvent.id)
        )
        # Through the session's connection: plain columns need none of the ORM's loading.
        connection = await session.connection()
        return [EventRow._make(row) for row in await connection.execute(statement)]

    async def sources(
        self, session: AsyncSession, actor: Actor, event_ids: set[uuid.UUID]
    ) -> dict[uuid.UUID, str]:
        """Where each of these events came from (caldav, ms365, google), for those that came
        from a synced calendar (the others were made in the CRM)."""
        if not event_ids:
            return {}
        statement = (
            select(CalendarSyncItem.event_id, CalendarSource.source)
            .outerjoin(CalendarSource, CalendarSource.id == CalendarSyncItem.source_id)
            .where(
                CalendarSyncItem.workspace_id == actor.workspace_id,
                CalendarSyncItem.user_id == actor.user_id,
                CalendarSyncItem.pulled,
                CalendarSyncItem.event_id.in_(event_ids),
            )
        )
        rows = await session.execute(statement)
        return {event_id: source or "caldav" for event_id, source in rows}


event_repository = EventRepository()

"""Statements over events, each starting from those the actor may read: their own."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.models import CalendarEvent

# What an occurrence shows: plain rows, not ORM objects (thousands of them per month view).
SHOWN = (
    CalendarEvent.id,
    CalendarEvent.title,
    CalendarEvent.starts_at,
    CalendarEvent.ends_at,
    CalendarEvent.all_day,
    CalendarEvent.time_zone,
    CalendarEvent.location,
    CalendarEvent.rrule,
    CalendarEvent.exdates,
    CalendarEvent.overrides,
    CalendarEvent.attendees,
    CalendarEvent.contact_id,
    CalendarEvent.organization_id,
    CalendarEvent.project_id,
    CalendarEvent.task_id,
)


NO_OVERRIDES = literal([], JSONB)


class EventRepository:
    def readable(self, actor: Actor) -> Select[tuple[CalendarEvent]]:
        return select(CalendarEvent).where(
            CalendarEvent.workspace_id == actor.workspace_id,
            CalendarEvent.owner_id == actor.user_id,
        )

    async def get(
        self,
        session: AsyncSession,
        actor: Actor,
        event_id: uuid.UUID,
        *,
        for_update: bool = False,
    ) -> CalendarEvent | None:
        statement = self.readable(actor).where(CalendarEvent.id == event_id)
        if for_update:
            statement = statement.with_for_update()
        return await session.scalar(statement.execution_options(populate_existing=True))

    def overlapping(self, actor: Actor, start: datetime, end: datetime) -> Select[Any]:
        """The events that can have an occurrence in [start, end): begun before its end (or
        with an occurrence changed alone, which may have moved before the series' start) and
        not over before its start (or repeating forever)."""
        return (
            select(*SHOWN)
            .where(
                CalendarEvent.workspace_id == actor.workspace_id,
                CalendarEvent.owner_id == actor.user_id,
                or_(CalendarEvent.starts_at < end, CalendarEvent.overrides != NO_OVERRIDES),
                or_(CalendarEvent.last_ends_at.is_(None), CalendarEvent.last_ends_at >= start),
            )
            .order_by(CalendarEvent.starts_at, CalendarEvent.id)
        )


event_repository = EventRepository()

"""Statements over events, each starting from those the actor may read: their own."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
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
    CalendarEvent.contact_id,
    CalendarEvent.organization_id,
    CalendarEvent.project_id,
    CalendarEvent.task_id,
)


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
        """The events that can have an occurrence in [start, end): begun before its end and
        not over before its start (or repeating forever)."""
        return (
            select(*SHOWN)
            .where(
                CalendarEvent.workspace_id == actor.workspace_id,
                CalendarEvent.owner_id == actor.user_id,
                CalendarEvent.starts_at < end,
                or_(CalendarEvent.last_ends_at.is_(None), CalendarEvent.last_ends_at >= start),
            )
            .order_by(CalendarEvent.starts_at, CalendarEvent.id)
        )


event_repository = EventRepository()

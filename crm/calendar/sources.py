"""Which calendars of a connected Microsoft 365 or Google account the CRM shows, and which one
receives the events made in the CRM (Settings → Integrations, `/api/v1/calendar/sources`). The
account's default calendar is shown and receives from the first sync (crm/calendar/sync.py);
the user adds others, moves the receiving one, or stops showing one."""

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.calendar.remote import RemoteCalendar, RemoteError
from crm.calendar.service import event as event_service
from crm.config import Settings
from crm.errors import Invalid, NotFound
from crm.integrations.calendars import CALENDARS
from crm.integrations.service import integration as integration_service
from crm.kit.crypto import SecretBox
from crm.models import CalendarEvent, CalendarSource, CalendarSyncItem, IntegrationConnection

NO_SOURCE = "No such calendar among those you show."


class SourceService:
    async def shown(self, session: AsyncSession, actor: Actor) -> list[CalendarSource]:
        """The integrations' calendars the actor shows, oldest first."""
        return list(
            await session.scalars(
                select(CalendarSource)
                .where(
                    CalendarSource.workspace_id == actor.workspace_id,
                    CalendarSource.user_id == actor.user_id,
                )
                .order_by(CalendarSource.created_at)
            )
        )

    async def available(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        service: str,
        settings: Settings,
        box: SecretBox,
    ) -> list[RemoteCalendar]:
        """The calendars of the connected account that the CRM can show (asked now)."""
        if service not in CALENDARS:
            raise Invalid("service", f"{service!r} has no calendar the CRM syncs")
        token = await integration_service.access_token(
            session, actor, service=service, settings=settings, box=box
        )
        from crm.integrations.http import new_http_client  # httpx, at the first call out

        async with new_http_client() as http:
            try:
                return await CALENDARS[service](http, settings, token).calendars()
            except RemoteError as exc:
                raise Invalid("service", str(exc)) from exc

    async def add(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        service: str,
        calendar_url: str,
        settings: Settings,
        box: SecretBox,
    ) -> CalendarSource:
        """Show another calendar of the account (it receives nothing until chosen to)."""
        calendars = await self.available(
            session, actor, service=service, settings=settings, box=box
        )
        chosen = next((c for c in calendars if c.url == calendar_url), None)
        if chosen is None:
            raise Invalid("calendar_url", "is not one of this account's calendars")
        row = await session.scalar(
            select(IntegrationConnection).where(
                IntegrationConnection.workspace_id == actor.workspace_id,
                IntegrationConnection.user_id == actor.user_id,
                IntegrationConnection.service == service,
            )
        )
        assert row is not None  # access_token above answered for it
        existing = await session.scalar(
            select(CalendarSource).where(
                CalendarSource.integration_id == row.id, CalendarSource.calendar_url == chosen.url
            )
        )
        if existing is not None:
            return existing
        # The first calendar chosen is the one that receives (no sync has chosen the default).
        first = not await session.scalar(
            select(CalendarSource.id).where(CalendarSource.integration_id == row.id).limit(1)
        )
        source = CalendarSource(
            workspace_id=actor.workspace_id,
            user_id=actor.user_id,
            integration_id=row.id,
            source=service,
            calendar_url=chosen.url,
            calendar_name=chosen.name,
            receives=first,
        )
        session.add(source)
        await session.flush()
        return source

    async def receive_in(
        self, session: AsyncSession, actor: Actor, *, source_id: uuid.UUID
    ) -> CalendarSource:
        """Make this calendar the one of its account that receives the CRM's new events."""
        source = await self._get(session, actor, source_id)
        for other in await self.shown(session, actor):
            if other.integration_id == source.integration_id:
                other.receives = other.id == source.id
        await session.flush()
        return source

    async def remove(self, session: AsyncSession, actor: Actor, *, source_id: uuid.UUID) -> None:
        """Stop showing a calendar: the events that came from it leave the CRM (they stay in
        the calendar); those the CRM wrote there stay here. When it was the one receiving, the
        account's oldest calendar left receives."""
        source = await self._get(session, actor, source_id)
        came = await session.scalars(
            select(CalendarSyncItem.event_id).where(
                CalendarSyncItem.source_id == source.id,
                CalendarSyncItem.pulled,
                CalendarSyncItem.event_id.is_not(None),
            )
        )
        event_ids = list(came)
        await session.execute(
            delete(CalendarSyncItem).where(CalendarSyncItem.source_id == source.id)
        )
        for event_id in event_ids:
            if await session.get(CalendarEvent, event_id) is not None:
                await event_service.delete(session, actor, event_id=event_id, from_calendar=True)
        await session.delete(source)
        await session.flush()
        if source.receives:  # the account's oldest calendar left receives instead
            left = [
                s
                for s in await self.shown(session, actor)
                if s.integration_id == source.integration_id
            ]
            if left:
                left[0].receives = True
                await session.flush()

    async def _get(
        self, session: AsyncSession, actor: Actor, source_id: uuid.UUID
    ) -> CalendarSource:
        source = await session.scalar(
            select(CalendarSource).where(
                CalendarSource.id == source_id,
                CalendarSource.workspace_id == actor.workspace_id,
                CalendarSource.user_id == actor.user_id,
            )
        )
        if source is None:
            raise NotFound(NO_SOURCE)
        return source


sources = SourceService()

"""Two-way sync of a user's events with the calendar of their CalDAV connection.

A sync pulls what changed on the server since the last one (by sync token, else by ETags),
then pushes what changed here (by each event's version against the version last synced).
Conflicts are settled by three rules (docs/calendar.md):
1. Changed on one side only: that side's change applies, an edit or a deletion.
2. Edited on both sides: the later modification wins (the server's LAST-MODIFIED, else its
   DTSTAMP, against the event's updated_at); a tie goes to the server.
3. Edited on one side, deleted on the other: the edit wins; the event comes back where it was
   deleted.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.calendar import ics
from crm.calendar.connection import connection as connection_service
from crm.calendar.ics import Skipped
from crm.calendar.imports import by_uid, reason, save
from crm.calendar.links import user_zone
from crm.calendar.remote import CalendarServer, RemoteConflict, RemoteError, RemoteObject
from crm.calendar.service import event as event_service
from crm.errors import CRMError, Invalid
from crm.kit.crypto import SecretBox
from crm.kit.metrics import SYNC_RUNS
from crm.models import CalendarConnection, CalendarEvent, CalendarSyncItem


class SyncFailed(CRMError):
    status, title = 502, "The calendar server failed"
    keeps_changes = True


@dataclass
class SyncReport:
    pulled_created: int = 0
    pulled_updated: int = 0
    pulled_deleted: int = 0
    pushed_created: int = 0
    pushed_updated: int = 0
    pushed_deleted: int = 0
    conflicts: int = 0
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class Run:
    """One sync in progress: who, with which server, what is known of each side."""

    session: AsyncSession
    actor: Actor
    connection: CalendarConnection
    server: CalendarServer
    zone: str
    items: dict[str, CalendarSyncItem]  # by href
    report: SyncReport = field(default_factory=SyncReport)


class SyncService:
    async def sync(self, session: AsyncSession, actor: Actor, *, box: SecretBox) -> SyncReport:
        """Sync the actor's events with their connected calendar, both ways, now."""
        connection = await connection_service.require(session, actor, for_update=True)
        if connection.calendar_url is None:
            raise Invalid("calendar_url", "choose which calendar of the account to sync first")
        run = Run(
            session,
            actor,
            connection,
            connection_service.server(connection, box),
            (await user_zone(session, actor)).key,
            await self._items(session, connection),
        )
        try:
            token = await self._pull(run)
            await self._push(run)
        except RemoteError as exc:
            # What was done so far is kept (each side's record of it is consistent), and the
            # error shows in settings; the next sync carries on from the previous token.
            connection.last_error = str(exc)
            await session.flush()
            SYNC_RUNS.labels("caldav", "failed").inc()
            raise SyncFailed(f"The calendar server failed: {exc}") from exc
        connection.sync_token = token
        connection.last_synced_at = datetime.now(UTC)
        connection.last_error = None
        await session.flush()
        SYNC_RUNS.labels("caldav", "ok").inc()
        return run.report

    async def _items(
        self, session: AsyncSession, connection: CalendarConnection
    ) -> dict[str, CalendarSyncItem]:
        rows = await session.scalars(
            select(CalendarSyncItem).where(CalendarSyncItem.connection_id == connection.id)
        )
        return {item.href: item for item in rows}

    # Pull ----------------------------------------------------------------------------------
    async def _pull(self, run: Run) -> str | None:
        known = {href: item.etag for href, item in run.items.items()}
        assert run.connection.calendar_url is not None
        changes = await run.server.changes(
            run.connection.calendar_url, sync_token=run.connection.sync_token, known=known
        )
        for obj in changes.changed:
            await self._pull_object(run, obj)
        for href in changes.deleted:
            await self._pull_deletion(run, href)
        return changes.sync_token

    async def _pull_object(self, run: Run, obj: RemoteObject) -> None:
        try:
            parsed = ics.parse(obj.ics, default_zone=run.zone).events
        except ics.UnreadableCalendar as exc:
            run.report.skipped.append(Skipped(obj.href, "", str(exc)))
            return
        if len(parsed) != 1:
            return  # a to-do or a journal entry, not an event (a mixed calendar is no error)
        remote = parsed[0]
        item = run.items.get(obj.href)
        event = await self._local(run, item, remote.uid)
        if event is not None and self._changed_here(item, event):
            run.report.conflicts += item is not None
            if not _remote_wins(remote, event):
                # Rule 2, ours is later: keep it; the push writes it over this version.
                self._remember(run, obj, event, version=item.synced_version if item else 0)
                return
        try:
            saved, changed = await save(run.session, run.actor, remote, event.id if event else None)
        except (ValidationError, CRMError) as exc:
            run.report.skipped.append(Skipped(remote.uid, remote.title, reason(exc)))
            return
        if event is None:
            run.report.pulled_created += 1
        elif changed:
            run.report.pulled_updated += 1
        self._remember(run, obj, saved, version=saved.version)

    async def _local(
        self, run: Run, item: CalendarSyncItem | None, uid: str
    ) -> CalendarEvent | None:
        """The local event of a remote object: the one it is linked to, or (first contact)
        the one with its UID."""
        if item is None:
            return await by_uid(run.session, run.actor, uid)
        if item.event_id is None:
            return None  # deleted here; rule 3: the remote edit brings it back
        return await run.session.get(CalendarEvent, item.event_id)

    @staticmethod
    def _changed_here(item: CalendarSyncItem | None, event: CalendarEvent) -> bool:
        # An event never synced but already here (same UID, say imported) counts as changed.
        return item is None or event.version != item.synced_version

    def _remember(self, run: Run, obj: RemoteObject, event: CalendarEvent, *, version: int) -> None:
        item = run.items.get(obj.href)
        if item is None:
            item = CalendarSyncItem(
                workspace_id=run.actor.workspace_id,
                user_id=run.actor.user_id,
                connection_id=run.connection.id,
                href=obj.href,
            )
            run.session.add(item)
            run.items[obj.href] = item
        item.event_id, item.etag, item.remote_ics = event.id, obj.etag, obj.ics
        item.synced_version = version

    async def _pull_deletion(self, run: Run, href: str) -> None:
        item = run.items.pop(href, None)
        if item is None:
            return
        event = await run.session.get(CalendarEvent, item.event_id) if item.event_id else None
        await run.session.delete(item)
        await run.session.flush()
        if event is None:
            return
        if event.version != item.synced_version:
            run.report.conflicts += 1  # rule 3: edited here, so the push creates it anew
            return
        await event_service.delete(run.session, run.actor, event_id=event.id)
        run.report.pulled_deleted += 1

    # Push ----------------------------------------------------------------------------------
    async def _push(self, run: Run) -> None:
        by_event = {i.event_id: i for i in run.items.values() if i.event_id is not None}
        for event in await event_service.every(run.session, run.actor):
            item = by_event.get(event.id)
            if item is None:
                await self._push_new(run, event)
            elif event.version != item.synced_version:
                await self._push_change(run, event, item)
        for href, item in list(run.items.items()):
            if item.event_id is None:
                await self._push_deletion(run, href, item)
        await run.session.flush()

    async def _push_new(self, run: Run, event: CalendarEvent) -> None:
        href = f"{run.connection.calendar_url}{event.id}.ics"
        text = ics.object_text(event).decode()
        try:
            etag = await run.server.put(href, text, etag=None)
        except RemoteConflict:
            run.report.conflicts += 1  # an object is there already: the next pull reads it
            return
        self._remember(run, RemoteObject(href, etag, text), event, version=event.version)
        run.report.pushed_created += 1

    async def _push_change(self, run: Run, event: CalendarEvent, item: CalendarSyncItem) -> None:
        text = ics.object_text(event, previous=item.remote_ics).decode()
        try:
            etag = await run.server.put(item.href, text, etag=item.etag)
        except RemoteConflict:
            run.report.conflicts += 1  # changed there meanwhile: the next sync settles it
            return
        self._remember(run, RemoteObject(item.href, etag, text), event, version=event.version)
        run.report.pushed_updated += 1

    async def _push_deletion(self, run: Run, href: str, item: CalendarSyncItem) -> None:
        try:
            await run.server.delete(href, etag=item.etag)
        except RemoteConflict:
            # Rule 3: edited there since; the next pull finds it unknown and brings it back.
            run.report.conflicts += 1
        else:
            run.report.pushed_deleted += 1
        del run.items[href]
        await run.session.delete(item)


def _remote_wins(remote: ics.ParsedEvent, event: CalendarEvent) -> bool:
    if remote.last_modified is None:
        return True
    return remote.last_modified >= event.updated_at.replace(microsecond=0)


sync = SyncService()

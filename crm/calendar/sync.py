"""Two-way sync of a user's events with their connected calendars: a CalDAV calendar, and the
calendars of their Microsoft 365 and Google accounts. One engine for all, over the
`CalendarServer` Protocol (crm/calendar/remote.py); each server reads and writes its own format.

A sync pulls what changed on the server since the last one (by sync token, delta link, else by
versions), then pushes what changed here (by each event's version against the version last
synced). Conflicts are settled by three rules (docs/calendar.md):
1. Changed on one side only: that side's change applies, an edit or a deletion.
2. Edited on both sides: the later modification wins (the server's last-modified time against
   the event's updated_at); a tie goes to the server.
3. Edited on one side, deleted on the other: the edit wins; the event comes back where it was
   deleted.
A run that would delete more than MAX_DELETIONS events, or a quarter of a calendar, deletes
nothing: it holds them for the user to confirm in Settings (`allow_deletions`).
Every run is recorded (CalendarSyncRun): its counts, and in words what it skipped or settled.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.service import user_zone
from crm.auth.tokens import hash_token
from crm.calendar.connection import connection as connection_service
from crm.calendar.imports import by_uid, reason, save
from crm.calendar.parsed import ParsedEvent, Skipped, UnreadableCalendar
from crm.calendar.remote import (
    CalendarServer,
    RemoteConflict,
    RemoteError,
    RemoteObject,
    Unwritable,
    Watch,
    WatchableServer,
)
from crm.calendar.schemas import EventPatch
from crm.calendar.service import event as event_service
from crm.config import Settings
from crm.errors import CRMError, Invalid, NotFound
from crm.integrations.calendars import CALENDARS
from crm.integrations.service import integration as integration_service
from crm.kit.crypto import SecretBox
from crm.kit.metrics import SYNC_RUNS
from crm.models import (
    CalendarConnection,
    CalendarEvent,
    CalendarSource,
    CalendarSyncItem,
    CalendarSyncRun,
    IntegrationConnection,
)

# A run deleting more than this many events, or a quarter of a calendar (and at least
# HELD_AT_LEAST), holds them for the user instead.
MAX_DELETIONS = 50
RENEW_BEFORE = timedelta(hours=12)  # change notifications are renewed when closer to lapsing
HELD_AT_LEAST = 10

Calendar = CalendarConnection | CalendarSource  # what a run syncs, with its sync state


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
    held_deletions: int = 0
    notes: list[str] = field(default_factory=list)

    COUNTS = (
        "pulled_created",
        "pulled_updated",
        "pulled_deleted",
        "pushed_created",
        "pushed_updated",
        "pushed_deleted",
        "conflicts",
        "held_deletions",
    )

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.COUNTS}

    def skip(self, uid: str, title: str, why: str, *, way: str) -> None:
        self.skipped.append(Skipped(uid, title, why))
        self.notes.append(f"“{title or uid}” was not {way}: {why}")


@dataclass
class CalendarResult:
    """What one sync did with one calendar (`error`, in words, when it failed)."""

    source: str
    calendar_name: str | None
    report: SyncReport
    error: str | None = None

    @property
    def status(self) -> str:
        if self.error is not None:
            return "failed"
        return "held" if self.report.held_deletions else "ok"


NOTHING_CONNECTED = (
    "No calendar is connected; connect a CalDAV calendar in Settings → Calendar or "
    "Microsoft 365 or Google in Settings → Integrations."
)


@dataclass
class Run:
    """One sync in progress: who, with which server, what is known of each side."""

    session: AsyncSession
    actor: Actor
    calendar: Calendar
    server: CalendarServer
    zone: str
    items: dict[str, CalendarSyncItem]  # by href
    report: SyncReport = field(default_factory=SyncReport)

    @property
    def url(self) -> str:
        assert self.calendar.calendar_url is not None
        return self.calendar.calendar_url


def _owner(calendar: Calendar) -> dict[str, object]:
    """The sync items' column naming their calendar."""
    if isinstance(calendar, CalendarConnection):
        return {"connection_id": calendar.id}
    return {"source_id": calendar.id}


def _items_of(calendar: Calendar, *, mine: bool = True):
    """The sync items of this calendar (or, `mine` False, of the user's other calendars:
    IS DISTINCT FROM, as the other kind's column is NULL)."""
    column = (
        CalendarSyncItem.connection_id
        if isinstance(calendar, CalendarConnection)
        else CalendarSyncItem.source_id
    )
    return column == calendar.id if mine else column.is_distinct_from(calendar.id)


class SyncService:
    async def sync(self, session: AsyncSession, actor: Actor, *, box: SecretBox) -> SyncReport:
        """Sync the actor's events with their connected CalDAV calendar, both ways, now."""
        connection = await connection_service.require(session, actor, for_update=True)
        if connection.calendar_url is None:
            raise Invalid("calendar_url", "choose which calendar of the account to sync first")
        server = connection_service.server(connection, box)
        report = await self.sync_calendar(session, actor, calendar=connection, server=server)
        if connection.last_error is not None:
            raise SyncFailed(f"The calendar server failed: {connection.last_error}")
        return report

    async def sync_all(
        self, session: AsyncSession, actor: Actor, *, settings: Settings, box: SecretBox
    ) -> list[CalendarResult]:
        """Sync every connected calendar of the actor now, one after the other; a calendar
        that fails is said so in its result and does not stop the others. 404 when none is
        connected."""
        results: list[CalendarResult] = []
        connection = await connection_service.get(session, actor)
        if connection is not None and connection.calendar_url is not None:
            await session.refresh(connection, with_for_update=True)
            server = connection_service.server(connection, box)
            report = await self.sync_calendar(session, actor, calendar=connection, server=server)
            results.append(
                CalendarResult("caldav", connection.calendar_name, report, connection.last_error)
            )
        rows = await session.scalars(
            select(IntegrationConnection).where(
                IntegrationConnection.workspace_id == actor.workspace_id,
                IntegrationConnection.user_id == actor.user_id,
                IntegrationConnection.service.in_(CALENDARS),
            )
        )
        from crm.integrations.http import new_http_client  # httpx, at the first call out

        async with new_http_client() as http:
            for row in list(rows):
                try:
                    token = await integration_service.access_token(
                        session, actor, service=row.service, settings=settings, box=box
                    )
                    server = CALENDARS[row.service](http, settings, token)
                    sources = await self._sources(session, actor, row, server)
                except (CRMError, RemoteError) as exc:
                    said = exc.detail if isinstance(exc, CRMError) else str(exc)
                    results.append(CalendarResult(row.service, None, SyncReport(), said))
                    continue
                for source in sources:
                    report = await self.sync_calendar(
                        session, actor, calendar=source, server=server
                    )
                    await self._watch(source, server, settings, report)
                    results.append(
                        CalendarResult(row.service, source.calendar_name, report, source.last_error)
                    )
                errors = [s.last_error for s in sources if s.last_error]
                await integration_service.record_sync(
                    session, actor, service=row.service, error=errors[0] if errors else None
                )
        if not results:
            raise NotFound(NOTHING_CONNECTED)
        return results

    async def runs(
        self, session: AsyncSession, actor: Actor, *, limit: int = 10
    ) -> list[CalendarSyncRun]:
        """The actor's last sync runs, newest first."""
        rows = await session.scalars(
            select(CalendarSyncRun)
            .where(
                CalendarSyncRun.workspace_id == actor.workspace_id,
                CalendarSyncRun.user_id == actor.user_id,
            )
            .order_by(CalendarSyncRun.finished_at.desc())
            .limit(limit)
        )
        return list(rows)

    async def calendars(self, session: AsyncSession, actor: Actor) -> list[Calendar]:
        """The actor's calendars that sync: the CalDAV one, then the integrations' ones."""
        found: list[Calendar] = []
        connection = await connection_service.get(session, actor)
        if connection is not None and connection.calendar_url is not None:
            found.append(connection)
        found += await session.scalars(
            select(CalendarSource)
            .where(
                CalendarSource.workspace_id == actor.workspace_id,
                CalendarSource.user_id == actor.user_id,
            )
            .order_by(CalendarSource.created_at)
        )
        return found

    async def confirm_deletions(self, session: AsyncSession, actor: Actor, *, source: str) -> int:
        """Let the next sync of that calendar apply the deletions it held; answers how many
        were held (404 when none are)."""
        for calendar in await self.calendars(session, actor):
            if calendar.source == source and calendar.held_deletions:
                calendar.allow_deletions = True
                await session.flush()
                return calendar.held_deletions
        raise NotFound("No deletions are waiting for your confirmation on that calendar.")

    async def _watch(
        self, source: CalendarSource, server: Any, settings: Settings, report: SyncReport
    ) -> None:
        """Ask the provider to notify changes (when the CRM is reachable over HTTPS), or renew
        the notifications before they lapse; a refusal is noted, the schedule still syncs."""
        base = settings.crm_base_url.rstrip("/")
        if not base.startswith("https://") or not isinstance(server, WatchableServer):
            return
        now = datetime.now(UTC)
        if source.watch_expires_at is not None and source.watch_expires_at - now > RENEW_BEFORE:
            return
        current = None
        if source.watch_id and source.watch_expires_at and source.watch_expires_at > now:
            current = Watch(source.watch_id, source.watch_resource, source.watch_expires_at)
        token = secrets.token_urlsafe(32)
        address = f"{base}/api/v1/calendar/notifications/{source.source}"
        try:
            made = await server.watch(
                source.calendar_url, address=address, token=token, current=current
            )
        except RemoteError as exc:
            report.notes.append(f"Change notifications could not be set up: {exc}")
            return
        if current is None or made.id != current.id:
            source.watch_token_hash = hash_token(token)
        source.watch_id, source.watch_resource = made.id, made.resource
        source.watch_expires_at = made.expires_at

    async def _sources(
        self, session: AsyncSession, actor: Actor, row: IntegrationConnection, server: Any
    ) -> list[CalendarSource]:
        """The integration's calendars that sync: the account's default one on first use,
        then those the user chose (crm/calendar/sources.py)."""
        found = list(
            await session.scalars(
                select(CalendarSource)
                .where(CalendarSource.integration_id == row.id)
                .order_by(CalendarSource.created_at)
                .with_for_update()
            )
        )
        if not found:
            default = await server.default_calendar()
            source = CalendarSource(
                workspace_id=actor.workspace_id,
                user_id=actor.user_id,
                integration_id=row.id,
                source=row.service,
                calendar_url=default.url,
                calendar_name=default.name,
            )
            session.add(source)
            await session.flush()
            found.append(source)
        return found

    async def sync_calendar(
        self, session: AsyncSession, actor: Actor, *, calendar: Calendar, server: CalendarServer
    ) -> SyncReport:
        """Sync the actor's events with one calendar, both ways, and record the run. A server
        failing midway keeps what was done (each side's record of it is consistent): the run
        and the calendar's `last_error` say why, and the next sync carries on from the
        previous token."""
        started = datetime.now(UTC)
        run = Run(
            session,
            actor,
            calendar,
            server,
            (await user_zone(session, actor)).key,
            await self._items(session, calendar),
        )
        try:
            token = await self._pull(run)
            # A calendar that does not receive still gets the changes of its own events.
            await self._push(run, new=not isinstance(calendar, CalendarSource) or calendar.receives)
        except RemoteError as exc:
            calendar.last_error = str(exc)
            await self._record(run, started, "failed", error=str(exc))
            SYNC_RUNS.labels(server.source, "failed").inc()
            return run.report
        calendar.sync_token = token
        calendar.last_synced_at = datetime.now(UTC)
        calendar.last_error = None
        status = "held" if run.report.held_deletions else "ok"
        await self._record(run, started, status)
        SYNC_RUNS.labels(server.source, status).inc()
        return run.report

    async def _items(
        self, session: AsyncSession, calendar: Calendar
    ) -> dict[str, CalendarSyncItem]:
        rows = await session.scalars(select(CalendarSyncItem).where(_items_of(calendar)))
        return {item.href: item for item in rows}

    async def _record(
        self, run: Run, started: datetime, status: str, *, error: str | None = None
    ) -> None:
        run.session.add(
            CalendarSyncRun(
                workspace_id=run.actor.workspace_id,
                user_id=run.actor.user_id,
                source=run.server.source,
                calendar_name=run.calendar.calendar_name,
                status=status,
                counts=run.report.counts(),
                notes=run.report.notes[:200],
                error=error,
                started_at=started,
                finished_at=datetime.now(UTC),
            )
        )
        await run.session.flush()

    # Pull ----------------------------------------------------------------------------------
    async def _pull(self, run: Run) -> str | None:
        known = {
            href: RemoteObject(href, item.etag, item.remote_text)
            for href, item in run.items.items()
        }
        changes = await run.server.changes(run.url, sync_token=run.calendar.sync_token, known=known)
        if changes.resynced:
            run.report.notes.append(
                "The calendar server had forgotten where the last sync stopped, so every event "
                "was read again; nothing was duplicated or deleted for it."
            )
        for obj in changes.changed:
            await self._pull_object(run, obj)
        if self._hold(run, changes.deleted):
            return run.calendar.sync_token  # the deletions come again until confirmed
        for href in changes.deleted:
            await self._pull_deletion(run, href)
        return changes.sync_token

    def _hold(self, run: Run, deleted: list[str]) -> bool:
        """Whether the run's deletions are too many to apply without asking the user."""
        calendar, count = run.calendar, sum(1 for href in deleted if href in run.items)
        if calendar.allow_deletions:
            calendar.allow_deletions, calendar.held_deletions = False, None
            return False
        too_many = count > MAX_DELETIONS or (count >= HELD_AT_LEAST and count * 4 > len(run.items))
        calendar.held_deletions = count if too_many else None
        if too_many:
            run.report.held_deletions = count
            run.report.notes.append(
                f"{count} events were deleted on the calendar server at once; none was deleted "
                "here until you confirm in Settings → Integrations."
            )
        return too_many

    async def _pull_object(self, run: Run, obj: RemoteObject) -> None:
        try:
            remote = run.server.read(obj, default_zone=run.zone)
        except UnreadableCalendar as exc:
            run.report.skip(obj.href, "", str(exc), way="brought in")
            return
        if remote is None:
            return  # a to-do or a journal entry, not an event (a mixed calendar is no error)
        item = run.items.get(obj.href)
        event = await self._local(run, item, remote.uid)
        if event is None and item is None and remote.ours:
            # Written by the CRM and no longer here: never imported back as a copy.
            run.report.notes.append(
                f"“{remote.title}” was written by the CRM and deleted here since; "
                "it was not brought back."
            )
            return
        if event is not None and self._changed_here(item, event):
            run.report.conflicts += item is not None
            if not _remote_wins(remote, event):
                # Rule 2, ours is later: keep it; the push writes it over this version.
                if item is not None:
                    run.report.notes.append(
                        f"“{event.title}” was changed on both sides; the change made here "
                        "is later and was kept."
                    )
                version = item.synced_version if item else 0
                self._remember(run, obj, event, version=version, pulled=not remote.ours)
                return
            if item is not None:
                run.report.notes.append(
                    f"“{remote.title}” was changed on both sides; the calendar server's "
                    "change is later and was kept."
                )
        try:
            saved, changed = await save(
                run.session, run.actor, remote, event.id if event else None, from_calendar=True
            )
        except (ValidationError, CRMError) as exc:
            run.report.skip(remote.uid, remote.title, reason(exc), way="brought in")
            return
        if event is None:
            run.report.pulled_created += 1
        elif changed:
            run.report.pulled_updated += 1
        self._remember(run, obj, saved, version=saved.version, pulled=not remote.ours)

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

    def _remember(
        self, run: Run, obj: RemoteObject, event: CalendarEvent, *, version: int, pulled: bool
    ) -> None:
        """Record what each side has now; a new record says whether the event came from
        there (`pulled`) or was written there by the CRM."""
        item = run.items.get(obj.href)
        if item is None:
            item = CalendarSyncItem(
                workspace_id=run.actor.workspace_id,
                user_id=run.actor.user_id,
                href=obj.href,
                pulled=pulled,
                **_owner(run.calendar),
            )
            run.session.add(item)
            run.items[obj.href] = item
        item.event_id, item.etag, item.remote_text = event.id, obj.etag, obj.text
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
            run.report.notes.append(
                f"“{event.title}” was deleted on the calendar server but changed here since; "
                "it was written there again."
            )
            return
        await event_service.delete(run.session, run.actor, event_id=event.id, from_calendar=True)
        run.report.pulled_deleted += 1

    # Push ----------------------------------------------------------------------------------
    async def _push(self, run: Run, *, new: bool) -> None:
        """Write what changed here; with `new`, the events made here that this calendar has
        not got yet too (those of another calendar stay there alone)."""
        by_event = {i.event_id: i for i in run.items.values() if i.event_id is not None}
        elsewhere = await self._linked_elsewhere(run)
        for event_id, version in (await event_service.versions(run.session, run.actor)).items():
            item = by_event.get(event_id)
            if item is None and (not new or event_id in elsewhere):
                continue
            if item is None or version != item.synced_version:
                event = await event_service.get(run.session, run.actor, event_id=event_id)
                await self._push_write(run, event, item)
        for href, item in list(run.items.items()):
            if item.event_id is None:
                await self._push_deletion(run, href, item)
        await run.session.flush()

    async def _linked_elsewhere(self, run: Run) -> set[object]:
        rows = await run.session.scalars(
            select(CalendarSyncItem.event_id).where(
                CalendarSyncItem.event_id.is_not(None),
                CalendarSyncItem.pulled,
                _items_of(run.calendar, mine=False),
            )
        )
        return set(rows)

    async def _push_write(
        self, run: Run, event: CalendarEvent, item: CalendarSyncItem | None
    ) -> None:
        previous = RemoteObject(item.href, item.etag, item.remote_text) if item else None
        try:
            written = await run.server.put(run.url, event, previous=previous)
        except RemoteConflict:
            # Created there already, or changed there meanwhile: the next sync settles it.
            run.report.conflicts += 1
            return
        except Unwritable as exc:
            run.report.skip(event.uid, event.title, str(exc), way="written to the calendar")
            return
        if previous is not None and written.href != previous.href:
            del run.items[previous.href]
            await run.session.delete(item)
            await run.session.flush()
        event = await self._meeting_made(run, event, written)
        pulled = item.pulled if item is not None else False
        self._remember(run, written, event, version=event.version, pulled=pulled)
        if item is None:
            run.report.pushed_created += 1
        else:
            run.report.pushed_updated += 1

    async def _meeting_made(
        self, run: Run, event: CalendarEvent, written: RemoteObject
    ) -> CalendarEvent:
        """The join link of the online meeting the server just made, onto the event."""
        if not event.online_meeting or event.meeting_url:
            return event
        made = run.server.read(written, default_zone=run.zone)
        if made is None or not made.meeting_url:
            return event
        link = EventPatch.model_validate({"meeting_url": made.meeting_url})
        return await event_service.update(run.session, run.actor, event_id=event.id, changes=link)

    async def _push_deletion(self, run: Run, href: str, item: CalendarSyncItem) -> None:
        try:
            await run.server.delete(run.url, href, etag=item.etag)
        except RemoteConflict:
            # Rule 3: edited there since; the next pull finds it unknown and brings it back.
            run.report.conflicts += 1
        else:
            run.report.pushed_deleted += 1
        del run.items[href]
        await run.session.delete(item)


def _remote_wins(remote: ParsedEvent, event: CalendarEvent) -> bool:
    if remote.last_modified is None:
        return True
    return remote.last_modified >= event.updated_at.replace(microsecond=0)


def total(reports: Iterable[SyncReport]) -> SyncReport:
    """The reports of several calendars added up."""
    summed = SyncReport()
    for report in reports:
        for name in SyncReport.COUNTS:
            setattr(summed, name, getattr(summed, name) + getattr(report, name))
        summed.skipped += report.skipped
        summed.notes += report.notes
    return summed


sync = SyncService()

"""What calendar sync needs from a remote calendar server, whatever speaks to it: CalDAV
(crm/calendar/caldav_server.py, iCalendar text), Microsoft Graph and Google Calendar
(crm/integrations/*/calendar.py, JSON). The one sync engine (crm/calendar/sync.py) depends on
this Protocol, never on a vendor module: each server reads its own objects into the CRM's
`ParsedEvent` and writes the CRM's events in its own format."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from crm.calendar.parsed import ParsedEvent
from crm.models import CalendarEvent

# The span of time a provider's calendar is synced over, around now (the providers that read
# changes within a window: Graph's calendarView/delta, Google's timeMin/timeMax).
WINDOW_BEFORE = timedelta(days=180)
WINDOW_AFTER = timedelta(days=540)


def window() -> tuple[datetime, datetime]:
    """The sync window around now."""
    now = datetime.now(UTC)
    return now - WINDOW_BEFORE, now + WINDOW_AFTER


@dataclass(frozen=True)
class RemoteCalendar:
    url: str
    name: str


@dataclass(frozen=True)
class RemoteObject:
    """One remote event (a series with its exceptions counts as one): where it lives, its
    version (ETag, changeKey...) and the server's own text of it (iCalendar, JSON), kept so
    that what the CRM does not model survives a change made here."""

    href: str
    etag: str
    text: str


@dataclass(frozen=True)
class RemoteChanges:
    """What changed on the server since `sync_token`, or (`complete`) since the beginning.

    A complete listing of a server that lists a whole calendar (CalDAV) names among `deleted`
    every object the caller knew and the server no longer lists; one that lists a window of
    time (Graph, Google) deletes nothing it did not say was deleted. `resynced` says that the
    server forgot the token and everything was listed anew."""

    changed: list[RemoteObject]
    deleted: list[str] = field(default_factory=list)
    sync_token: str | None = None
    complete: bool = False
    resynced: bool = False


class RemoteError(Exception):
    """The server could not be reached or answered something unusable."""


class RemoteAuthError(RemoteError):
    """The server refused the user name and password."""


class RemoteConflict(RemoteError):
    """The object changed on the server since we last saw it (a failed If-Match)."""


class Unwritable(RemoteError):
    """This event cannot be written to this server (say, a rule it cannot express); the
    sync skips it and says why."""


class CalendarServer(Protocol):
    source: str  # "caldav", "microsoft365", "google": said in sync runs and on events

    async def calendars(self) -> list[RemoteCalendar]:
        """The calendars the account can write events to."""
        ...

    async def changes(
        self, calendar_url: str, *, sync_token: str | None, known: Mapping[str, RemoteObject]
    ) -> RemoteChanges:
        """What changed since `sync_token`; `known` holds the objects we hold by href, so a
        server without sync tokens answers only the objects whose version differs, and our
        own writes coming back are recognised."""
        ...

    def read(self, obj: RemoteObject, *, default_zone: str) -> "ParsedEvent | None":
        """The object as the CRM stores events; None for what is not an event (a to-do).
        Raises UnreadableCalendar, said in words, for what cannot be read."""
        ...

    async def put(
        self, calendar_url: str, event: "CalendarEvent", *, previous: RemoteObject | None
    ) -> RemoteObject:
        """Write an event: create it when `previous` is None (once, however often the call
        is repeated), else over that version only (RemoteConflict when the server's differs),
        keeping what the CRM does not model of it. Answers the object as now stored."""
        ...

    async def delete(self, calendar_url: str, href: str, *, etag: str | None) -> None:
        """Remove an object (only that version, when `etag` is given); gone already is fine."""
        ...


@dataclass(frozen=True)
class Watch:
    """A provider's change notifications for one calendar: its id, the resource Google needs
    to stop it, when it lapses."""

    id: str
    resource: str | None
    expires_at: datetime


@runtime_checkable
class WatchableServer(Protocol):
    """A server that tells the CRM when a calendar changes (Graph subscriptions, Google watch
    channels): each notification only queues an incremental sync."""

    async def watch(
        self, calendar_url: str, *, address: str, token: str, current: Watch | None
    ) -> Watch:
        """Start notifications to `address` carrying `token`, or renew `current`."""
        ...

"""What calendar sync needs from a remote calendar server, whatever speaks to it: CalDAV here
(crm/calendar/caldav_server.py); Microsoft 365 and Google plug in the same way. Domain code
depends on this Protocol, never on a vendor library."""

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class RemoteCalendar:
    url: str
    name: str


@dataclass(frozen=True)
class RemoteObject:
    """One calendar object resource: where it lives, its version (ETag) and its iCalendar text."""

    href: str
    etag: str
    ics: str


@dataclass(frozen=True)
class RemoteChanges:
    """What changed on the server since `sync_token`, or (`complete`) since the beginning:
    then every object the caller knew and the server no longer lists is among `deleted`."""

    changed: list[RemoteObject]
    deleted: list[str] = field(default_factory=list)
    sync_token: str | None = None
    complete: bool = False


class RemoteError(Exception):
    """The server could not be reached or answered something unusable."""


class RemoteAuthError(RemoteError):
    """The server refused the user name and password."""


class RemoteConflict(RemoteError):
    """The object changed on the server since we last saw it (a failed If-Match)."""


class CalendarServer(Protocol):
    async def calendars(self) -> list[RemoteCalendar]:
        """The calendars the account can write events to."""
        ...

    async def changes(
        self, calendar_url: str, *, sync_token: str | None, known: dict[str, str]
    ) -> RemoteChanges:
        """What changed since `sync_token`; `known` maps the hrefs we hold to their ETags, so a
        server without sync tokens answers only the objects whose ETag differs."""
        ...

    async def put(self, href: str, ics: str, *, etag: str | None) -> str:
        """Write an object (create when `etag` is None, else only over that version) and
        answer its new ETag; RemoteConflict when the server's version differs."""
        ...

    async def delete(self, href: str, *, etag: str | None) -> None:
        """Remove an object (only that version, when `etag` is given); gone already is fine."""
        ...

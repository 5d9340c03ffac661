"""Bodies and answers of calendar interchange: the ICS feed, .ics import, CalDAV sync."""

import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, SecretStr, StringConstraints

from crm.kit.schemas import Input, Output


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value


ServerURL = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
    AfterValidator(_http_url),
]
UserName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class FeedOut(Output):
    url: Annotated[
        str, Field(description="The secret feed URL; subscribe to it, share it with no one")
    ]


class FeedStatus(Output):
    active: bool
    created_at: datetime | None


class SkippedEventOut(Output):
    uid: str
    title: str
    reason: str


class ImportOut(Output):
    created: int
    updated: int
    unchanged: int
    skipped: list[SkippedEventOut]


class CalDAVConnectInput(Input):
    """A CalDAV account: the server's URL (or the account's), the user name and password,
    and optionally which of its calendars syncs (the only one is chosen by itself)."""

    url: ServerURL
    username: UserName
    password: Annotated[SecretStr, Field(min_length=1, max_length=1000)]
    calendar_url: ServerURL | None = None


class CalDAVChooseInput(Input):
    calendar_url: ServerURL


class RemoteCalendarOut(Output):
    url: str
    name: str


class CalDAVConnectionOut(Output):
    """The connection as the API shows it: never the password."""

    url: str
    username: str
    calendar_url: str | None
    calendar_name: str | None
    last_synced_at: datetime | None
    last_error: str | None
    calendars: list[RemoteCalendarOut] | None = None


class SyncCounts(Output):
    pulled_created: int
    pulled_updated: int
    pulled_deleted: int
    pushed_created: int
    pushed_updated: int
    pushed_deleted: int
    conflicts: int
    held_deletions: int = 0
    skipped: list[SkippedEventOut]
    notes: list[str] = Field(default_factory=list)


class CalendarSyncOut(SyncCounts):
    """What a sync did with one calendar: `status` ok, held (deletions waiting for you in
    Settings → Integrations) or failed (`error` says why)."""

    source: str
    calendar_name: str | None
    status: str
    error: str | None


class SyncOut(SyncCounts):
    """What one sync did on each side, added up over the calendars, the conflicts it settled
    (docs/calendar.md), and each calendar's part."""

    calendars: list[CalendarSyncOut] = Field(default_factory=list)


class SyncRunOut(Output):
    """One recorded sync of one calendar: what it did, and in words what it skipped,
    settled or failed on."""

    source: str
    calendar_name: str | None
    status: str
    counts: dict[str, int]
    notes: list[str]
    error: str | None
    started_at: datetime
    finished_at: datetime


class SyncRuns(Output):
    items: list[SyncRunOut]
    next_cursor: None = None


class DeletionsConfirmed(Output):
    source: str
    confirmed: int


class CalendarSourceOut(Output):
    """A calendar of a connected account that the CRM shows; `receives`: the CRM's new events
    go there."""

    id: uuid.UUID
    source: str
    calendar_url: str
    calendar_name: str | None
    receives: bool
    last_synced_at: datetime | None
    last_error: str | None
    held_deletions: int | None


class CalendarSources(Output):
    items: list[CalendarSourceOut]
    next_cursor: None = None


class CalendarSourceInput(Input):
    """A calendar of a connected account to show: the service and the calendar's id (from
    `GET /api/v1/calendar/sources/available?service=`)."""

    service: Annotated[str, StringConstraints(max_length=32)]
    calendar_url: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class CalendarSourcePatch(Input):
    receives: Annotated[bool, Field(description="True: the CRM's new events go to this one")]

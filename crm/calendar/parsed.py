"""An event as the CRM reads it from any calendar it syncs or imports (an .ics file, a CalDAV
server, Microsoft Graph, Google Calendar), whatever the format: what the sync engine and the
import compare and store. Free of any format's library, so the web app loads without them
(icalendar is crm/calendar/ics.py's, imported when a calendar is first read or written)."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm.calendar.recurrence import Override

TITLE_LIMIT = 200
LOCATION_LIMIT = 500


class UnreadableCalendar(ValueError):
    """The text is not iCalendar the CRM can read."""


@dataclass
class Skipped:
    """Something of a calendar the CRM did not store, and why."""

    uid: str
    title: str
    reason: str


@dataclass
class ParsedEvent:
    """One VEVENT as the CRM stores events: the first occurrence, its zone and recurrence."""

    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    time_zone: str
    description: str | None = None
    location: str | None = None
    meeting_url: str | None = None
    rrule: str | None = None
    exdates: list[datetime] = field(default_factory=list)
    attendees: list[str] = field(default_factory=list)
    sequence: int = 0
    last_modified: datetime | None = None
    overrides: list[Override] = field(default_factory=list)
    ours: bool = False  # tagged by the CRM when it wrote it there (Graph, Google)
    organizer: str | None = None  # someone else's meeting: the user is an attendee
    response: str | None = None  # the user's: accepted, tentative, declined, none


def known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_of(name: str) -> ZoneInfo:
    return ZoneInfo(name) if known_zone(name) else ZoneInfo("UTC")

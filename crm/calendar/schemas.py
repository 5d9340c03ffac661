"""Events as the API takes and answers them, and occurrences in a range."""

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    MISSING,
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
)
from pydantic.json_schema import SkipJsonSchema

from crm.kit.records import LongText, Metadata, RecordOut
from crm.kit.schemas import Email, Input, Name, Output

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_RANGE_DAYS = 400


def _day_or_time(value: Any) -> Any:
    # "2026-12-01" is a date (an all-day bound), whatever pydantic's union would pick.
    if isinstance(value, str) and _DAY.match(value):
        return date.fromisoformat(value)
    return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("is not an IANA time zone such as Europe/Paris") from exc
    return value


# A date (all-day events) or a date-time; a date-time without an offset is read in the
# event's time zone.
When = Annotated[datetime | date, BeforeValidator(_day_or_time)]
TimeZone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_zone)
]
Location = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None,
    BeforeValidator(lambda v: None if isinstance(v, str) and not v.strip() else v),
]
RRule = Annotated[
    str | None,
    Field(
        max_length=1000,
        description="An RFC 5545 RRULE value such as FREQ=WEEKLY;BYDAY=MO;COUNT=10, "
        "repeated in the event's time zone",
    ),
]


def _web_address(value: str | None) -> str | None:
    if value is not None and not value.startswith(("https://", "http://")):
        raise ValueError("must be a web address (https://...)")
    return value


MeetingURL = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None,
    BeforeValidator(lambda v: None if isinstance(v, str) and not v.strip() else v),
    AfterValidator(_web_address),
    Field(description="Online meeting's join link"),
]
OnlineMeeting = Annotated[
    bool,
    Field(description="Make it a Teams or Google Meet meeting"),
]
Uid = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


Attendees = Annotated[
    list[Email], Field(max_length=200, description="E-mail addresses of the people invited")
]
AttendeeContactIds = Annotated[
    list[uuid.UUID],
    Field(
        max_length=200,
        description="Contacts of yours to invite: each one's e-mail is added to `attendees` "
        "(422 for a contact without one)",
    ),
]


class OccurrenceInput(Input):
    """One occurrence of a repeating event changed on its own (iCalendar's RECURRENCE-ID)."""

    recurrence_id: Annotated[
        When,
        Field(description="Which occurrence: its start as the rule makes it (from a range)"),
    ]
    start: Annotated[When, Field(description="Its own start (a date for an all-day event)")]
    end: Annotated[When | None, Field(description="Exclusive; defaults as an event's")] = None
    title: Annotated[Name | None, Field(description="Defaults to the event's title")] = None
    location: Location = None
    description: LongText = None


class OccurrencePatch(Input):
    """What changes in one occurrence; the rest stays as that occurrence is now. A new
    `start` alone moves it, keeping its length."""

    title: Name | MISSING = MISSING
    start: When | MISSING = MISSING
    end: When | MISSING | None = MISSING
    location: Location | MISSING = MISSING
    description: LongText | MISSING = MISSING


class EventInput(Input):
    """An event as POST creates it and PUT replaces it (fields left out become empty)."""

    title: Name
    start: Annotated[When, Field(description="A date-time, or a date for an all-day event")]
    end: Annotated[
        When | None,
        Field(description="Exclusive; defaults to an hour (or a day) after the start"),
    ] = None
    all_day: bool = False
    timezone: Annotated[TimeZone | None, Field(description="IANA time zone; defaults to yours")] = (
        None
    )
    location: Location = None
    # Set by calendar sync or by clients; left out of the JSON schema so that the assistant's
    # tools (which take this model) stay within their budget (docs/calendar.md).
    meeting_url: SkipJsonSchema[MeetingURL] = None
    online_meeting: OnlineMeeting = False
    description: LongText = None
    attendees: Attendees = Field(default_factory=list)
    attendee_contact_ids: AttendeeContactIds = Field(default_factory=list)
    contact_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    rrule: RRule = None
    exdates: Annotated[
        list[When],
        Field(max_length=1000, description="Start of each occurrence the rule skips"),
    ] = Field(default_factory=list)
    overrides: Annotated[
        list[OccurrenceInput],
        Field(max_length=1000, description="Occurrences changed on their own"),
    ] = Field(default_factory=list)
    uid: Annotated[Uid | None, Field(description="iCalendar UID; generated when left out")] = None
    metadata: Metadata = Field(default_factory=dict)


class EventPatch(Input):
    """The fields PATCH changes; those left out stay as they are."""

    title: Name | MISSING = MISSING
    start: When | MISSING = MISSING
    end: When | MISSING | None = MISSING
    all_day: bool | MISSING = MISSING
    timezone: TimeZone | MISSING | None = MISSING
    location: Location | MISSING = MISSING
    meeting_url: SkipJsonSchema[MeetingURL | MISSING] = MISSING
    online_meeting: SkipJsonSchema[OnlineMeeting | MISSING] = MISSING
    description: LongText | MISSING = MISSING
    attendees: Attendees | MISSING = MISSING
    attendee_contact_ids: AttendeeContactIds | MISSING = MISSING
    contact_id: uuid.UUID | MISSING | None = MISSING
    organization_id: uuid.UUID | MISSING | None = MISSING
    project_id: uuid.UUID | MISSING | None = MISSING
    task_id: uuid.UUID | MISSING | None = MISSING
    rrule: RRule | MISSING = MISSING
    exdates: Annotated[list[When], Field(max_length=1000)] | MISSING = MISSING
    overrides: Annotated[list[OccurrenceInput], Field(max_length=1000)] | MISSING = MISSING
    metadata: Metadata | MISSING = MISSING


class RangeQuery(Input):
    """A range of the calendar: dates are midnight in your time zone; `end` is exclusive."""

    start: Annotated[When, Field(description="Date or date-time (inclusive)")]
    end: Annotated[When, Field(description="Date or date-time (exclusive)")]


class AttendeeContact(Output):
    """An attendee who is one of your contacts (matched by e-mail, case aside)."""

    id: uuid.UUID
    name: str
    email: str


class OverrideOut(Output):
    """An occurrence changed on its own."""

    recurrence_id: datetime | date
    start: datetime | date
    end: datetime | date
    title: str
    location: str | None
    description: str | None


class EventOut(RecordOut):
    uid: str
    sequence: int
    title: str
    start: datetime | date
    end: datetime | date
    all_day: bool
    timezone: str
    location: str | None
    meeting_url: str | None
    online_meeting: bool
    organizer: Annotated[
        str | None,
        Field(description="Someone else's meeting that you attend: read-only here"),
    ]
    response: Annotated[
        str | None, Field(description="Your answer to it: accepted, tentative, declined, none")
    ]
    description: str | None
    attendees: list[str]
    attendee_contacts: list[AttendeeContact]
    contact_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    project_id: uuid.UUID | None
    task_id: uuid.UUID | None
    rrule: str | None
    exdates: list[datetime | date]
    overrides: list[OverrideOut]


class OccurrenceOut(Output):
    """One occurrence of an event in a range. `recurrence_id` is the occurrence's start as
    the rule makes it (send it in `exdates` to skip this one, or to
    `/events/{id}/occurrences/{recurrence_id}` to change or cancel it alone); `overridden`
    says it was changed on its own (its title, times and location are its own)."""

    event_id: uuid.UUID
    title: str
    start: datetime | date
    end: datetime | date
    all_day: bool
    timezone: str
    location: str | None
    meeting_url: str | None
    read_only: bool
    response: str | None
    recurring: bool
    recurrence_id: datetime | None
    overridden: bool
    attendees: list[str]
    attendee_contacts: list[AttendeeContact]
    contact_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    project_id: uuid.UUID | None
    task_id: uuid.UUID | None


class Occurrences(Output):
    items: list[OccurrenceOut]
    next_cursor: None = None


class CalendarItemOut(Output):
    """One item of the calendar. `kind` is event (one occurrence; `id` and `event_id` are the
    event's), reminder, task_due or project_due (all-day, `end` the next day); `link` is its
    page; `status` the reminder's, task's or project's, or your answer to a meeting someone
    else organises (then `read_only`); `source` the synced calendar an event came from
    (caldav, ms365, google; null: made in the CRM)."""

    kind: Literal["event", "reminder", "task_due", "project_due"]
    id: str
    title: str
    start: datetime | date
    end: datetime | date | None
    all_day: bool
    link: str
    status: str | None
    event_id: str | None
    recurrence_id: datetime | None
    source: str | None = None
    read_only: bool = False


class CalendarItems(Output):
    items: list[CalendarItemOut]
    next_cursor: None = None

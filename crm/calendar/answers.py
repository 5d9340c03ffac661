"""How an event and its occurrences are shown: the API's answers, which the tools and the MCP
server give too, and the moments in the event's own time zone."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from crm.calendar.recurrence import Override, Series
from crm.calendar.repository import EventRow
from crm.calendar.schemas import EventOut
from crm.models import CalendarEvent, Contact


class Occurrence(NamedTuple):
    """One occurrence of an event: which one of the rule's it is (`recurrence_id`, None for
    an event that does not repeat), its start and end in the event's time zone, and its
    override when it was changed on its own. A tuple: a month view makes hundreds."""

    event: EventRow
    recurrence_id: datetime | None
    start: datetime
    end: datetime
    override: Override | None

    @property
    def title(self) -> str:
        return self.override.title if self.override else self.event.title

    @property
    def location(self) -> str | None:
        return self.override.location if self.override else self.event.location


def shown(moment: datetime, event: Any) -> datetime | date:
    """A moment as the API shows it for this event: a date for an all-day event, else the
    date-time in the event's time zone."""
    local = moment.astimezone(ZoneInfo(event.time_zone))
    return local.date() if event.all_day else local


def override_fields(override: Override, event: Any) -> dict[str, Any]:
    """An override as OccurrenceInput takes it and OverrideOut shows it."""
    return {
        "recurrence_id": shown(override.recurrence_id, event),
        "start": shown(override.start, event),
        "end": shown(override.end, event),
        "title": override.title,
        "location": override.location,
        "description": override.description,
    }


def attendee_contacts(emails: list[str], contacts: Mapping[str, Contact]) -> list[dict[str, Any]]:
    """The attendees who are the user's contacts, as AttendeeContact shows them."""
    found = (contacts.get(e.lower()) for e in emails)
    return [{"id": c.id, "name": c.name, "email": c.email} for c in found if c is not None]


def event_out(event: CalendarEvent, contacts: Mapping[str, Contact]) -> EventOut:
    """The event as the API answers it; `contacts` (by lower-cased e-mail) from
    event_service.attendee_contacts."""
    return EventOut(
        id=event.id,
        uid=event.uid,
        sequence=event.sequence,
        title=event.title,
        start=shown(event.starts_at, event),
        end=shown(event.ends_at, event),
        all_day=event.all_day,
        timezone=event.time_zone,
        location=event.location,
        meeting_url=event.meeting_url,
        online_meeting=event.online_meeting,
        organizer=event.organizer,
        response=event.response,
        description=event.description,
        attendees=list(event.attendees),
        attendee_contacts=attendee_contacts(event.attendees, contacts),
        contact_id=event.contact_id,
        organization_id=event.organization_id,
        project_id=event.project_id,
        task_id=event.task_id,
        rrule=event.rrule,
        exdates=[shown(d, event) for d in event.exdates],
        overrides=[override_fields(o, event) for o in Series.of(event).overrides],
        metadata=event.custom_fields,
        version=event.version,
        created_at=event.created_at,
        updated_at=event.updated_at,
    )


def occurrence_out(found: Occurrence, contacts: Mapping[str, Contact]) -> dict[str, Any]:
    """An occurrence as OccurrenceOut shows it; a plain dict, built from our own rows (a
    month view has hundreds, and validating each would double the request's cost)."""
    event = found.event
    return {
        "event_id": event.id,
        "title": found.title,
        "start": shown(found.start, event),
        "end": shown(found.end, event),
        "all_day": event.all_day,
        "timezone": event.time_zone,
        "location": found.location,
        "meeting_url": event.meeting_url,
        "read_only": event.organizer is not None,
        "response": event.response,
        "recurring": event.rrule is not None,
        "recurrence_id": found.recurrence_id,
        "overridden": found.override is not None,
        "attendees": event.attendees,
        "attendee_contacts": attendee_contacts(event.attendees, contacts),
        "contact_id": event.contact_id,
        "organization_id": event.organization_id,
        "project_id": event.project_id,
        "task_id": event.task_id,
    }

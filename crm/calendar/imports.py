"""Importing an .ics file: each event becomes one of the user's events under its own UID, so
importing the same file again updates those events instead of adding copies."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.service import user_zone
from crm.calendar.links import RECORD_LINKS
from crm.calendar.parsed import ParsedEvent, Skipped, UnreadableCalendar, zone_of
from crm.calendar.recurrence import Override, RecurrenceError, Series, normalize
from crm.calendar.schemas import EventInput
from crm.calendar.service import event as event_service
from crm.errors import CRMError, Invalid
from crm.kit.problems import field_errors
from crm.models import CalendarEvent

MAX_EVENTS = 5000


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)


def as_input(parsed: ParsedEvent, **links: Any) -> EventInput:
    """The event input of a parsed VEVENT (dates for an all-day event, else date-times)."""
    zone = zone_of(parsed.time_zone)

    def shown(moment: Any) -> Any:
        local = moment.astimezone(zone)
        return local.date() if parsed.all_day else local

    return EventInput.model_validate(
        {
            "uid": parsed.uid,
            "title": parsed.title,
            "start": shown(parsed.starts_at),
            "end": shown(parsed.ends_at) if parsed.ends_at > parsed.starts_at else None,
            "all_day": parsed.all_day,
            "timezone": parsed.time_zone,
            "location": parsed.location,
            "meeting_url": parsed.meeting_url,
            "description": parsed.description,
            "attendees": parsed.attendees,
            "rrule": parsed.rrule,
            "exdates": [shown(d) for d in parsed.exdates],
            "overrides": [
                {
                    "recurrence_id": shown(o.recurrence_id),
                    "start": shown(o.start),
                    "end": shown(o.end) if o.end > o.start else None,
                    "title": o.title,
                    "location": o.location,
                    "description": o.description,
                }
                for o in _made(parsed)
            ],
            **links,
        }
    )


def _made(parsed: ParsedEvent) -> list[Override]:
    """The overrides of occurrences the series' rule makes (a RECURRENCE-ID may name an
    RDATE, which the CRM does not model); none when the rule does not parse (the event is
    then refused for its rule)."""
    zone = zone_of(parsed.time_zone)
    try:
        rule = normalize(parsed.rrule, zone, parsed.starts_at) if parsed.rrule else None
    except RecurrenceError:
        return []
    series = Series(parsed.starts_at, parsed.ends_at, zone.key, rule)
    return [o for o in parsed.overrides if series.makes(o.recurrence_id)]


async def by_uid(session: AsyncSession, actor: Actor, uid: str) -> CalendarEvent | None:
    """The actor's event with this iCalendar UID."""
    return await session.scalar(
        select(CalendarEvent).where(
            CalendarEvent.workspace_id == actor.workspace_id,
            CalendarEvent.owner_id == actor.user_id,
            CalendarEvent.uid == uid,
        )
    )


async def save(
    session: AsyncSession,
    actor: Actor,
    parsed: ParsedEvent,
    event_id: uuid.UUID | None,
    *,
    from_calendar: bool = False,
) -> tuple[CalendarEvent, bool]:
    """Create the event, or replace event `event_id` with it (keeping its links to records);
    answers the event and whether anything changed. A savepoint: a failure undoes only this.
    `from_calendar` (the sync): the calendar's organizer and the user's response are kept
    too, and a meeting the user only attends is written although it is read-only here."""
    async with session.begin_nested():
        if event_id is None:
            event = await event_service.create(session, actor, data=as_input(parsed))
            if from_calendar:
                event.organizer, event.response = parsed.organizer, parsed.response
            return event, True
        current = await event_service.get(session, actor, event_id=event_id)
        version = current.version
        links = {name: getattr(current, name) for name in RECORD_LINKS}
        data = as_input(
            parsed,
            metadata=current.custom_fields,
            online_meeting=current.online_meeting or bool(parsed.meeting_url),
            **links,
        )
        event = await event_service.replace(
            session, actor, event_id=event_id, data=data, from_calendar=from_calendar
        )
        attendance = (parsed.organizer, parsed.response)
        if from_calendar and (event.organizer, event.response) != attendance:
            event.organizer, event.response = attendance  # the calendar's facts: no edit here
            return event, True
        return event, event.version != version


def reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = field_errors(list(exc.errors()))[0]
        return f"{first['field']}: {first['message']}"
    return exc.detail if isinstance(exc, CRMError) else str(exc)


class ImportService:
    async def import_ics(self, session: AsyncSession, actor: Actor, *, text: bytes) -> ImportReport:
        """Add the file's events to the actor's calendar; an event whose UID is already there
        is updated. Events the CRM cannot store, and what is not an event (to-dos, journal
        entries), are skipped and reported; the rest is imported."""
        from crm.calendar import ics  # icalendar: with the first calendar read or written

        zone = (await user_zone(session, actor)).key
        try:
            events, left_out = ics.parse(text, default_zone=zone)
        except UnreadableCalendar as exc:
            raise Invalid("file", str(exc)) from exc
        if len(events) > MAX_EVENTS:
            raise Invalid("file", f"has {len(events)} events; at most {MAX_EVENTS} per import")
        report = ImportReport(skipped=left_out)
        for parsed in events:
            existing = await by_uid(session, actor, parsed.uid)
            try:
                _, changed = await save(session, actor, parsed, existing.id if existing else None)
            except (ValidationError, CRMError) as exc:
                report.skipped.append(Skipped(parsed.uid, parsed.title, reason(exc)))
                continue
            if existing is None:
                report.created += 1
            elif changed:
                report.updated += 1
            else:
                report.unchanged += 1
        return report


importer = ImportService()

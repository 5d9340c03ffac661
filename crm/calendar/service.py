"""Events: each user's own calendar, with recurrence expanded in the event's time zone."""

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.service import user_zone
from crm.calendar.answers import Occurrence, event_out, occurrence_out, override_fields, shown
from crm.calendar.links import check_links, instant
from crm.calendar.recurrence import Override, RecurrenceError, Series, normalize
from crm.calendar.repository import event_repository
from crm.calendar.schemas import (
    MAX_RANGE_DAYS,
    EventInput,
    EventOut,
    EventPatch,
    OccurrencePatch,
    RangeQuery,
)
from crm.contacts.service import contact as contact_service
from crm.errors import Conflict, Invalid, NotFound
from crm.kit.problems import field_errors
from crm.models import CalendarEvent, Contact
from crm.records.service import RecordService
from crm.reminders.service import reminder as reminder_service

MAX_OCCURRENCES = 10_000


NO_OCCURRENCE = "No such occurrence of this event."
INVITED = (
    "{organizer} organises this meeting and you are an attendee: only they can change or "
    "delete it. Answer the invitation in your calendar (Outlook or Google)."
)


def as_input(event: CalendarEvent) -> dict[str, Any]:
    """The event's fields as EventInput takes them (what PATCH starts from)."""
    return {
        "title": event.title,
        "start": shown(event.starts_at, event),
        "end": shown(event.ends_at, event),
        "all_day": event.all_day,
        "timezone": event.time_zone,
        "location": event.location,
        "meeting_url": event.meeting_url,
        "online_meeting": event.online_meeting,
        "description": event.description,
        "attendees": list(event.attendees),
        "contact_id": event.contact_id,
        "organization_id": event.organization_id,
        "project_id": event.project_id,
        "task_id": event.task_id,
        "rrule": event.rrule,
        "exdates": [shown(d, event) for d in event.exdates],
        "overrides": [override_fields(o, event) for o in Series.of(event).overrides],
        "uid": event.uid,
        "metadata": event.custom_fields,
    }


class EventService(RecordService[CalendarEvent]):
    """The base's get, create, replace, update, delete and activity; a write of a meeting
    someone else organises is a 409 unless `from_calendar=True` (the calendar sync writing
    what the calendar has); occurrences changed or cancelled alone write through the same
    steps."""

    name = "event"
    model = CalendarEvent
    repository = event_repository
    Input, Patch, Query, Out = EventInput, EventPatch, RangeQuery, EventOut
    reload = False

    async def answer(self, session: AsyncSession, actor: Actor, shown: Any) -> EventOut:
        """The event as the API answers it, its attendees who are the actor's contacts named."""
        return event_out(shown, await self.attendee_contacts(session, actor, events=[shown]))

    async def answer_occurrences(
        self, session: AsyncSession, actor: Actor, found: list[Occurrence]
    ) -> list[dict[str, Any]]:
        """A range's occurrences as OccurrenceOut shows them (one query for their contacts)."""
        events = {o.event.id: o.event for o in found}.values()
        contacts = await self.attendee_contacts(session, actor, events=events)
        return [occurrence_out(o, contacts) for o in found]

    async def occurrences(
        self, session: AsyncSession, actor: Actor, *, query: RangeQuery
    ) -> list[Occurrence]:
        """The occurrences of the actor's events overlapping the range (dates are midnight
        in the actor's time zone), recurrences expanded, in start order."""
        zone = await user_zone(session, actor)
        return await self.between(
            session, actor, start=instant(query.start, zone), end=instant(query.end, zone)
        )

    async def between(
        self, session: AsyncSession, actor: Actor, *, start: datetime, end: datetime
    ) -> list[Occurrence]:
        """The occurrences of the actor's events overlapping [start, end), recurrences
        expanded, in start order."""
        if end <= start:
            raise Invalid("end", "must be after start")
        if end - start > timedelta(days=MAX_RANGE_DAYS):
            raise Invalid("end", f"the range is at most {MAX_RANGE_DAYS} days")
        found: list[Occurrence] = []
        for event in await event_repository.overlapping(session, actor, start, end):
            found += (Occurrence(event, *o) for o in Series.of(event).occurrences(start, end))
            if len(found) > MAX_OCCURRENCES:
                raise Invalid("end", "too many occurrences in this range; ask for less")
        found.sort(key=lambda o: (o.start.astimezone(UTC), o.event.id))
        return found

    async def attendee_contacts(
        self, session: AsyncSession, actor: Actor, *, events: Iterable[Any]
    ) -> dict[str, Contact]:
        """The actor's contacts among the events' attendees, by lower-cased e-mail: one query
        for any number of events."""
        emails = {a for event in events for a in event.attendees or ()}
        found = await contact_service.with_emails(session, actor, emails=emails)
        return {c.email.lower(): c for c in found if c.email}

    async def change_occurrence(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        event_id: uuid.UUID,
        recurrence_id: datetime | date,
        changes: OccurrencePatch,
        if_match: frozenset[int] | None = None,
    ) -> CalendarEvent:
        """Change one occurrence of a repeating event alone ("this event"): it keeps its
        place in the series, with its own times, title, location or description."""
        event = await self._lock(session, actor, event_id, if_match, {})
        rid = self._occurrence(event, recurrence_id)
        fields = as_input(event)
        zone = _zone(event)
        mine = [o for o in fields["overrides"] if instant(o["recurrence_id"], zone) == rid]
        current = (
            mine[0]
            if mine
            else {
                "recurrence_id": shown(rid, event),
                "start": shown(rid, event),
                "end": shown(Series.of(event).end_of(rid), event),
                "title": event.title,
                "location": event.location,
                "description": event.description,
            }
        )
        given = changes.model_dump()
        if "start" in given and "end" not in given:
            length = instant(current["end"], zone) - instant(current["start"], zone)
            given["end"] = _plus(given["start"], length)
        others = [o for o in fields["overrides"] if o not in mine]
        fields["overrides"] = [*others, {**current, **given}]
        return await self._apply(session, actor, event, fields)

    async def cancel_occurrence(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        event_id: uuid.UUID,
        recurrence_id: datetime | date,
        if_match: frozenset[int] | None = None,
    ) -> CalendarEvent:
        """Cancel one occurrence of a repeating event (its change, if any, goes with it)."""
        event = await self._lock(session, actor, event_id, if_match, {})
        rid = self._occurrence(event, recurrence_id)
        fields = as_input(event)
        fields["exdates"] = [*fields["exdates"], shown(rid, event)]
        fields["overrides"] = [
            o for o in fields["overrides"] if instant(o["recurrence_id"], _zone(event)) != rid
        ]
        return await self._apply(session, actor, event, fields)

    def _occurrence(self, event: CalendarEvent, recurrence_id: datetime | date) -> datetime:
        """The instant of one of the event's occurrences (not cancelled); 404 for any other."""
        rid = instant(recurrence_id, _zone(event))
        series = Series.of(event)
        if not series.makes(rid) or rid in {d.astimezone(UTC) for d in series.exdates}:
            raise NotFound(NO_OCCURRENCE)
        return rid

    async def every(self, session: AsyncSession, actor: Actor) -> list[CalendarEvent]:
        """All of the actor's events (for a calendar export), by start."""
        statement = event_repository.readable(actor).order_by(CalendarEvent.starts_at)
        return list((await session.scalars(statement)).all())

    async def versions(self, session: AsyncSession, actor: Actor) -> dict[uuid.UUID, int]:
        """The version of each of the actor's events, by id (what a sync compares: reading
        whole events would cost a sync of a large calendar most of its time)."""
        statement = event_repository.readable(actor).with_only_columns(
            CalendarEvent.id, CalendarEvent.version
        )
        return dict((await session.execute(statement)).all())

    def snapshot(self, record: CalendarEvent) -> dict[str, Any]:
        fields = as_input(record)
        fields.pop("uid")
        return to_jsonable_python(fields)

    async def _new(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        columns = await self._columns(session, actor, fields)
        event_id = uuid.uuid4()
        columns["uid"] = columns["uid"] or f"{event_id}@crm"
        return {"id": event_id, "owner_id": actor.user_id, "sequence": 0, **columns}

    async def _changes(
        self, session: AsyncSession, actor: Actor, record: CalendarEvent, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """PUT's fields, or PATCH's over the event's: a new start without a new end keeps the
        length, and changes to the series keep the occurrences changed alone that it still
        makes."""
        merged = {**as_input(record), **fields}
        if "start" in fields and "end" not in fields and "all_day" not in fields:
            length = record.ends_at - record.starts_at
            merged["end"] = None if fields["start"] is None else _plus(fields["start"], length)
        keep_matching = "overrides" not in fields
        columns = await self._columns(session, actor, merged, keep_matching=keep_matching)
        columns["uid"] = columns["uid"] or record.uid
        return {k: v for k, v in columns.items() if getattr(record, k) != v}

    async def _apply(
        self, session: AsyncSession, actor: Actor, event: CalendarEvent, fields: dict[str, Any]
    ) -> CalendarEvent:
        """Write the event's fields as given (an occurrence's change), if they change it."""
        changed = await self._changes(session, actor, event, fields)
        return await self._save(session, actor, event, changed) if changed else event

    async def _write(
        self, session: AsyncSession, actor: Actor, record: CalendarEvent, changed: dict[str, Any]
    ) -> None:
        await super()._write(session, actor, record, changed)
        record.sequence += 1

    async def _changed(
        self, session: AsyncSession, actor: Actor, record: CalendarEvent, changed: dict[str, Any]
    ) -> None:
        if changed.keys() & {"starts_at", "rrule", "exdates", "overrides", "time_zone"}:
            await reminder_service.follow_event(session, actor, event=record)

    def _may_change(
        self, actor: Actor, record: CalendarEvent, *, from_calendar: bool = False
    ) -> None:
        if record.organizer and not from_calendar:
            raise Conflict(INVITED.format(organizer=record.organizer))

    def _within(self, record: CalendarEvent, *, from_calendar: bool = False) -> bool:
        return True

    async def _columns(
        self,
        session: AsyncSession,
        actor: Actor,
        fields: dict[str, Any],
        *,
        keep_matching: bool = False,
    ) -> dict[str, Any]:
        """The column values of an event's input fields: times as instants, the rule
        normalised, the links checked, contacts invited by their e-mail. With `keep_matching`,
        overrides of occurrences the rule no longer makes are dropped (else they are a 422)."""
        data = _validated(fields)
        zone = ZoneInfo(data.timezone) if data.timezone else await user_zone(session, actor)
        start, end = _bounds(data.start, data.end, data.all_day, zone)
        rrule = None
        if data.rrule:
            try:
                rrule = normalize(data.rrule, zone, start)
            except RecurrenceError as exc:
                raise Invalid("rrule", str(exc)) from exc
        await check_links(session, actor, data.model_dump())
        exdates = sorted({instant(d, zone) for d in data.exdates})
        series = Series(start, end, zone.key, rrule, tuple(exdates))
        overrides = _overrides(data, series, keep_matching=keep_matching)
        series = Series(start, end, zone.key, rrule, tuple(exdates), tuple(overrides))
        return {
            "uid": data.uid,
            "title": data.title,
            "starts_at": start,
            "ends_at": end,
            "all_day": data.all_day,
            "time_zone": zone.key,
            "location": data.location,
            "meeting_url": data.meeting_url,
            "online_meeting": data.online_meeting,
            "description": data.description,
            "attendees": await self._attendees(session, actor, data),
            "contact_id": data.contact_id,
            "organization_id": data.organization_id,
            "project_id": data.project_id,
            "task_id": data.task_id,
            "rrule": rrule,
            "exdates": exdates,
            "overrides": [o.dump() for o in overrides],
            "last_ends_at": series.last_end(),
            "custom_fields": data.metadata,
        }

    async def _attendees(self, session: AsyncSession, actor: Actor, data: EventInput) -> list[str]:
        """The addresses given, then those of the contacts invited, each once (case aside)."""
        emails = [str(a) for a in data.attendees]
        for contact_id in data.attendee_contact_ids:
            try:
                contact = await contact_service.get(session, actor, contact_id=contact_id)
            except NotFound as exc:
                raise Invalid("attendee_contact_ids", "is not a contact of yours") from exc
            if not contact.email:
                raise Invalid(
                    "attendee_contact_ids",
                    f"{contact.name} has no e-mail address; add one to invite them",
                )
            emails.append(contact.email)
        seen: set[str] = set()
        return [e for e in emails if not (e.lower() in seen or seen.add(e.lower()))]


def _plus(value: datetime | date, length: timedelta) -> datetime | date:
    if isinstance(value, datetime):
        return value + length
    return value + timedelta(days=max(1, length.days))


def _bounds(
    given_start: datetime | date,
    given_end: datetime | date | None,
    all_day: bool,
    zone: ZoneInfo,
    at: str = "",
) -> tuple[datetime, datetime]:
    """Start and end as instants; 422 on the field (under `at`) that does not fit
    `all_day`."""
    for field, value in (("start", given_start), ("end", given_end)):
        if value is None:
            continue
        is_day = not isinstance(value, datetime)
        if all_day and not is_day:
            raise Invalid(at + field, "must be a date (YYYY-MM-DD) for an all-day event")
        if not all_day and is_day:
            raise Invalid(at + field, "must be a date and time (or set all_day)")
    start = instant(given_start, zone)
    if given_end is None:
        default = timedelta(days=1) if all_day else timedelta(hours=1)
        end = instant(given_start + default, zone) if all_day else start + default
    else:
        end = instant(given_end, zone)
    if end < start:
        raise Invalid(at + "end", "must not be before start")
    if all_day and end == start:
        raise Invalid(at + "end", "must be after start (an all-day end is exclusive)")
    return start, end


def _overrides(data: EventInput, series: Series, *, keep_matching: bool) -> list[Override]:
    """The input's overrides checked against the series: each names one occurrence it makes
    (once), with times that fit `all_day`."""
    zone, found = series.tz, {}
    for index, given in enumerate(data.overrides):
        at = f"overrides.{index}."
        rid = instant(given.recurrence_id, zone)
        if not series.makes(rid):
            if keep_matching:
                continue
            raise Invalid(at + "recurrence_id", "is not an occurrence of the event's rule")
        if rid in found:
            raise Invalid(at + "recurrence_id", "is changed twice")
        start, end = _bounds(given.start, given.end, data.all_day, zone, at)
        found[rid] = Override(
            rid, start, end, given.title or data.title, given.location, given.description
        )
    return sorted(found.values(), key=lambda o: o.recurrence_id)


def _zone(event: CalendarEvent) -> ZoneInfo:
    return ZoneInfo(event.time_zone)


def _validated(fields: dict[str, Any]) -> EventInput:
    """The event input of `fields`; a 422 naming the first field that does not fit."""
    try:
        return EventInput.model_validate(fields)
    except ValidationError as exc:
        first = field_errors(list(exc.errors()))[0]
        raise Invalid(first["field"], first["message"]) from exc


event = EventService()

"""Events: each user's own calendar, with recurrence expanded in the event's time zone."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity.service import activity as activity_service
from crm.activity.service import diff
from crm.auth.actor import Actor
from crm.calendar.links import check_links, instant, user_zone
from crm.calendar.recurrence import RecurrenceError, Series, normalize
from crm.calendar.repository import event_repository
from crm.calendar.schemas import MAX_RANGE_DAYS, EventInput, EventPatch, RangeQuery
from crm.errors import Invalid, NotFound
from crm.kit.etags import require_version
from crm.kit.pagination import PageQuery, Slice
from crm.kit.problems import field_errors
from crm.kit.records import Deleted
from crm.models import Activity, CalendarEvent
from crm.reminders.service import reminder as reminder_service

NOT_FOUND = "No such event."
MAX_OCCURRENCES = 10_000


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an event: its start and end in the event's time zone. `event` has
    the event's columns that a range shows (crm.calendar.repository.SHOWN)."""

    event: Any
    start: datetime
    end: datetime


def shown(moment: datetime, event: Any) -> datetime | date:
    """A moment as the API shows it for this event: a date for an all-day event, else the
    date-time in the event's time zone."""
    local = moment.astimezone(ZoneInfo(event.time_zone))
    return local.date() if event.all_day else local


def as_input(event: CalendarEvent) -> dict[str, Any]:
    """The event's fields as EventInput takes them (what PATCH starts from)."""
    return {
        "title": event.title,
        "start": shown(event.starts_at, event),
        "end": shown(event.ends_at, event),
        "all_day": event.all_day,
        "timezone": event.time_zone,
        "location": event.location,
        "description": event.description,
        "attendees": list(event.attendees),
        "contact_id": event.contact_id,
        "organization_id": event.organization_id,
        "project_id": event.project_id,
        "task_id": event.task_id,
        "rrule": event.rrule,
        "exdates": [shown(d, event) for d in event.exdates],
        "uid": event.uid,
        "metadata": event.custom_fields,
    }


def snapshot(event: CalendarEvent) -> dict[str, Any]:
    """The event's fields as its responses show them, for the activity log."""
    fields = as_input(event)
    fields.pop("uid")
    return to_jsonable_python(fields)


class EventService:
    async def occurrences(
        self, session: AsyncSession, actor: Actor, *, query: RangeQuery
    ) -> list[Occurrence]:
        """The occurrences of the actor's events overlapping the range, recurrences expanded,
        in start order."""
        zone = await user_zone(session, actor)
        start, end = instant(query.start, zone), instant(query.end, zone)
        if end <= start:
            raise Invalid("end", "must be after start")
        if end - start > timedelta(days=MAX_RANGE_DAYS):
            raise Invalid("end", f"the range is at most {MAX_RANGE_DAYS} days")
        events = (await session.execute(event_repository.overlapping(actor, start, end))).all()
        found: list[Occurrence] = []
        for event in events:
            for s, e in Series.of(event).between(start, end):
                found.append(Occurrence(event, s, e))
                if len(found) > MAX_OCCURRENCES:
                    raise Invalid("end", "too many occurrences in this range; ask for less")
        found.sort(key=lambda o: (o.start.astimezone(UTC), o.event.id))
        return found

    async def get(
        self, session: AsyncSession, actor: Actor, *, event_id: uuid.UUID
    ) -> CalendarEvent:
        """One of the actor's events; 404 for any other."""
        event = await event_repository.get(session, actor, event_id)
        if event is None:
            raise NotFound(NOT_FOUND)
        return event

    async def every(self, session: AsyncSession, actor: Actor) -> list[CalendarEvent]:
        """All of the actor's events (for a calendar export), by start."""
        statement = event_repository.readable(actor).order_by(CalendarEvent.starts_at)
        return list((await session.scalars(statement)).all())

    async def create(
        self, session: AsyncSession, actor: Actor, *, data: EventInput
    ) -> CalendarEvent:
        """Add an event to the actor's calendar."""
        now = datetime.now(UTC)
        columns = await self._columns(session, actor, data)
        event_id = uuid.uuid4()
        columns["uid"] = columns["uid"] or f"{event_id}@crm"
        event = CalendarEvent(
            id=event_id,
            workspace_id=actor.workspace_id,
            owner_id=actor.user_id,
            version=1,
            sequence=0,
            created_at=now,
            updated_at=now,
            **columns,
        )
        session.add(event)
        await session.flush()
        await self._log(session, actor, event, "created", diff({}, snapshot(event)))
        return event

    async def replace(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        event_id: uuid.UUID,
        data: EventInput,
        if_match: frozenset[int] | None = None,
    ) -> CalendarEvent:
        """Replace every field (PUT); those left out become empty. The uid stays."""
        event = await self._lock(session, actor, event_id, if_match)
        return await self._write(session, actor, event, data)

    async def update(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        event_id: uuid.UUID,
        changes: EventPatch,
        if_match: frozenset[int] | None = None,
    ) -> CalendarEvent:
        """Change the given fields (PATCH). A new start without a new end keeps the length."""
        event = await self._lock(session, actor, event_id, if_match)
        given = changes.model_dump()
        fields = {**as_input(event), **given}
        if "start" in given and "end" not in given and "all_day" not in given:
            length = event.ends_at - event.starts_at
            fields["end"] = None if given["start"] is None else _plus(given["start"], length)
        try:
            data = EventInput.model_validate(fields)
        except ValidationError as exc:
            first = field_errors(list(exc.errors()))[0]
            raise Invalid(first["field"], first["message"]) from exc
        return await self._write(session, actor, event, data)

    async def delete(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        event_id: uuid.UUID,
        if_match: frozenset[int] | None = None,
    ) -> Deleted:
        """Delete an event (its reminders go with it)."""
        event = await self._lock(session, actor, event_id, if_match)
        before = snapshot(event)
        await session.delete(event)
        await session.flush()
        await self._log(session, actor, event, "deleted", diff(before, {}))
        return Deleted(entity_type="event", id=event_id, effects={})

    async def activity(
        self, session: AsyncSession, actor: Actor, *, event_id: uuid.UUID, query: PageQuery
    ) -> Slice[Activity]:
        """The event's changes, newest first."""
        await self.get(session, actor, event_id=event_id)
        return await activity_service.list(session, actor, entity_id=event_id, query=query)

    async def _write(
        self, session: AsyncSession, actor: Actor, event: CalendarEvent, data: EventInput
    ) -> CalendarEvent:
        columns = await self._columns(session, actor, data)
        columns["uid"] = columns["uid"] or event.uid
        changed = {k: v for k, v in columns.items() if getattr(event, k) != v}
        if not changed:
            return event
        before = snapshot(event)
        for column, value in changed.items():
            setattr(event, column, value)
        event.version += 1
        event.sequence += 1
        event.updated_at = datetime.now(UTC)
        await session.flush()
        if changed.keys() & {"starts_at", "rrule", "exdates", "time_zone"}:
            await reminder_service.follow_event(session, actor, event=event)
        await self._log(session, actor, event, "updated", diff(before, snapshot(event)))
        return event

    async def _lock(
        self,
        session: AsyncSession,
        actor: Actor,
        event_id: uuid.UUID,
        if_match: frozenset[int] | None,
    ) -> CalendarEvent:
        event = await event_repository.get(session, actor, event_id, for_update=True)
        if event is None:
            raise NotFound(NOT_FOUND)
        require_version(event.version, if_match)
        return event

    async def _columns(
        self, session: AsyncSession, actor: Actor, data: EventInput
    ) -> dict[str, Any]:
        """The column values of an event input: times as instants, the rule normalised,
        the links checked."""
        zone = ZoneInfo(data.timezone) if data.timezone else await user_zone(session, actor)
        start, end = _bounds(data, zone)
        rrule = None
        if data.rrule:
            try:
                rrule = normalize(data.rrule, zone, start)
            except RecurrenceError as exc:
                raise Invalid("rrule", str(exc)) from exc
        await check_links(session, actor, data.model_dump())
        exdates = sorted({instant(d, zone) for d in data.exdates})
        last = Series(start, end, zone.key, rrule, tuple(exdates)).last_end()
        return {
            "uid": data.uid,
            "title": data.title,
            "starts_at": start,
            "ends_at": end,
            "all_day": data.all_day,
            "time_zone": zone.key,
            "location": data.location,
            "description": data.description,
            "attendees": [str(a) for a in data.attendees],
            "contact_id": data.contact_id,
            "organization_id": data.organization_id,
            "project_id": data.project_id,
            "task_id": data.task_id,
            "rrule": rrule,
            "exdates": exdates,
            "last_ends_at": last,
            "custom_fields": data.metadata,
        }

    async def _log(
        self,
        session: AsyncSession,
        actor: Actor,
        event: CalendarEvent,
        action: Any,
        changes: dict[str, Any],
    ) -> None:
        await activity_service.record(
            session,
            actor,
            entity_type="event",
            entity_id=event.id,
            owner_id=event.owner_id,
            action=action,
            changes=changes,
        )


def _plus(value: datetime | date, length: timedelta) -> datetime | date:
    if isinstance(value, datetime):
        return value + length
    return value + timedelta(days=max(1, length.days))


def _bounds(data: EventInput, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end as instants; 422 on the field that does not fit `all_day`."""
    for field in ("start", "end"):
        value = getattr(data, field)
        if value is None:
            continue
        is_day = not isinstance(value, datetime)
        if data.all_day and not is_day:
            raise Invalid(field, "must be a date (YYYY-MM-DD) for an all-day event")
        if not data.all_day and is_day:
            raise Invalid(field, "must be a date and time (or set all_day)")
    start = instant(data.start, zone)
    if data.end is None:
        default = timedelta(days=1) if data.all_day else timedelta(hours=1)
        end = instant(data.start + default, zone) if data.all_day else start + default
    else:
        end = instant(data.end, zone)
    if end < start:
        raise Invalid("end", "must not be before start")
    if data.all_day and end == start:
        raise Invalid("end", "must be after start (an all-day end is exclusive)")
    return start, end


event = EventService()

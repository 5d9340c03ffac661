"""Calendar and reminder tools for the assistant and the MCP server: the REST input models, the
same services. Answers carry a `name` (an event's title, a reminder's message) so the chat
can say which record it touched and "it" can refer to it next."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, computed_field
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.calendar.agenda import agenda as agenda_service
from crm.calendar.schemas import (
    CalendarItemOut,
    EventInput,
    EventOut,
    EventPatch,
    OccurrenceOut,
    OccurrencePatch,
    RangeQuery,
    When,
)
from crm.calendar.service import event as event_service
from crm.config import get_settings
from crm.kit.records import Deleted
from crm.kit.schemas import Input, Output, Page
from crm.kit.tools import ById, Change, Tool
from crm.models import CalendarEvent
from crm.reminders.schemas import ReminderInput, ReminderOut, ReminderQuery
from crm.reminders.service import reminder as reminder_service


class EventAnswer(EventOut):
    @computed_field  # type: ignore[prop-decorator]
    @property
    def name(self) -> str:
        return self.title


class OccurrenceAnswer(OccurrenceOut):
    @computed_field  # type: ignore[prop-decorator]
    @property
    def id(self) -> uuid.UUID:
        return self.event_id

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name(self) -> str:
        return self.title


class ReminderAnswer(ReminderOut):
    @computed_field  # type: ignore[prop-decorator]
    @property
    def name(self) -> str:
        return self.message

    @computed_field  # type: ignore[prop-decorator]
    @property
    def delivery(self) -> str:
        """How it will reach the user, in words the assistant can repeat."""
        if "email" not in self.channels:
            return "In the app."
        if get_settings().smtp_host:
            return "In the app and by e-mail."
        return (
            "In the app only: e-mail is not set up on this server (SMTP_HOST), "
            "so no e-mail will be sent."
        )


class CalendarAnswer(Output):
    items: list[CalendarItemOut]


class MoveEvent(Input):
    """An event's new start (and end; without one it keeps its length)."""

    id: uuid.UUID
    start: Annotated[When, Field(description="The new start; a date for an all-day event")]
    end: Annotated[When | None, Field(description="The new end (exclusive)")] = None


class ChangeOccurrence(Input):
    """One occurrence of a repeating event, and what changes in it alone."""

    id: uuid.UUID
    recurrence_id: Annotated[
        When, Field(description="Which occurrence: its recurrence_id from list_events")
    ]
    changes: OccurrencePatch


class CancelOccurrence(Input):
    id: uuid.UUID
    recurrence_id: Annotated[
        When, Field(description="Which occurrence: its recurrence_id from list_events")
    ]


class SnoozeReminder(Input):
    id: uuid.UUID
    until: Annotated[datetime, Field(description="When it fires again (in the future)")]


async def _event(session: AsyncSession, actor: Actor, event: CalendarEvent) -> EventAnswer:
    return EventAnswer.model_validate(
        (await event_service.answer(session, actor, event)).model_dump()
    )


def _reminder(reminder: object) -> ReminderAnswer:
    return ReminderAnswer.model_validate(ReminderOut.of(reminder).model_dump())


async def create_event(session: AsyncSession, actor: Actor, params: EventInput) -> EventAnswer:
    return await _event(session, actor, await event_service.create(session, actor, data=params))


async def get_event(session: AsyncSession, actor: Actor, params: ById) -> EventAnswer:
    event = await event_service.get(session, actor, event_id=params.id)
    return await _event(session, actor, event)


async def update_event(
    session: AsyncSession, actor: Actor, params: Change[EventPatch]
) -> EventAnswer:
    event = await event_service.update(session, actor, event_id=params.id, changes=params.changes)
    return await _event(session, actor, event)


async def move_event(session: AsyncSession, actor: Actor, params: MoveEvent) -> EventAnswer:
    fields = {"start": params.start} | ({"end": params.end} if params.end is not None else {})
    changes = EventPatch.model_validate(fields)
    event = await event_service.update(session, actor, event_id=params.id, changes=changes)
    return await _event(session, actor, event)


async def change_occurrence(
    session: AsyncSession, actor: Actor, params: ChangeOccurrence
) -> EventAnswer:
    event = await event_service.change_occurrence(
        session,
        actor,
        event_id=params.id,
        recurrence_id=params.recurrence_id,
        changes=params.changes,
    )
    return await _event(session, actor, event)


async def cancel_occurrence(
    session: AsyncSession, actor: Actor, params: CancelOccurrence
) -> EventAnswer:
    event = await event_service.cancel_occurrence(
        session, actor, event_id=params.id, recurrence_id=params.recurrence_id
    )
    return await _event(session, actor, event)


async def cancel_event(session: AsyncSession, actor: Actor, params: ById) -> Deleted:
    return await event_service.delete(session, actor, event_id=params.id)


async def list_events(
    session: AsyncSession, actor: Actor, params: RangeQuery
) -> Page[OccurrenceAnswer]:
    found = await event_service.occurrences(session, actor, query=params)
    shown = await event_service.answer_occurrences(session, actor, found)
    items = [OccurrenceAnswer.model_validate(o) for o in shown]
    return Page[OccurrenceAnswer](items=items, next_cursor=None)


async def list_calendar(session: AsyncSession, actor: Actor, params: RangeQuery) -> CalendarAnswer:
    found = await agenda_service.items(session, actor, query=params)
    return CalendarAnswer(items=[CalendarItemOut.model_validate(i) for i in found])


async def create_reminder(
    session: AsyncSession, actor: Actor, params: ReminderInput
) -> ReminderAnswer:
    return _reminder(await reminder_service.create(session, actor, data=params))


async def get_reminder(session: AsyncSession, actor: Actor, params: ById) -> ReminderAnswer:
    return _reminder(await reminder_service.get(session, actor, reminder_id=params.id))


async def list_reminders(
    session: AsyncSession, actor: Actor, params: ReminderQuery
) -> Page[ReminderAnswer]:
    return (await reminder_service.list(session, actor, query=params)).page(_reminder)


async def snooze_reminder(
    session: AsyncSession, actor: Actor, params: SnoozeReminder
) -> ReminderAnswer:
    reminder = await reminder_service.snooze(
        session, actor, reminder_id=params.id, until=params.until
    )
    return _reminder(reminder)


async def dismiss_reminder(session: AsyncSession, actor: Actor, params: ById) -> ReminderAnswer:
    return _reminder(await reminder_service.dismiss(session, actor, reminder_id=params.id))


TIMES = "Times without an offset are read in the user's time zone."
TOOLS = [
    Tool(
        "create_event",
        "Add an event to the user's calendar: title, start (and end, else an hour later; "
        "dates with all_day for a whole day), links to a contact, organization, project or "
        "task, attendees (e-mail addresses, or attendee_contact_ids: contacts found with "
        f"search_contacts, invited by their e-mail), rrule to repeat it. {TIMES}",
        EventInput,
        create_event,
    ),
    Tool("get_event", "Read one event by id.", ById, get_event),
    Tool(
        "update_event",
        "Change some fields of an event (the whole series, if it repeats; "
        "change_occurrence changes one occurrence alone).",
        Change[EventPatch],
        update_event,
    ),
    Tool(
        "move_event",
        f"Move an event to a new start; without a new end it keeps its length. {TIMES}",
        MoveEvent,
        move_event,
    ),
    Tool(
        "change_occurrence",
        "Change or move one occurrence of a repeating event alone (title, start, end, "
        f"location, description); the rest of the series stays. {TIMES}",
        ChangeOccurrence,
        change_occurrence,
    ),
    Tool(
        "cancel_occurrence",
        "Cancel one occurrence of a repeating event; the rest of the series stays.",
        CancelOccurrence,
        cancel_occurrence,
        destructive=True,
    ),
    Tool(
        "cancel_event",
        "Cancel (delete) an event, every occurrence of it.",
        ById,
        cancel_event,
        destructive=True,
    ),
    Tool(
        "list_events",
        "The user's events in [start, end), repeating ones expanded. Dates are days in the "
        "user's time zone; end is exclusive (tomorrow: start=tomorrow, end=the day after).",
        RangeQuery,
        list_events,
    ),
    Tool(
        "list_calendar",
        "Everything on the user's calendar in [start, end): events, reminders, and the due "
        'dates of tasks and projects. Use it for "what\'s on my calendar".',
        RangeQuery,
        list_calendar,
    ),
    Tool(
        "create_reminder",
        "Add a reminder: message, remind_at (or relative_to an event or task with "
        "minutes_before), channels in_app and/or email, and the record it is about "
        f"(contact_id, ...). {TIMES}",
        ReminderInput,
        create_reminder,
    ),
    Tool("get_reminder", "Read one reminder by id.", ById, get_reminder),
    Tool(
        "list_reminders",
        "The user's reminders by when they fire; filter by status (scheduled, sent, snoozed, "
        "dismissed).",
        ReminderQuery,
        list_reminders,
    ),
    Tool(
        "snooze_reminder",
        f"Snooze a reminder until a later time. {TIMES}",
        SnoozeReminder,
        snooze_reminder,
    ),
    Tool("dismiss_reminder", "Dismiss a reminder: it will not fire.", ById, dismiss_reminder),
]

"""REST endpoints of the calendar's events (DESIGN.md section 4). Writes take an optional
If-Match."""

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity.schemas import ActivityOut
from crm.auth.actor import Actor
from crm.auth.dependencies import ActorDep, SessionDep
from crm.calendar.agenda import agenda as agenda_service
from crm.calendar.recurrence import Series
from crm.calendar.schemas import (
    CalendarItems,
    EventInput,
    EventOut,
    EventPatch,
    OccurrencePatch,
    Occurrences,
    RangeQuery,
    When,
)
from crm.calendar.service import Occurrence, override_fields, shown
from crm.calendar.service import event as event_service
from crm.kit.etags import IfMatch, etag, parse_if_match
from crm.kit.openapi import problems, with_etag
from crm.kit.pagination import PageQuery
from crm.kit.schemas import Page
from crm.models import CalendarEvent, Contact

router = APIRouter(prefix="/api/v1/calendar/events", tags=["calendar"], responses=problems(401))
items_router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"], responses=problems(401))


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


async def answer_event(session: AsyncSession, actor: Actor, event: CalendarEvent) -> EventOut:
    """The event with its attendees' contacts (read in one query)."""
    contacts = await event_service.attendee_contacts(session, actor, events=[event])
    return event_out(event, contacts)


async def occurrences_out(
    session: AsyncSession, actor: Actor, found: list[Occurrence]
) -> list[dict[str, Any]]:
    """A range's occurrences with their attendees' contacts (one query for the range)."""
    events = {o.event.id: o.event for o in found}.values()
    contacts = await event_service.attendee_contacts(session, actor, events=events)
    return [occurrence_out(o, contacts) for o in found]


async def _answer(
    response: Response, session: AsyncSession, actor: Actor, event: CalendarEvent
) -> EventOut:
    response.headers["ETag"] = etag(event.version)
    return await answer_event(session, actor, event)


def _json(items: list[Any]) -> Response:
    """`{items, next_cursor: null}` serialised as it is (the route's response_model documents
    it; FastAPI would validate every item again)."""
    return Response(to_json({"items": items, "next_cursor": None}), media_type="application/json")


@router.get("", response_model=Occurrences, responses=problems(422))
async def list_occurrences(
    query: Annotated[RangeQuery, Query()], session: SessionDep, actor: ActorDep
) -> Response:
    """The occurrences of your events in [start, end) (at most 400 days), recurrences
    expanded, each with its `event_id`, in start order. Dates are midnight in your time
    zone."""
    found = await event_service.occurrences(session, actor, query=query)
    return _json(await occurrences_out(session, actor, found))


@router.post("", status_code=status.HTTP_201_CREATED, responses={**with_etag(201), **problems(422)})
async def create_event(
    body: EventInput, response: Response, session: SessionDep, actor: ActorDep
) -> EventOut:
    """Add an event. Times without an offset are read in `timezone` (yours by default);
    an all-day event takes dates, its `end` exclusive."""
    event = await event_service.create(session, actor, data=body)
    response.headers["Location"] = f"{router.prefix}/{event.id}"
    return await _answer(response, session, actor, event)


@router.get("/{event_id}", responses={**with_etag(), **problems(404, 422)})
async def get_event(
    event_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> EventOut:
    """One of your events, with its rule and exceptions."""
    event = await event_service.get(session, actor, event_id=event_id)
    return await _answer(response, session, actor, event)


@router.put("/{event_id}", responses={**with_etag(), **problems(404, 412, 422)})
async def replace_event(
    event_id: uuid.UUID,
    body: EventInput,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> EventOut:
    """Replace the whole event; fields left out become empty."""
    event = await event_service.replace(
        session, actor, event_id=event_id, data=body, if_match=parse_if_match(if_match)
    )
    return await _answer(response, session, actor, event)


@router.patch("/{event_id}", responses={**with_etag(), **problems(404, 412, 422)})
async def update_event(
    event_id: uuid.UUID,
    body: EventPatch,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> EventOut:
    """Change the fields given; a new `start` alone moves the event, keeping its length."""
    event = await event_service.update(
        session, actor, event_id=event_id, changes=body, if_match=parse_if_match(if_match)
    )
    return await _answer(response, session, actor, event)


@router.delete(
    "/{event_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404, 412, 422)
)
async def delete_event(
    event_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> None:
    """Delete the event, every occurrence, and its reminders."""
    await event_service.delete(session, actor, event_id=event_id, if_match=parse_if_match(if_match))


OCCURRENCE = (
    "`recurrence_id` names the occurrence: its start as the rule makes it (the range "
    "answer's `recurrence_id`; URL-encode the `+` of an offset). 404 when the event does "
    "not make that occurrence or it is cancelled."
)


@router.patch(
    "/{event_id}/occurrences/{recurrence_id}",
    responses={**with_etag(), **problems(404, 412, 422)},
    description='Change one occurrence of a repeating event alone ("this event"): the '
    "fields given replace that occurrence's (its override, else the series'); a new `start` "
    "alone moves it, keeping its length. The rest of the series stays. Answers the event, "
    "its `overrides` included; a change to the series later keeps the overrides of "
    f"occurrences it still makes. {OCCURRENCE}",
)
async def change_occurrence(
    event_id: uuid.UUID,
    recurrence_id: Annotated[When, Path(description="The occurrence's start as the rule makes it")],
    body: OccurrencePatch,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> EventOut:
    event = await event_service.change_occurrence(
        session,
        actor,
        event_id=event_id,
        recurrence_id=recurrence_id,
        changes=body,
        if_match=parse_if_match(if_match),
    )
    return await _answer(response, session, actor, event)


@router.delete(
    "/{event_id}/occurrences/{recurrence_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(404, 412, 422),
    description='Cancel one occurrence of a repeating event ("this event"): it joins '
    f"`exdates`, and its change, if it had one, is dropped. {OCCURRENCE}",
)
async def cancel_occurrence(
    event_id: uuid.UUID,
    recurrence_id: Annotated[When, Path(description="The occurrence's start as the rule makes it")],
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> None:
    await event_service.cancel_occurrence(
        session,
        actor,
        event_id=event_id,
        recurrence_id=recurrence_id,
        if_match=parse_if_match(if_match),
    )


@router.get("/{event_id}/activity", responses=problems(404, 422))
async def event_activity(
    event_id: uuid.UUID,
    query: Annotated[PageQuery, Query()],
    session: SessionDep,
    actor: ActorDep,
) -> Page[ActivityOut]:
    """Every change to the event, newest first."""
    found = await event_service.activity(session, actor, event_id=event_id, query=query)
    return found.page(ActivityOut.of)


@items_router.get("/items", response_model=CalendarItems, responses=problems(422))
async def calendar_items(
    query: Annotated[RangeQuery, Query()], session: SessionDep, actor: ActorDep
) -> Response:
    """Everything the calendar shows in [start, end): event occurrences, reminders (not
    dismissed) and the due dates of the tasks and projects you see, each with its `kind`,
    in start order."""
    found = await agenda_service.items(session, actor, query=query)
    return _json(found)  # dataclasses with CalendarItemOut's fields

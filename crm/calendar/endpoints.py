"""REST endpoints of the calendar's events (DESIGN.md section 4). Writes take an optional
If-Match."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic_core import to_json

from crm.activity.schemas import ActivityOut
from crm.auth.dependencies import ActorDep, SessionDep
from crm.calendar.agenda import agenda as agenda_service
from crm.calendar.schemas import (
    CalendarItems,
    EventInput,
    EventOut,
    EventPatch,
    Occurrences,
    RangeQuery,
)
from crm.calendar.service import Occurrence, shown
from crm.calendar.service import event as event_service
from crm.kit.etags import IfMatch, etag, parse_if_match
from crm.kit.openapi import problems, with_etag
from crm.kit.pagination import PageQuery
from crm.kit.schemas import Page
from crm.models import CalendarEvent

router = APIRouter(prefix="/api/v1/calendar/events", tags=["calendar"], responses=problems(401))
items_router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"], responses=problems(401))


def event_out(event: CalendarEvent) -> EventOut:
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
        description=event.description,
        attendees=list(event.attendees),
        contact_id=event.contact_id,
        organization_id=event.organization_id,
        project_id=event.project_id,
        task_id=event.task_id,
        rrule=event.rrule,
        exdates=[shown(d, event) for d in event.exdates],
        metadata=event.custom_fields,
        version=event.version,
        created_at=event.created_at,
        updated_at=event.updated_at,
    )


def occurrence_out(found: Occurrence) -> dict[str, Any]:
    """An occurrence as OccurrenceOut shows it; a plain dict, built from our own rows (a
    month view has hundreds, and validating each would double the request's cost)."""
    event = found.event
    return {
        "event_id": event.id,
        "title": event.title,
        "start": shown(found.start, event),
        "end": shown(found.end, event),
        "all_day": event.all_day,
        "timezone": event.time_zone,
        "location": event.location,
        "recurring": event.rrule is not None,
        "recurrence_id": found.start if event.rrule else None,
        "contact_id": event.contact_id,
        "organization_id": event.organization_id,
        "project_id": event.project_id,
        "task_id": event.task_id,
    }


def _answer(response: Response, event: CalendarEvent) -> EventOut:
    response.headers["ETag"] = etag(event.version)
    return event_out(event)


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
    return _json([occurrence_out(o) for o in found])


@router.post("", status_code=status.HTTP_201_CREATED, responses={**with_etag(201), **problems(422)})
async def create_event(
    body: EventInput, response: Response, session: SessionDep, actor: ActorDep
) -> EventOut:
    """Add an event. Times without an offset are read in `timezone` (yours by default);
    an all-day event takes dates, its `end` exclusive."""
    event = await event_service.create(session, actor, data=body)
    response.headers["Location"] = f"{router.prefix}/{event.id}"
    return _answer(response, event)


@router.get("/{event_id}", responses={**with_etag(), **problems(404, 422)})
async def get_event(
    event_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> EventOut:
    """One of your events, with its rule and exceptions."""
    return _answer(response, await event_service.get(session, actor, event_id=event_id))


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
    return _answer(response, event)


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
    return _answer(response, event)


@router.delete(
    "/{event_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404, 412, 422)
)
async def delete_event(
    event_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> None:
    """Delete the event, every occurrence, and its reminders."""
    await event_service.delete(session, actor, event_id=event_id, if_match=parse_if_match(if_match))


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

"""REST endpoints of the calendar's events (DESIGN.md section 4): the routes every kind shares
but the list, which answers the occurrences in a range; one occurrence changed or cancelled
alone; everything the calendar shows in a range."""

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Response, status
from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.dependencies import ActorDep, SessionDep
from crm.calendar.agenda import agenda as agenda_service
from crm.calendar.schemas import (
    CalendarItems,
    EventOut,
    OccurrencePatch,
    Occurrences,
    RangeQuery,
    When,
)
from crm.calendar.service import event as event_service
from crm.kit.etags import IfMatch, etag, parse_if_match
from crm.kit.openapi import problems, with_etag
from crm.kit.routing import Router
from crm.models import CalendarEvent
from crm.records.endpoints import crud_router

DOCS = {
    "create": "Times without an offset are read in `timezone` (yours by default); an all-day "
    "event takes dates, its `end` exclusive.",
    "get": "Its rule and exceptions included.",
    "update": "A new `start` alone moves the event, keeping its length.",
    "delete": "Every occurrence goes, and the event's reminders.",
}
router = crud_router(
    event_service, plural="events", path="calendar/events", docs=DOCS, own=("list",)
)
items_router = Router(prefix="/api/v1/calendar", tags=["calendar"], responses=problems(401))


async def _answer(
    response: Response, session: AsyncSession, actor: Actor, event: CalendarEvent
) -> EventOut:
    response.headers["ETag"] = etag(event.version)
    return await event_service.answer(session, actor, event)


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
    return _json(await event_service.answer_occurrences(session, actor, found))


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


@items_router.get("/items", response_model=CalendarItems, responses=problems(422))
async def calendar_items(
    query: Annotated[RangeQuery, Query()], session: SessionDep, actor: ActorDep
) -> Response:
    """Everything the calendar shows in [start, end): event occurrences, reminders (not
    dismissed) and the due dates of the tasks and projects you see, each with its `kind`,
    in start order."""
    found = await agenda_service.items(session, actor, query=query)
    return _json(found)  # dataclasses with CalendarItemOut's fields

"""REST endpoints of reminders (DESIGN.md section 4)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from crm.activity.schemas import ActivityOut
from crm.auth.dependencies import ActorDep, SessionDep
from crm.kit.etags import IfMatch, etag, parse_if_match
from crm.kit.openapi import problems, with_etag
from crm.kit.pagination import PageQuery
from crm.kit.schemas import Page
from crm.models import Reminder
from crm.reminders.schemas import (
    ReminderInput,
    ReminderOut,
    ReminderPatch,
    ReminderQuery,
    SnoozeInput,
)
from crm.reminders.service import reminder as reminder_service

router = APIRouter(prefix="/api/v1/reminders", tags=["reminders"], responses=problems(401))


def reminder_out(reminder: Reminder) -> ReminderOut:
    return ReminderOut(
        id=reminder.id,
        message=reminder.message,
        remind_at=reminder.remind_at,
        relative_to=reminder.anchor,
        minutes_before=reminder.minutes_before,
        channels=list(reminder.channels),  # type: ignore[arg-type]
        status=reminder.status,
        sent_at=reminder.sent_at,
        email_via=reminder.email_via,
        contact_id=reminder.contact_id,
        organization_id=reminder.organization_id,
        project_id=reminder.project_id,
        task_id=reminder.task_id,
        event_id=reminder.event_id,
        metadata=reminder.custom_fields,
        version=reminder.version,
        created_at=reminder.created_at,
        updated_at=reminder.updated_at,
    )


def _answer(response: Response, reminder: Reminder) -> ReminderOut:
    response.headers["ETag"] = etag(reminder.version)
    return reminder_out(reminder)


@router.get("", responses=problems(422))
async def list_reminders(
    query: Annotated[ReminderQuery, Query()], session: SessionDep, actor: ActorDep
) -> Page[ReminderOut]:
    """Your reminders by when they fire (`status` filters, repeatable)."""
    found = await reminder_service.list(session, actor, query=query)
    return found.page(reminder_out)


@router.post("", status_code=status.HTTP_201_CREATED, responses={**with_etag(201), **problems(422)})
async def create_reminder(
    body: ReminderInput, response: Response, session: SessionDep, actor: ActorDep
) -> ReminderOut:
    """Add a reminder: at `remind_at`, or `minutes_before` the linked event (`relative_to`:
    event) or the linked task's due date (`relative_to`: task, at 09:00 your time)."""
    reminder = await reminder_service.create(session, actor, data=body)
    response.headers["Location"] = f"{router.prefix}/{reminder.id}"
    return _answer(response, reminder)


@router.get("/{reminder_id}", responses={**with_etag(), **problems(404, 422)})
async def get_reminder(
    reminder_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> ReminderOut:
    """One of your reminders."""
    return _answer(response, await reminder_service.get(session, actor, reminder_id=reminder_id))


@router.put("/{reminder_id}", responses={**with_etag(), **problems(404, 412, 422)})
async def replace_reminder(
    reminder_id: uuid.UUID,
    body: ReminderInput,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> ReminderOut:
    """Replace the whole reminder; a new time schedules it again."""
    reminder = await reminder_service.replace(
        session, actor, reminder_id=reminder_id, data=body, if_match=parse_if_match(if_match)
    )
    return _answer(response, reminder)


@router.patch("/{reminder_id}", responses={**with_etag(), **problems(404, 412, 422)})
async def update_reminder(
    reminder_id: uuid.UUID,
    body: ReminderPatch,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> ReminderOut:
    """Change the fields given; a new time schedules it again."""
    reminder = await reminder_service.update(
        session, actor, reminder_id=reminder_id, changes=body, if_match=parse_if_match(if_match)
    )
    return _answer(response, reminder)


@router.post("/{reminder_id}/snooze", responses={**with_etag(), **problems(404, 422)})
async def snooze_reminder(
    reminder_id: uuid.UUID,
    body: SnoozeInput,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
) -> ReminderOut:
    """Fire again at `until`; the status becomes `snoozed`."""
    reminder = await reminder_service.snooze(
        session, actor, reminder_id=reminder_id, until=body.until
    )
    return _answer(response, reminder)


@router.post("/{reminder_id}/dismiss", responses={**with_etag(), **problems(404, 422)})
async def dismiss_reminder(
    reminder_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> ReminderOut:
    """Stop the reminder; it will not fire."""
    reminder = await reminder_service.dismiss(session, actor, reminder_id=reminder_id)
    return _answer(response, reminder)


@router.delete(
    "/{reminder_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404, 412, 422)
)
async def delete_reminder(
    reminder_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> None:
    """Delete the reminder."""
    await reminder_service.delete(
        session, actor, reminder_id=reminder_id, if_match=parse_if_match(if_match)
    )


@router.get("/{reminder_id}/activity", responses=problems(404, 422))
async def reminder_activity(
    reminder_id: uuid.UUID,
    query: Annotated[PageQuery, Query()],
    session: SessionDep,
    actor: ActorDep,
) -> Page[ActivityOut]:
    """Every change to the reminder, newest first."""
    found = await reminder_service.activity(session, actor, reminder_id=reminder_id, query=query)
    return found.page(ActivityOut.of)

"""REST endpoints of reminders (DESIGN.md section 4): the routes every kind shares, and
snooze and dismiss."""

import uuid

from fastapi import Response

from crm.auth.dependencies import ActorDep, SessionDep
from crm.kit.etags import etag
from crm.kit.openapi import problems, with_etag
from crm.models import Reminder
from crm.records.endpoints import crud_router
from crm.reminders.schemas import ReminderOut, SnoozeInput
from crm.reminders.service import reminder as reminder_service

NEW_TIME = "A new time schedules it again."
DOCS = {
    "list": "By when they fire; `status` filters (repeatable).",
    "create": "At `remind_at`, or `minutes_before` the linked event (`relative_to`: event) or "
    "the linked task's due date (`relative_to`: task, at 09:00 your time).",
    "replace": NEW_TIME,
    "update": NEW_TIME,
}
router = crud_router(reminder_service, plural="reminders", docs=DOCS)
ANSWERS = {**with_etag(), **problems(404, 422)}


def _answer(response: Response, reminder: Reminder) -> ReminderOut:
    response.headers["ETag"] = etag(reminder.version)
    return ReminderOut.of(reminder)


@router.post("/{reminder_id}/snooze", responses=ANSWERS)
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


@router.post("/{reminder_id}/dismiss", responses=ANSWERS)
async def dismiss_reminder(
    reminder_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> ReminderOut:
    """Stop the reminder; it will not fire."""
    reminder = await reminder_service.dismiss(session, actor, reminder_id=reminder_id)
    return _answer(response, reminder)

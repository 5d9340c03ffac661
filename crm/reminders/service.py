"""Reminders: when (absolute, or relative to an event or a task's due date), what, through
which channels. Every write that changes when a reminder fires queues its delivery job in the
same transaction (crm.jobs.defer); the job delivers it once (crm.reminders.delivery). Moving
an event or a task's due date re-times the reminders relative to it in the same transaction
(`follow_event`, `follow_task`)."""

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from crm import jobs
from crm.activity.service import activity as activity_service
from crm.activity.service import diff
from crm.auth.actor import Actor
from crm.auth.service import user_zone
from crm.calendar.links import check_links
from crm.calendar.recurrence import Series
from crm.calendar.repository import event_repository
from crm.db import set_context
from crm.errors import Invalid, NotFound
from crm.kit.etags import require_version
from crm.kit.pagination import PageQuery, Slice, paginate
from crm.kit.records import Deleted
from crm.models import (
    Activity,
    CalendarEvent,
    Reminder,
    ReminderAnchor,
    ReminderStatus,
    Role,
    Task,
)
from crm.reminders.repository import SORTS, reminder_repository
from crm.reminders.schemas import ReminderInput, ReminderPatch, ReminderQuery
from crm.tasks.service import task as task_service

NOT_FOUND = "No such reminder."
DELIVER = "deliver_reminder"
# A task's due date is a day; its reminders count back from this time of it, the owner's.
DUE_TIME = time(9, 0)
PENDING = (ReminderStatus.scheduled, ReminderStatus.snoozed)


def as_input(reminder: Reminder) -> dict[str, Any]:
    """The reminder's fields as ReminderInput takes them (what PATCH starts from)."""
    return {
        "message": reminder.message,
        "remind_at": None if reminder.anchor else reminder.remind_at,
        "relative_to": reminder.anchor,
        "minutes_before": reminder.minutes_before,
        "channels": list(reminder.channels),
        "contact_id": reminder.contact_id,
        "organization_id": reminder.organization_id,
        "project_id": reminder.project_id,
        "task_id": reminder.task_id,
        "event_id": reminder.event_id,
        "metadata": reminder.custom_fields,
    }


def snapshot(reminder: Reminder) -> dict[str, Any]:
    return to_jsonable_python(
        {**as_input(reminder), "remind_at": reminder.remind_at, "status": reminder.status}
    )


class ReminderService:
    async def list(
        self, session: AsyncSession, actor: Actor, *, query: ReminderQuery
    ) -> Slice[Reminder]:
        """The actor's reminders by when they fire, optionally of some statuses."""
        statement = reminder_repository.readable(actor)
        if query.status:
            statement = statement.where(Reminder.status.in_(query.status))
        return await paginate(
            session, statement, SORTS["remind_at"], limit=query.limit, cursor=query.cursor
        )

    async def get(self, session: AsyncSession, actor: Actor, *, reminder_id: uuid.UUID) -> Reminder:
        """One of the actor's reminders; 404 for any other."""
        reminder = await reminder_repository.get(session, actor, reminder_id)
        if reminder is None:
            raise NotFound(NOT_FOUND)
        return reminder

    async def between(
        self, session: AsyncSession, actor: Actor, *, start: datetime, end: datetime
    ) -> Sequence[Reminder]:
        """The actor's reminders firing in [start, end), dismissed ones left out."""
        statement = reminder_repository.readable(actor).where(
            Reminder.remind_at >= start,
            Reminder.remind_at < end,
            Reminder.status != ReminderStatus.dismissed,
        )
        return (await session.scalars(statement.order_by(Reminder.remind_at))).all()

    async def create(self, session: AsyncSession, actor: Actor, *, data: ReminderInput) -> Reminder:
        """Add a reminder; it fires at its time."""
        now = datetime.now(UTC)
        reminder = Reminder(
            id=uuid.uuid4(),
            workspace_id=actor.workspace_id,
            owner_id=actor.user_id,
            version=1,
            created_at=now,
            updated_at=now,
            status=ReminderStatus.scheduled,
            **await self._columns(session, actor, data),
        )
        session.add(reminder)
        await session.flush()
        await self._schedule(session, reminder)
        await self._log(session, actor, reminder, "created", diff({}, snapshot(reminder)))
        return reminder

    async def replace(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        reminder_id: uuid.UUID,
        data: ReminderInput,
        if_match: frozenset[int] | None = None,
    ) -> Reminder:
        """Replace every field (PUT). A new time schedules it again."""
        reminder = await self._lock(session, actor, reminder_id, if_match)
        return await self._write(
            session, actor, reminder, await self._columns(session, actor, data)
        )

    async def update(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        reminder_id: uuid.UUID,
        changes: ReminderPatch,
        if_match: frozenset[int] | None = None,
    ) -> Reminder:
        """Change the given fields (PATCH). A new time schedules it again."""
        reminder = await self._lock(session, actor, reminder_id, if_match)
        given = changes.model_dump()
        if "remind_at" in given and given["remind_at"] is not None:
            given.setdefault("relative_to", None)
            given.setdefault("minutes_before", None)
        data = ReminderInput.model_validate({**as_input(reminder), **given})
        return await self._write(
            session, actor, reminder, await self._columns(session, actor, data)
        )

    async def snooze(
        self, session: AsyncSession, actor: Actor, *, reminder_id: uuid.UUID, until: datetime
    ) -> Reminder:
        """Fire again at `until` (in the future)."""
        reminder = await self._lock(session, actor, reminder_id, None)
        zone = await user_zone(session, actor)
        until = (until if until.tzinfo else until.replace(tzinfo=zone)).astimezone(UTC)
        if until <= datetime.now(UTC):
            raise Invalid("until", "must be in the future")
        return await self._change_state(session, actor, reminder, ReminderStatus.snoozed, until)

    async def dismiss(
        self, session: AsyncSession, actor: Actor, *, reminder_id: uuid.UUID
    ) -> Reminder:
        """Stop it: a dismissed reminder does not fire."""
        reminder = await self._lock(session, actor, reminder_id, None)
        return await self._change_state(session, actor, reminder, ReminderStatus.dismissed, None)

    async def delete(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        reminder_id: uuid.UUID,
        if_match: frozenset[int] | None = None,
    ) -> Deleted:
        """Delete a reminder."""
        reminder = await self._lock(session, actor, reminder_id, if_match)
        before = snapshot(reminder)
        await session.delete(reminder)
        await session.flush()
        await self._log(session, actor, reminder, "deleted", diff(before, {}))
        return Deleted(entity_type="reminder", id=reminder_id, effects={})

    async def activity(
        self, session: AsyncSession, actor: Actor, *, reminder_id: uuid.UUID, query: PageQuery
    ) -> Slice[Activity]:
        """The reminder's changes, newest first."""
        await self.get(session, actor, reminder_id=reminder_id)
        return await activity_service.list(session, actor, entity_id=reminder_id, query=query)

    async def follow_event(
        self, session: AsyncSession, actor: Actor, *, event: CalendarEvent
    ) -> None:
        """The event moved: its pending relative reminders move with it."""
        statement = reminder_repository.readable(actor).where(
            Reminder.event_id == event.id,
            Reminder.anchor == ReminderAnchor.event,
            Reminder.status == ReminderStatus.scheduled,
        )
        for reminder in (await session.scalars(statement.with_for_update())).all():
            when = _next_start(event) - timedelta(minutes=reminder.minutes_before or 0)
            if when != reminder.remind_at:
                await self._write(session, actor, reminder, {"remind_at": when})

    async def follow_task(
        self, session: AsyncSession, actor: Actor, *, task: Task, users: Iterable[uuid.UUID]
    ) -> None:
        """The task's due date moved: the scheduled reminders relative to it move with it,
        earlier or later, whoever's they are. `users` are those who may have such reminders
        (whoever sees the task). Another user's reminders are re-timed under that user's
        row-level-security context and logged as a job's change of theirs: the actor (say
        the task's assignee) neither reads nor changes anything visible to them."""
        if task.due_date is None:
            return  # nothing to count back from: they keep their time
        for user_id in users:
            async with _acting_as(session, actor, user_id) as owner:
                statement = reminder_repository.readable(owner).where(
                    Reminder.task_id == task.id,
                    Reminder.anchor == ReminderAnchor.task,
                    Reminder.status == ReminderStatus.scheduled,
                )
                found = (await session.scalars(statement.with_for_update())).all()
                zone = await user_zone(session, owner) if found else None
                for reminder in found:
                    when = _before_due(task.due_date, zone, reminder.minutes_before)
                    await self._write(session, owner, reminder, {"remind_at": when})

    async def rearm(self, session: AsyncSession, actor: Actor, *, reminder: Reminder) -> None:
        """After a reminder relative to a recurring event fired: schedule it for the event's
        next occurrence, if there is one."""
        if reminder.anchor != ReminderAnchor.event or reminder.event_id is None:
            return
        event = await event_repository.get(session, actor, reminder.event_id)
        if event is None or event.rrule is None:
            return
        before = timedelta(minutes=reminder.minutes_before or 0)
        fired_for = reminder.remind_at + before
        upcoming = Series.of(event).between(
            fired_for + timedelta(seconds=1), fired_for + timedelta(days=400)
        )
        following = next((start for start, _ in upcoming if start > fired_for), None)
        if following is None:
            return
        reminder.remind_at = (following - before).astimezone(UTC)
        reminder.status = ReminderStatus.scheduled
        await session.flush()
        await self._schedule(session, reminder)

    async def _change_state(
        self,
        session: AsyncSession,
        actor: Actor,
        reminder: Reminder,
        status: ReminderStatus,
        remind_at: datetime | None,
    ) -> Reminder:
        before = snapshot(reminder)
        reminder.status = status
        if remind_at is not None:
            reminder.remind_at = remind_at
        reminder.version += 1
        reminder.updated_at = datetime.now(UTC)
        await session.flush()
        if status in PENDING:
            await self._schedule(session, reminder)
        await self._log(session, actor, reminder, "updated", diff(before, snapshot(reminder)))
        return reminder

    async def _write(
        self, session: AsyncSession, actor: Actor, reminder: Reminder, columns: dict[str, Any]
    ) -> Reminder:
        changed = {k: v for k, v in columns.items() if getattr(reminder, k) != v}
        if not changed:
            return reminder
        before = snapshot(reminder)
        for column, value in changed.items():
            setattr(reminder, column, value)
        if "remind_at" in changed:  # a new time arms it again
            reminder.status = ReminderStatus.scheduled
        reminder.version += 1
        reminder.updated_at = datetime.now(UTC)
        await session.flush()
        if "remind_at" in changed:
            await self._schedule(session, reminder)
        await self._log(session, actor, reminder, "updated", diff(before, snapshot(reminder)))
        return reminder

    async def _schedule(self, session: AsyncSession, reminder: Reminder) -> None:
        # A job per arming; one that finds the reminder moved or done does nothing.
        await jobs.defer(
            session,
            DELIVER,
            at=reminder.remind_at,
            reminder_id=str(reminder.id),
            user_id=str(reminder.owner_id),
            workspace_id=str(reminder.workspace_id),
        )

    async def _lock(
        self,
        session: AsyncSession,
        actor: Actor,
        reminder_id: uuid.UUID,
        if_match: frozenset[int] | None,
    ) -> Reminder:
        reminder = await reminder_repository.get(session, actor, reminder_id, for_update=True)
        if reminder is None:
            raise NotFound(NOT_FOUND)
        require_version(reminder.version, if_match)
        return reminder

    async def _columns(
        self, session: AsyncSession, actor: Actor, data: ReminderInput
    ) -> dict[str, Any]:
        """Column values of an input: links checked, `remind_at` resolved."""
        await check_links(session, actor, data.model_dump())
        event = None
        if data.event_id is not None:
            event = await event_repository.get(session, actor, data.event_id)
            if event is None:
                raise Invalid("event_id", "is not an event of yours")
        zone = await user_zone(session, actor)
        return {
            "message": data.message,
            "remind_at": (await self._when(session, actor, data, event, zone)).astimezone(UTC),
            "anchor": data.relative_to,
            "minutes_before": data.minutes_before if data.relative_to else None,
            "channels": sorted(set(data.channels)),
            "contact_id": data.contact_id,
            "organization_id": data.organization_id,
            "project_id": data.project_id,
            "task_id": data.task_id,
            "event_id": data.event_id,
            "custom_fields": data.metadata,
        }

    async def _when(
        self,
        session: AsyncSession,
        actor: Actor,
        data: ReminderInput,
        event: CalendarEvent | None,
        zone: ZoneInfo,
    ) -> datetime:
        if data.relative_to is None:
            if data.remind_at is None:
                raise Invalid("remind_at", "is required (or relative_to with minutes_before)")
            return data.remind_at if data.remind_at.tzinfo else data.remind_at.replace(tzinfo=zone)
        if data.remind_at is not None:
            raise Invalid("remind_at", "give remind_at or relative_to, not both")
        if data.minutes_before is None:
            raise Invalid("minutes_before", "is required with relative_to")
        before = timedelta(minutes=data.minutes_before)
        if data.relative_to == ReminderAnchor.event:
            if event is None:
                raise Invalid("event_id", "is required when relative_to is event")
            return _next_start(event) - before
        if data.task_id is None:
            raise Invalid("task_id", "is required when relative_to is task")
        task: Task = await task_service.get(session, actor, task_id=data.task_id)
        if task.due_date is None:
            raise Invalid("task_id", "has no due date")
        return _before_due(task.due_date, zone, data.minutes_before)

    async def _log(
        self,
        session: AsyncSession,
        actor: Actor,
        reminder: Reminder,
        action: Any,
        changes: dict[str, Any],
    ) -> None:
        await activity_service.record(
            session,
            actor,
            entity_type="reminder",
            entity_id=reminder.id,
            owner_id=reminder.owner_id,
            action=action,
            changes=changes,
        )


def _before_due(due: date, zone: ZoneInfo, minutes_before: int | None) -> datetime:
    """`minutes_before` the due date's DUE_TIME in `zone`, in UTC."""
    due_at = datetime.combine(due, DUE_TIME, tzinfo=zone)
    return (due_at - timedelta(minutes=minutes_before or 0)).astimezone(UTC)


@asynccontextmanager
async def _acting_as(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID
) -> AsyncIterator[Actor]:
    """The actor itself, or (for the block) a job acting for another user of its workspace
    under that user's row-level-security context, given back to the actor afterwards."""
    if user_id == actor.user_id:
        yield actor
        return
    await set_context(session, user_id=user_id)
    try:
        yield Actor(user_id, actor.workspace_id, Role.member, "job")
    finally:
        await set_context(session, user_id=actor.user_id)


def _next_start(event: CalendarEvent) -> datetime:
    """The start of the event's next occurrence from now (its first one if all are past)."""
    now = datetime.now(UTC)
    for start, _ in Series.of(event).between(now, now + timedelta(days=400)):
        if start >= now:
            return start
    return event.starts_at


reminder = ReminderService()

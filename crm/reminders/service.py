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
from crm.activity.service import diff
from crm.auth.actor import Actor
from crm.auth.service import user_zone
from crm.calendar.links import check_links
from crm.calendar.recurrence import Series
from crm.calendar.repository import event_repository
from crm.db import set_context
from crm.errors import Invalid
from crm.kit.pagination import Slice, paginate
from crm.models import CalendarEvent, Reminder, ReminderAnchor, ReminderStatus, Role, Task
from crm.records.kinds import KINDS
from crm.records.service import RecordService
from crm.reminders.repository import SORTS, reminder_repository
from crm.reminders.schemas import ReminderInput, ReminderOut, ReminderPatch, ReminderQuery

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


class ReminderService(RecordService[Reminder]):
    name = "reminder"
    model = Reminder
    repository = reminder_repository
    Input, Patch, Query, Out = ReminderInput, ReminderPatch, ReminderQuery, ReminderOut
    reload = False

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

    async def snooze(
        self, session: AsyncSession, actor: Actor, *, reminder_id: uuid.UUID, until: datetime
    ) -> Reminder:
        """Fire again at `until` (in the future)."""
        reminder = await self._lock(session, actor, reminder_id, None, {})
        zone = await user_zone(session, actor)
        until = (until if until.tzinfo else until.replace(tzinfo=zone)).astimezone(UTC)
        if until <= datetime.now(UTC):
            raise Invalid("until", "must be in the future")
        return await self._change_state(session, actor, reminder, ReminderStatus.snoozed, until)

    async def dismiss(
        self, session: AsyncSession, actor: Actor, *, reminder_id: uuid.UUID
    ) -> Reminder:
        """Stop it: a dismissed reminder does not fire."""
        reminder = await self._lock(session, actor, reminder_id, None, {})
        return await self._change_state(session, actor, reminder, ReminderStatus.dismissed, None)

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
            await self._retime(session, actor, reminder, when)

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
                    await self._retime(session, owner, reminder, when)

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

    def snapshot(self, record: Reminder) -> dict[str, Any]:
        return to_jsonable_python(
            {**as_input(record), "remind_at": record.remind_at, "status": record.status}
        )

    async def _new(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        columns = await self._columns(session, actor, fields)
        return {"owner_id": actor.user_id, "status": ReminderStatus.scheduled, **columns}

    async def _created(
        self, session: AsyncSession, actor: Actor, record: Reminder, fields: dict[str, Any]
    ) -> None:
        await self._schedule(session, record)

    async def _changes(
        self, session: AsyncSession, actor: Actor, record: Reminder, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """PUT's fields, or PATCH's over the reminder's: a new `remind_at` alone drops the
        time it was relative to."""
        if fields.get("remind_at") is not None:
            fields = {"relative_to": None, "minutes_before": None, **fields}
        columns = await self._columns(session, actor, {**as_input(record), **fields})
        return {k: v for k, v in columns.items() if getattr(record, k) != v}

    async def _write(
        self, session: AsyncSession, actor: Actor, record: Reminder, changed: dict[str, Any]
    ) -> None:
        await super()._write(session, actor, record, changed)
        if "remind_at" in changed:  # a new time arms it again
            record.status = ReminderStatus.scheduled

    async def _changed(
        self, session: AsyncSession, actor: Actor, record: Reminder, changed: dict[str, Any]
    ) -> None:
        if "remind_at" in changed:
            await self._schedule(session, record)

    async def _retime(
        self, session: AsyncSession, actor: Actor, reminder: Reminder, when: datetime
    ) -> None:
        if when != reminder.remind_at:
            await self._save(session, actor, reminder, {"remind_at": when})

    async def _change_state(
        self,
        session: AsyncSession,
        actor: Actor,
        reminder: Reminder,
        status: ReminderStatus,
        remind_at: datetime | None,
    ) -> Reminder:
        before = self.snapshot(reminder)
        reminder.status = status
        if remind_at is not None:
            reminder.remind_at = remind_at
        reminder.version += 1
        reminder.updated_at = datetime.now(UTC)
        await session.flush()
        if status in PENDING:
            await self._schedule(session, reminder)
        await self._log(session, actor, reminder, "updated", diff(before, self.snapshot(reminder)))
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

    async def _columns(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Column values of an input's fields: links checked, `remind_at` resolved."""
        data = ReminderInput.model_validate(fields)
        await check_links(session, actor, fields)
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
        task: Task = await KINDS["task"].service.get(session, actor, task_id=data.task_id)
        if task.due_date is None:
            raise Invalid("task_id", "has no due date")
        return _before_due(task.due_date, zone, data.minutes_before)


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
# A reminder relative to a task follows its due date, whoever moves it.
KINDS["task"].service.due_date_followers.append(reminder.follow_task)

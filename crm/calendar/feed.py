"""Each user's secret ICS feed: a URL that Outlook, Google Calendar and Apple Calendar
subscribe to, answering the user's events, reminders and due dates as RFC 5545 text. Only the
SHA-256 of the URL's token is stored; a new URL revokes the old one."""

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.service import user_zone
from crm.auth.tokens import hash_token, new_opaque_token
from crm.calendar.service import event as event_service
from crm.db import set_context
from crm.errors import NotFound
from crm.kit.pagination import Slice
from crm.models import (
    CalendarFeed,
    Membership,
    ProjectStatus,
    Reminder,
    ReminderAnchor,
    ReminderStatus,
    TaskStatus,
)
from crm.projects.schemas import ProjectQuery
from crm.projects.service import project as project_service
from crm.reminders.schemas import ReminderQuery
from crm.reminders.service import reminder as reminder_service
from crm.tasks.schemas import TaskQuery
from crm.tasks.service import task as task_service

if TYPE_CHECKING:
    from icalendar import Alarm

NO_FEED = "No such calendar feed (it may have been replaced by a new one)."
OPEN_TASKS = [TaskStatus.todo, TaskStatus.in_progress, TaskStatus.blocked]
OPEN_PROJECTS = [ProjectStatus.planned, ProjectStatus.in_progress, ProjectStatus.on_hold]
T = TypeVar("T")
SHOWN = [ReminderStatus.scheduled, ReminderStatus.snoozed, ReminderStatus.sent]


@dataclass(frozen=True)
class DueDate:
    """A task's or a project's due date, as the calendar shows it."""

    kind: str  # task | project
    id: Any
    name: str
    day: date


class FeedService:
    async def get(self, session: AsyncSession, actor: Actor) -> CalendarFeed | None:
        """The actor's feed, if they have made one."""
        return await session.scalar(
            select(CalendarFeed).where(
                CalendarFeed.workspace_id == actor.workspace_id,
                CalendarFeed.user_id == actor.user_id,
            )
        )

    async def issue(self, session: AsyncSession, actor: Actor) -> str:
        """A new secret token for the actor's feed; the previous URL stops working."""
        await self.revoke(session, actor)
        token, token_hash = new_opaque_token()
        session.add(
            CalendarFeed(
                workspace_id=actor.workspace_id, user_id=actor.user_id, token_hash=token_hash
            )
        )
        await session.flush()
        return token

    async def revoke(self, session: AsyncSession, actor: Actor) -> None:
        """Turn the actor's feed off: its URL answers 404 from now on."""
        await session.execute(
            delete(CalendarFeed).where(
                CalendarFeed.workspace_id == actor.workspace_id,
                CalendarFeed.user_id == actor.user_id,
            )
        )

    async def owner(self, session: AsyncSession, *, token: str) -> Actor:
        """Who the feed of `token` belongs to (the transaction then acts as them); 404 for an
        unknown or revoked token, or an owner no longer in the workspace."""
        await set_context(session, token_hash=hash_token(token))
        feed = await session.scalar(
            select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token))
        )
        if feed is None:
            raise NotFound(NO_FEED)
        await set_context(
            session, user_id=feed.user_id, workspace_id=feed.workspace_id, token_hash=None
        )
        role = await session.scalar(
            select(Membership.role).where(
                Membership.workspace_id == feed.workspace_id, Membership.user_id == feed.user_id
            )
        )
        if role is None:
            raise NotFound(NO_FEED)
        return Actor(feed.user_id, feed.workspace_id, role, "api")

    async def render(self, session: AsyncSession, *, token: str, base_url: str) -> bytes:
        """The feed of `token`: the owner's events (recurrence kept), reminders and due dates."""
        from crm.calendar import ics  # icalendar: with the first calendar read or written

        actor = await self.owner(session, token=token)
        zone = (await user_zone(session, actor)).key
        page = f"{base_url.rstrip('/')}/calendar"
        calendar = ics.new_calendar("CRM")
        calendar.add("x-wr-timezone", zone)
        # Subscribers: Outlook reads METHOD, Apple REFRESH-INTERVAL, Outlook.com X-PUBLISHED-TTL.
        calendar.add("method", "PUBLISH")
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        alarms, standalone = await _reminders(session, actor)
        for event in await event_service.every(session, actor):
            component, *changed = ics.event_components(event, url=page)
            for reminder in alarms.get(event.id, []):
                component.add_component(_alarm(reminder))
            for each in (component, *changed):
                calendar.add_component(each)
        for reminder in standalone:
            uid = f"reminder-{reminder.id}@crm"
            moment = ics.moment_component(uid, reminder.message, reminder.remind_at, zone, url=page)
            calendar.add_component(moment)
        for due in await due_dates(session, actor):
            title = f"Due: {due.name}" if due.kind == "task" else f"Project due: {due.name}"
            uid = f"{due.kind}-{due.id}-due@crm"
            calendar.add_component(ics.all_day_component(uid, title, due.day, url=page))
        return ics.finish(calendar)


async def _reminders(
    session: AsyncSession, actor: Actor
) -> tuple[dict[uuid.UUID, list[Reminder]], list[Reminder]]:
    """The actor's reminders that are not dismissed: those of an event (its alarms) by event,
    and the others."""
    alarms: dict[uuid.UUID, list[Reminder]] = defaultdict(list)
    standalone = []
    async for reminder in _every(
        lambda cursor: reminder_service.list(
            session, actor, query=ReminderQuery(limit=200, status=SHOWN, cursor=cursor)
        )
    ):
        if reminder.event_id is not None:
            alarms[reminder.event_id].append(reminder)
        else:
            standalone.append(reminder)
    return alarms, standalone


def _alarm(reminder: Reminder) -> "Alarm":
    """An event's reminder as its VALARM: relative to each occurrence's start when it was
    set that way, else at its moment."""
    from crm.calendar import ics

    if reminder.anchor is ReminderAnchor.event and reminder.minutes_before is not None:
        return ics.alarm(reminder.message, before=timedelta(minutes=reminder.minutes_before))
    return ics.alarm(reminder.message, at=reminder.remind_at)


async def due_dates(
    session: AsyncSession, actor: Actor, *, start: date | None = None, end: date | None = None
) -> list[DueDate]:
    """The due dates of the open tasks and projects the actor sees, in [start, end)."""
    found: list[DueDate] = []
    task_query: dict[str, Any] = {"limit": 200, "status": OPEN_TASKS}
    if start is not None:
        task_query["due_after"] = date.fromordinal(start.toordinal() - 1)
    if end is not None:
        task_query["due_before"] = end
    async for task in _every(
        lambda cursor: task_service.list(
            session, actor, query=TaskQuery(**task_query, cursor=cursor)
        )
    ):
        if task.due_date is not None:
            found.append(DueDate("task", task.id, task.name, task.due_date))
    async for view in _every(
        lambda cursor: project_service.list(
            session, actor, query=ProjectQuery(limit=200, status=OPEN_PROJECTS, cursor=cursor)
        )
    ):
        project = view.project
        day = project.due_date
        if day is not None and (start is None or day >= start) and (end is None or day < end):
            found.append(DueDate("project", project.id, project.name, day))
    return found


async def _every(fetch: Callable[[str | None], Awaitable[Slice[T]]]) -> AsyncIterator[T]:
    """Every row of a paginated listing, page after page."""
    cursor: str | None = None
    while True:
        page = await fetch(cursor)
        for item in page.items:
            yield item
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


feed = FeedService()

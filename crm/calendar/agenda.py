"""Everything the calendar shows in a range, one kind per item: event occurrences, reminders,
and the due dates of the tasks and projects the actor sees."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.service import user_zone
from crm.calendar.answers import shown
from crm.calendar.links import instant
from crm.calendar.repository import event_repository
from crm.calendar.schemas import RangeQuery
from crm.calendar.service import event as event_service
from crm.models import Project, Task
from crm.projects.repository import project_repository
from crm.reminders.service import reminder as reminder_service
from crm.tasks.repository import task_repository

Kind = Literal["event", "reminder", "task_due", "project_due"]


@dataclass(slots=True)  # not frozen: that makes one four times slower, and a month has hundreds
class Item:
    kind: Kind
    id: str
    title: str
    start: datetime | date
    end: datetime | date | None
    all_day: bool
    link: str
    status: str | None = None
    event_id: str | None = None
    recurrence_id: datetime | None = None
    source: str | None = None
    read_only: bool = False


class AgendaService:
    async def items(self, session: AsyncSession, actor: Actor, *, query: RangeQuery) -> list[Item]:
        """The calendar's items in [start, end): events (recurrences expanded), reminders
        that are not dismissed, due dates of tasks and projects, by start."""
        zone = await user_zone(session, actor)
        start, end = instant(query.start, zone), instant(query.end, zone)
        found: list[Item] = []
        occurrences = await event_service.between(session, actor, start=start, end=end)
        came_from = await event_repository.sources(
            session, actor, {o.event.id for o in occurrences}
        )
        for o in occurrences:
            event_id = str(o.event.id)
            found.append(
                Item(
                    "event",
                    event_id,
                    o.title,
                    shown(o.start, o.event),
                    shown(o.end, o.event),
                    o.event.all_day,
                    f"/calendar?event={event_id}",
                    o.event.response,
                    event_id=event_id,
                    recurrence_id=o.recurrence_id,
                    source=came_from.get(o.event.id),
                    read_only=o.event.organizer is not None,
                )
            )
        for r in await reminder_service.between(session, actor, start=start, end=end):
            when = r.remind_at.astimezone(zone)
            found.append(
                Item(
                    "reminder",
                    str(r.id),
                    r.message,
                    when,
                    None,
                    False,
                    f"/calendar?reminder={r.id}",
                    status=r.status.value,
                )
            )
        # Due dates are days: those from the range's first day to its last.
        first, last = (
            start.astimezone(zone).date(),
            (end - timedelta(microseconds=1)).astimezone(zone).date(),
        )
        # Plain columns of the records the actor sees (no related rows needed here).
        tasks = (
            task_repository.readable(actor)
            .with_only_columns(Task.id, Task.name, Task.due_date, Task.status)
            .where(Task.due_key >= first, Task.due_key <= last)
        )
        for t in (await session.execute(tasks)).all():
            found.append(_due("task_due", t.id, t.name, t.due_date, f"/tasks/{t.id}", t.status))
        projects = (
            project_repository.visible(actor)
            .with_only_columns(Project.id, Project.name, Project.due_date, Project.status)
            .where(Project.due_key >= first, Project.due_key <= last)
        )
        for p in (await session.execute(projects)).all():
            found.append(
                _due("project_due", p.id, p.name, p.due_date, f"/projects/{p.id}", p.status)
            )
        found.sort(key=lambda i: (instant(i.start, zone), i.kind, i.id))
        return found


def _due(
    kind: Kind, record_id: object, name: str, day: date | None, link: str, status: object
) -> Item:
    assert day is not None
    return Item(
        kind,
        str(record_id),
        name,
        day,
        day + timedelta(days=1),
        True,
        link,
        status=str(getattr(status, "value", status)),
    )


agenda = AgendaService()

"""When each user's calendars sync next: one job in the queue per user with a connected
calendar (CalDAV, Microsoft 365, Google), deferred when an account is connected and again by
each run (crm/calendar/jobs.py), SYNC_INTERVAL later, for as long as a calendar is connected. A
queueing lock per user keeps it to one waiting job however often they reconnect. Queued by SQL
in the caller's transaction, so the web app needs none of procrastinate."""

import json
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.jobs import QUEUE

SYNC = "calendar.sync"
SYNC_INTERVAL = timedelta(minutes=15)
_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, :lock, "
    "CAST(:args AS jsonb), :at)::procrastinate_job_to_defer_v1])"
)


async def schedule_sync(
    session: AsyncSession, actor: Actor, *, at: datetime | None = None, notified: bool = False
) -> None:
    """Queue the actor's next sync (at `at`, or now) once this transaction commits; nothing
    when one is already waiting. A provider's change notification (`notified`) queues one
    now beside the scheduled one (a lock of its own: one such waiting job at most)."""
    args = {"user_id": str(actor.user_id), "workspace_id": str(actor.workspace_id)}
    values = {
        "queue": QUEUE,
        "task": SYNC,
        "lock": f"calendar-sync{'-now' if notified else ''}:{actor.user_id}",
        "args": json.dumps(args),
        "at": at,
    }
    try:
        async with session.begin_nested():
            await session.execute(_DEFER, values)
    except IntegrityError:
        pass  # a sync of this user is already waiting in the queue

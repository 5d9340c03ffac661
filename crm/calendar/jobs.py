"""The scheduled calendar sync: each user with a connected calendar (CalDAV, Microsoft 365) has
one job in the queue, deferred when an account is connected and again by each run,
SYNC_INTERVAL later, for as long as a calendar is connected. A queueing lock per user keeps it
to one waiting job however often they reconnect."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.config import Settings
from crm.db import Database
from crm.errors import CRMError, NotFound
from crm.jobs import QUEUE, JobDeps
from crm.kit.crypto import SecretBox
from crm.models import Role

# Only the worker needs procrastinate itself (crm.jobs says why it is not imported before).
if TYPE_CHECKING:
    import procrastinate
    from procrastinate import JobContext

log = structlog.get_logger()
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


async def run_sync(
    db: Database, settings: Settings, *, user_id: uuid.UUID, workspace_id: uuid.UUID
) -> bool:
    """Sync every connected calendar of one user and queue the next run; False (and no next
    run) when none is connected any more."""
    # Imported here: the sync's services import the whole calendar domain, the worker's
    # registration of tasks should not.
    from crm.calendar.sync import sync as sync_service

    actor = Actor(user_id, workspace_id, Role.member, "job")
    async with db.transaction(user_id=user_id, workspace_id=workspace_id) as session:
        try:
            # Each calendar's failure is in its run and in settings; the next run tries again.
            async with session.begin_nested():
                await sync_service.sync_all(
                    session, actor, settings=settings, box=SecretBox.from_settings(settings)
                )
        except NotFound:
            return False
        except CRMError as exc:
            log.warning("calendar_sync_failed", user_id=str(user_id), error=exc.detail)
        except Exception:
            # A fault of ours: this run is undone, but the schedule must not stop with it.
            log.exception("calendar_sync_crashed", user_id=str(user_id))
        await schedule_sync(session, actor, at=datetime.now(UTC) + SYNC_INTERVAL)
    return True


async def sync_calendar(context: "JobContext", user_id: str, workspace_id: str) -> None:
    deps: JobDeps = context.additional_context["deps"]
    await run_sync(
        deps.db,
        deps.settings,
        user_id=uuid.UUID(user_id),
        workspace_id=uuid.UUID(workspace_id),
    )


def register(app: "procrastinate.App") -> None:
    app.task(name=SYNC, pass_context=True)(sync_calendar)

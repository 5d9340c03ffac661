"""The scheduled calendar sync in the worker: each run syncs every connected calendar of one
user and queues the next (crm/calendar/schedule.py)."""

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from crm.auth.actor import Actor
from crm.calendar.schedule import SYNC, SYNC_INTERVAL, schedule_sync
from crm.calendar.sync import sync as sync_service
from crm.config import Settings
from crm.db import Database
from crm.errors import CRMError, NotFound
from crm.jobs import JobDeps
from crm.kit.crypto import SecretBox
from crm.models import Role

# Only the worker needs procrastinate itself (crm.jobs says why it is not imported before).
if TYPE_CHECKING:
    import procrastinate
    from procrastinate import JobContext

log = structlog.get_logger()


async def run_sync(
    db: Database, settings: Settings, *, user_id: uuid.UUID, workspace_id: uuid.UUID
) -> bool:
    """Sync every connected calendar of one user and queue the next run; False (and no next
    run) when none is connected any more."""
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

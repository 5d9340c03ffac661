"""Background jobs on procrastinate (PostgreSQL): the queue's app, deferring a job inside the
caller's transaction, and running workers (in `crm serve` or `crm worker`).

A job is deferred in the same transaction as the change that needs it (through
procrastinate's own SQL function), so it exists exactly when that change commits. A worker
killed mid-job leaves its job in `doing`; every worker looks for jobs of workers whose
heartbeat stopped and puts them back in the queue."""

import asyncio
import contextlib
import importlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.config import Settings
from crm.db import Database, database_url
from crm.kit.mail import Mailer

# procrastinate (with its synchronous connector, psycopg's pool...) is imported when a worker
# starts: deferring a job is plain SQL, and the web app starts faster without it.
if TYPE_CHECKING:
    import procrastinate

log = structlog.get_logger()
QUEUE = "crm"
# Modules whose `register(app)` adds their tasks to the workers' app.
TASK_MODULES = ("crm.reminders.jobs", "crm.calendar.jobs")
_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL, "
    "CAST(:args AS jsonb), :at)::procrastinate_job_to_defer_v1])"
)


_CANCEL_DUE = text(
    "SELECT procrastinate_cancel_job_v1(id, false, true) FROM procrastinate_jobs "
    "WHERE status = 'todo' AND queue_name = :queue AND task_name = :task "
    "AND scheduled_at <= now() AND args->>:key = ANY(:values)"
)


async def cancel_due(session: AsyncSession, task: str, *, key: str, values: list[str]) -> None:
    """Drop the queued jobs of `task` whose time has come and whose argument `key` is one of
    `values`, once this transaction commits: their work is done in it. (Through
    procrastinate's own SQL function; a job already running is left alone.)"""
    await session.execute(_CANCEL_DUE, {"queue": QUEUE, "task": task, "key": key, "values": values})


async def defer(
    session: AsyncSession, task: str, *, at: datetime | None = None, **args: Any
) -> None:
    """Queue `task(**args)` to run at `at` (or now) once this transaction commits."""
    await session.execute(
        _DEFER, {"queue": QUEUE, "task": task, "args": json.dumps(args), "at": at}
    )


@dataclass(frozen=True)
class JobDeps:
    """What jobs need, passed to them as the worker's additional context."""

    db: Database
    settings: Settings
    mailer: Mailer


def queue_app(url: str) -> "procrastinate.App":
    """The procrastinate app over the application role's database URL."""
    import procrastinate  # start-up cost: see above

    conninfo = database_url(url, "psycopg").set(drivername="postgresql")
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo.render_as_string(hide_password=False), min_size=1, max_size=4
    )
    app = procrastinate.App(connector=connector)
    for module in TASK_MODULES:
        importlib.import_module(module).register(app)
    return app


async def recover_stalled(app: "procrastinate.App", settings: Settings) -> int:
    """Put back in the queue the jobs of workers that stopped sending heartbeats (killed
    mid-job); answers how many."""
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.worker_stalled_seconds
    )
    count = 0
    for job in stalled:
        with contextlib.suppress(Exception):  # another worker retried it first
            await app.job_manager.retry_job(job)
            count += 1
    if count:
        log.warning("stalled_jobs_retried", count=count)
    return count


async def _recovery_loop(app: "procrastinate.App", settings: Settings) -> None:
    while True:
        try:
            await recover_stalled(app, settings)
        except Exception:
            log.exception("stalled_jobs_check_failed")
        await asyncio.sleep(settings.worker_stalled_seconds / 2)


@asynccontextmanager
async def running_worker(
    url: str, settings: Settings, *, concurrency: int | None = None
) -> AsyncIterator["procrastinate.App"]:
    """A worker running in this event loop until the block ends (then it stops gracefully,
    waiting for its current jobs)."""
    db = Database(url, pool_size=max(2, concurrency or settings.worker_concurrency))
    mailer = Mailer(settings)  # the worker's SMTP connections, shared by its jobs
    # procrastinate's import (0.1 s) in a thread: `crm serve` starts this worker as its app
    # begins to answer, and the event loop keeps answering meanwhile.
    app = await asyncio.to_thread(queue_app, url)
    async with app.open_async():
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency or settings.worker_concurrency,
                fetch_job_polling_interval=settings.worker_polling_seconds,
                update_heartbeat_interval=settings.worker_stalled_seconds / 3,
                stalled_worker_timeout=settings.worker_stalled_seconds,
                delete_jobs="successful",
                install_signal_handlers=False,
                additional_context={"deps": JobDeps(db, settings, mailer)},
            ),
            name="crm-worker",
        )
        recovery = asyncio.create_task(_recovery_loop(app, settings), name="crm-recovery")
        try:
            yield app
        finally:
            recovery.cancel()
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(worker, recovery, return_exceptions=True)
            await mailer.close()
            await db.close()

"""Live notifications across server instances: each instance LISTENs on PostgreSQL's
`crm_notification` channel with one connection and hands every announced notification (and
other live event, such as a chat turn) to the WebSockets of its user open on this instance."""

import asyncio
import contextlib
import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import structlog

from crm.db import database_url
from crm.notifications.service import CHANNEL

log = structlog.get_logger()
RECONNECT_SECONDS = 2.0


class NotificationHub:
    """Subscriptions of this instance's open pages, by user; the listener starts with the
    first subscriber and reconnects when its connection drops."""

    def __init__(self, url: str) -> None:
        self.dsn = (
            database_url(url, "asyncpg")
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        self.queues: dict[uuid.UUID, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self.listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def subscribe(self, user_id: uuid.UUID) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue of the messages for the user's pages while the block runs: {"type":
        "notification", "notification"} for each new notification, and the events announced
        for them ({"type": "chat", ...})."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._listen(), name="crm-notifications")
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=100)
        self.queues[user_id].add(queue)
        try:
            await self.listening.wait()
            yield queue
        finally:
            self.queues[user_id].discard(queue)
            if not self.queues[user_id]:
                del self.queues[user_id]

    def _received(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        message = json.loads(payload)
        pushed = [
            {"type": "notification", "notification": n} for n in message.get("notifications", ())
        ] + message.get("events", [])
        for queue in self.queues.get(uuid.UUID(message["user_id"]), ()):
            for item in pushed:
                with contextlib.suppress(asyncio.QueueFull):  # a stalled page misses pushes
                    queue.put_nowait(item)

    async def _listen(self) -> None:
        while True:
            try:
                conn = await asyncpg.connect(self.dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                try:
                    await conn.add_listener(CHANNEL, self._received)
                    self.listening.set()
                    await lost.wait()
                finally:
                    self.listening.clear()
                    with contextlib.suppress(Exception):
                        await conn.close()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("notification_listener_lost", error=type(exc).__name__)
            await asyncio.sleep(RECONNECT_SECONDS)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

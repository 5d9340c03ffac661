"""The in-app inbox: notifications are added (by jobs), listed, counted and marked read. Each
new one is announced with PostgreSQL NOTIFY when its transaction commits, so every server
instance can push it to that user's open pages (crm.notifications.live); other live events for
those pages (a chat turn) travel the same way (`announce`)."""

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.pagination import PageQuery, Slice, SortKey, paginate
from crm.models import Notification
from crm.notifications.schemas import NotificationOut

CHANNEL = "crm_notification"
NEWEST_FIRST = SortKey("-created_at", Notification.created_at, Notification.id, descending=True)
# NOTIFY payloads are limited to 8000 bytes (json.dumps escapes to ASCII, so characters are
# bytes); a notification's body is cut to fit.
MAX_PAYLOAD = 7900
MAX_PUSHED_BODY = 2000


@dataclass(frozen=True)
class Notice:
    """A notification to add: what caused it (`source_key`, unique per user) and what it says."""

    kind: str
    title: str
    source_key: str
    link: str | None = None
    body: str | None = None
    entity_type: str | None = None
    entity_id: uuid.UUID | None = None
    data: dict[str, Any] | None = None


def as_json(notification: Notification) -> dict[str, Any]:
    return NotificationOut.model_validate(notification).model_dump(mode="json")


class NotificationService:
    def _mine(self, actor: Actor) -> Any:
        return (
            Notification.workspace_id == actor.workspace_id,
            Notification.user_id == actor.user_id,
        )

    async def list(
        self, session: AsyncSession, actor: Actor, *, query: PageQuery, unread_only: bool = False
    ) -> Slice[Notification]:
        """The actor's notifications, newest first."""
        statement = select(Notification).where(*self._mine(actor))
        if unread_only:
            statement = statement.where(Notification.read_at.is_(None))
        return await paginate(
            session, statement, NEWEST_FIRST, limit=query.limit, cursor=query.cursor
        )

    async def unread(self, session: AsyncSession, actor: Actor) -> int:
        """How many of the actor's notifications are unread."""
        statement = select(func.count()).where(*self._mine(actor), Notification.read_at.is_(None))
        return await session.scalar(statement) or 0

    async def mark_read(
        self, session: AsyncSession, actor: Actor, *, ids: Sequence[uuid.UUID], every: bool = False
    ) -> int:
        """Mark the given notifications (or all) read; answers how many are still unread.
        Ids that are not the actor's are ignored."""
        statement = update(Notification).where(*self._mine(actor), Notification.read_at.is_(None))
        if not every:
            statement = statement.where(Notification.id.in_(ids))
        await session.execute(statement.values(read_at=datetime.now(UTC)))
        return await self.unread(session, actor)

    async def add(
        self, session: AsyncSession, actor: Actor, *, notices: Sequence[Notice]
    ) -> Sequence[Notification]:
        """Add notifications for the actor in one statement, each once per `source_key` (those
        that exist already are left out of the answer), and announce the new ones to their
        open pages when the transaction commits: as few NOTIFYs as fit their payload limit."""
        if not notices:
            return []
        now = datetime.now(UTC)
        rows = [
            {
                **asdict(notice),
                "id": uuid.uuid4(),
                "workspace_id": actor.workspace_id,
                "user_id": actor.user_id,
                "data": notice.data or {},
                "created_at": now,
            }
            for notice in notices
        ]
        added = list(
            await session.scalars(
                insert(Notification)
                .values(rows)
                .on_conflict_do_nothing(constraint="uq_notification_user_id_source_key")
                .returning(Notification)
            )
        )
        if added:
            await session.execute(
                text("SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[])) p"),
                {"channel": CHANNEL, "payloads": _payloads(actor.user_id, added)},
            )
        return added


async def announce(session: AsyncSession, user_id: uuid.UUID, event: dict[str, Any]) -> None:
    """Push `event` (small: a type and a few ids) to the user's open pages on every instance
    once this transaction commits, as `{"user_id", "events": [event]}`."""
    payload = json.dumps({"user_id": str(user_id), "events": [event]})
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
    )


def _payloads(user_id: uuid.UUID, added: Sequence[Notification]) -> list[str]:
    """`{"user_id", "notifications": [...]}` messages of at most MAX_PAYLOAD bytes."""
    items = []
    for notification in added:
        pushed = as_json(notification)
        if pushed["body"]:
            pushed["body"] = pushed["body"][:MAX_PUSHED_BODY]
        items.append(json.dumps(pushed))
    head, payloads, chunk = f'{{"user_id": "{user_id}", "notifications": [', [], []
    size = len(head) + 2
    for item in items:
        if chunk and size + len(item) + 1 > MAX_PAYLOAD:
            payloads.append(head + ",".join(chunk) + "]}")
            chunk, size = [], len(head) + 2
        chunk.append(item)
        size += len(item) + 1
    payloads.append(head + ",".join(chunk) + "]}")
    return payloads


notification = NotificationService()

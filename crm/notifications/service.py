"""The in-app inbox: notifications are added (by jobs), listed, counted and marked read. Each
new one is announced with PostgreSQL NOTIFY when its transaction commits, so every server
instance can push it to that user's open pages (crm.notifications.live)."""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.pagination import PageQuery, Slice, SortKey, paginate
from crm.models import Notification

CHANNEL = "crm_notification"
NEWEST_FIRST = SortKey("-created_at", Notification.created_at, Notification.id, descending=True)
# NOTIFY payloads are limited to 8000 bytes.
MAX_PUSHED_BODY = 2000


def as_json(notification: Notification) -> dict[str, Any]:
    from crm.notifications.schemas import NotificationOut

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
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        kind: str,
        title: str,
        source_key: str,
        link: str | None = None,
        body: str | None = None,
        entity_type: str | None = None,
        entity_id: uuid.UUID | None = None,
        data: dict[str, Any] | None = None,
    ) -> Notification | None:
        """Add a notification for the actor, once per `source_key` (None when it exists
        already), and announce it to their open pages when the transaction commits."""
        row = {
            "id": uuid.uuid4(),
            "workspace_id": actor.workspace_id,
            "user_id": actor.user_id,
            "kind": kind,
            "title": title,
            "body": body,
            "link": link,
            "source_key": source_key,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "data": data or {},
            "created_at": datetime.now(UTC),
        }
        added = await session.scalar(
            insert(Notification)
            .values(row)
            .on_conflict_do_nothing(constraint="uq_notification_user_id_source_key")
            .returning(Notification)
        )
        if added is None:
            return None
        pushed = as_json(added)
        if pushed["body"]:
            pushed["body"] = pushed["body"][:MAX_PUSHED_BODY]
        payload = json.dumps(to_jsonable_python({"user_id": actor.user_id, "notification": pushed}))
        await session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
        )
        return added


notification = NotificationService()

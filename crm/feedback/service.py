"""Feedback about the CRM: anyone sends it; members read their own, admins the workspace's."""

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.errors import Forbidden, Invalid
from crm.models import Feedback, FeedbackCategory, UserAccount


@dataclass(frozen=True)
class FeedbackEntry:
    feedback: Feedback
    author: UserAccount


@dataclass(frozen=True)
class FeedbackPage:
    items: list[FeedbackEntry]
    next_cursor: str | None


class FeedbackService:
    async def create(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        category: FeedbackCategory,
        message: str,
        rating: int | None,
    ) -> FeedbackEntry:
        """Record the actor's feedback."""
        feedback = Feedback(
            workspace_id=actor.workspace_id,
            user_id=actor.user_id,
            category=category,
            message=message,
            rating=rating,
        )
        session.add(feedback)
        await session.flush()
        await session.refresh(feedback)
        return FeedbackEntry(feedback, await session.get_one(UserAccount, actor.user_id))

    async def list_own(
        self, session: AsyncSession, actor: Actor, *, limit: int = 50, cursor: str | None = None
    ) -> FeedbackPage:
        """The actor's own feedback, newest first."""
        return await self._page(
            session, self._readable(actor).where(Feedback.user_id == actor.user_id), limit, cursor
        )

    async def list_all(
        self, session: AsyncSession, actor: Actor, *, limit: int = 50, cursor: str | None = None
    ) -> FeedbackPage:
        """Everyone's feedback in the actor's workspace, newest first (owners and admins)."""
        if not actor.is_admin:
            raise Forbidden("Only the workspace's owners and admins can read everyone's feedback.")
        return await self._page(session, self._readable(actor), limit, cursor)

    @staticmethod
    def _readable(actor: Actor) -> Select[tuple[Feedback, UserAccount]]:
        return (
            select(Feedback, UserAccount)
            .join(UserAccount, UserAccount.id == Feedback.user_id)
            .where(Feedback.workspace_id == actor.workspace_id)
        )

    @staticmethod
    async def _page(
        session: AsyncSession,
        statement: Select[tuple[Feedback, UserAccount]],
        limit: int,
        cursor: str | None,
    ) -> FeedbackPage:
        if cursor is not None:
            created, last_id = _decode_cursor(cursor)
            statement = statement.where(
                tuple_(Feedback.created_at, Feedback.id) < tuple_(created, last_id)
            )
        rows = (
            await session.execute(
                statement.order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(limit + 1)
            )
        ).all()
        items = [FeedbackEntry(feedback, author) for feedback, author in rows[:limit]]
        more = len(rows) > limit
        return FeedbackPage(items, _encode_cursor(items[-1].feedback) if more else None)


def _encode_cursor(feedback: Feedback) -> str:
    raw = f"{feedback.created_at.isoformat()}|{feedback.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created, _, last_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(created), uuid.UUID(last_id)
    except ValueError as exc:
        raise Invalid("cursor", "is not a cursor this list gave out") from exc


feedback = FeedbackService()

"""Change notifications from Microsoft Graph (subscriptions) and Google Calendar (watch
channels): each one only queues an incremental sync of the calendar's owner (crm/calendar/
jobs.py). A notification proves itself by the secret its subscription was made with (Graph's
clientState, Google's channel token), of which only the SHA-256 is stored."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.tokens import hash_token
from crm.calendar.schedule import schedule_sync
from crm.db import set_context
from crm.models import CalendarSource, Role


class NotificationService:
    async def notified(self, session: AsyncSession, *, token: str) -> bool:
        """Queue a sync for the calendar whose notifications carry `token`; False when no
        calendar does (an old subscription, or not ours)."""
        if not token:
            return False
        digest = hash_token(token)
        await set_context(session, token_hash=digest)
        source = await session.scalar(
            select(CalendarSource).where(CalendarSource.watch_token_hash == digest)
        )
        await set_context(
            session,
            user_id=source.user_id if source else None,
            workspace_id=source.workspace_id if source else None,
            token_hash=None,
        )
        if source is None:
            return False
        actor = Actor(source.user_id, source.workspace_id, Role.member, "job")
        await schedule_sync(session, actor, notified=True)
        return True


notifications = NotificationService()

"""Statements over reminders, each starting from those the actor may read: their own."""

import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.pagination import sort_keys
from crm.models import Reminder

SORTS = sort_keys(Reminder.id, remind_at=Reminder.remind_at)


class ReminderRepository:
    def readable(self, actor: Actor) -> Select[tuple[Reminder]]:
        return select(Reminder).where(
            Reminder.workspace_id == actor.workspace_id, Reminder.owner_id == actor.user_id
        )

    async def get(
        self,
        session: AsyncSession,
        actor: Actor,
        reminder_id: uuid.UUID,
        *,
        for_update: bool = False,
    ) -> Reminder | None:
        statement = self.readable(actor).where(Reminder.id == reminder_id)
        if for_update:
            statement = statement.with_for_update()
        return await session.scalar(statement.execution_options(populate_existing=True))


reminder_repository = ReminderRepository()

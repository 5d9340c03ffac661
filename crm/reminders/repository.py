"""Statements over reminders, each starting from those the actor may read: their own."""

from sqlalchemy import Select, select

from crm.auth.actor import Actor
from crm.kit.pagination import sort_keys
from crm.models import Reminder
from crm.records.repository import RecordRepository

SORTS = sort_keys(Reminder.id, remind_at=Reminder.remind_at)


class ReminderRepository(RecordRepository[Reminder]):
    model = Reminder
    sorts = SORTS

    def readable(self, actor: Actor) -> Select[tuple[Reminder]]:
        return select(Reminder).where(
            Reminder.workspace_id == actor.workspace_id, Reminder.owner_id == actor.user_id
        )


reminder_repository = ReminderRepository()

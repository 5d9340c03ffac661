"""Reminders as the API takes and answers them."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import MISSING, Field, StringConstraints

from crm.kit.pagination import PageQuery
from crm.kit.records import Metadata, RecordOut
from crm.kit.schemas import Input
from crm.models import Reminder, ReminderAnchor, ReminderStatus

Channel = Literal["in_app", "email"]
Message = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Channels = Annotated[
    list[Channel],
    Field(min_length=1, max_length=2, description='"in_app" and/or "email"'),
]
MinutesBefore = Annotated[int, Field(ge=0, le=60 * 24 * 366)]
RemindAt = Annotated[
    datetime | None,
    Field(description="When, absolute (read in your time zone without an offset)"),
]
RelativeTo = Annotated[
    ReminderAnchor | None,
    Field(
        description="Instead of remind_at: minutes_before the linked event's start or the "
        "linked task's due date (09:00 in your time zone)"
    ),
]


class ReminderInput(Input):
    """A reminder as POST creates it and PUT replaces it: `remind_at`, or `relative_to` with
    `minutes_before`."""

    message: Message
    remind_at: RemindAt = None
    relative_to: RelativeTo = None
    minutes_before: MinutesBefore | None = None
    channels: Channels = Field(default_factory=lambda: ["in_app"])
    contact_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None
    metadata: Metadata = Field(default_factory=dict)


class ReminderPatch(Input):
    """The fields PATCH changes; those left out stay as they are."""

    message: Message | MISSING = MISSING
    remind_at: datetime | MISSING | None = MISSING
    relative_to: ReminderAnchor | MISSING | None = MISSING
    minutes_before: MinutesBefore | MISSING | None = MISSING
    channels: Channels | MISSING = MISSING
    contact_id: uuid.UUID | MISSING | None = MISSING
    organization_id: uuid.UUID | MISSING | None = MISSING
    project_id: uuid.UUID | MISSING | None = MISSING
    task_id: uuid.UUID | MISSING | None = MISSING
    event_id: uuid.UUID | MISSING | None = MISSING
    metadata: Metadata | MISSING = MISSING


class SnoozeInput(Input):
    until: Annotated[datetime, Field(description="When it fires again (in the future)")]


class ReminderQuery(PageQuery):
    status: list[ReminderStatus] = Field(default_factory=list)


class ReminderOut(RecordOut):
    message: str
    remind_at: datetime
    relative_to: ReminderAnchor | None
    minutes_before: int | None
    channels: list[Channel]
    status: ReminderStatus
    sent_at: datetime | None
    email_via: str | None = Field(
        default=None,
        description="How the e-mail left: microsoft365 (your Outlook), gmail or smtp; null if "
        "not mailed.",
    )
    contact_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    project_id: uuid.UUID | None
    task_id: uuid.UUID | None
    event_id: uuid.UUID | None

    @classmethod
    def of(cls, reminder: Reminder) -> "ReminderOut":
        return cls(
            id=reminder.id,
            message=reminder.message,
            remind_at=reminder.remind_at,
            relative_to=reminder.anchor,
            minutes_before=reminder.minutes_before,
            channels=list(reminder.channels),  # type: ignore[arg-type]
            status=reminder.status,
            sent_at=reminder.sent_at,
            email_via=reminder.email_via,
            contact_id=reminder.contact_id,
            organization_id=reminder.organization_id,
            project_id=reminder.project_id,
            task_id=reminder.task_id,
            event_id=reminder.event_id,
            metadata=reminder.custom_fields,
            version=reminder.version,
            created_at=reminder.created_at,
            updated_at=reminder.updated_at,
        )

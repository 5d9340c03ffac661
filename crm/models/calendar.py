"""The calendar: events (with their recurrence), reminders, and the notifications that deliver
them in the app."""

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, uuid_pk
from crm.models.record import RecordColumns

TZ = DateTime(timezone=True)


class ReminderStatus(enum.StrEnum):
    scheduled = "scheduled"
    sent = "sent"
    snoozed = "snoozed"
    dismissed = "dismissed"


class ReminderAnchor(enum.StrEnum):
    """What a relative reminder counts back from: an event's start or a task's due date."""

    event = "event"
    task = "task"


REMINDER_STATUS = Enum(
    ReminderStatus, name="reminder_status", values_callable=lambda e: [m.value for m in e]
)
REMINDER_ANCHOR = Enum(
    ReminderAnchor, name="reminder_anchor", values_callable=lambda e: [m.value for m in e]
)


def _link(table: str, ondelete: str = "SET NULL") -> Mapped[uuid.UUID | None]:
    return mapped_column(ForeignKey(f"{table}.id", ondelete=ondelete))


class CalendarEvent(RecordColumns, Base):
    """An event of its owner's calendar. `starts_at`/`ends_at` are the first occurrence (an
    all-day event runs from midnight to midnight in `time_zone`, the end exclusive); `rrule`
    (RFC 5545, without DTSTART) repeats it in `time_zone`'s wall-clock time, minus `exdates`;
    `overrides` replace single occurrences with their own times and fields.
    `last_ends_at` is when the last occurrence ends (NULL: it repeats forever), so a range
    query reads only the events that can have an occurrence in it. `uid` and `sequence` are
    its iCalendar identity: generated here, or kept from an imported calendar."""

    __tablename__ = "calendar_event"
    __table_args__ = (
        UniqueConstraint("owner_id", "uid", name="uq_calendar_event_owner_id_uid"),
        Index("ix_calendar_event_owner_starts", "owner_id", "starts_at"),
        Index("ix_calendar_event_owner_last_ends", "owner_id", "last_ends_at"),
        Index("ix_calendar_event_contact_id", "contact_id"),
        Index("ix_calendar_event_organization_id", "organization_id"),
        Index("ix_calendar_event_project_id", "project_id"),
        Index("ix_calendar_event_task_id", "task_id"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(255))
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(500))
    meeting_url: Mapped[str | None] = mapped_column(String(2000))
    # Asked to be a Teams or Google Meet meeting: the connected calendar makes it one.
    online_meeting: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # A meeting someone else organises, synced from the user's calendar: its organizer (the
    # event is then read-only here) and the user's response (accepted, tentative, declined,
    # none).
    organizer: Mapped[str | None] = mapped_column(String(320))
    response: Mapped[str | None] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(TZ)
    ends_at: Mapped[datetime] = mapped_column(TZ)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    time_zone: Mapped[str] = mapped_column(String(64))
    attendees: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")
    rrule: Mapped[str | None] = mapped_column(String(1000))
    exdates: Mapped[list[datetime]] = mapped_column(ARRAY(TZ), default=list, server_default="{}")
    # Occurrences changed on their own (RECURRENCE-ID): [{recurrence_id, start, end, title,
    # location, description}], instants as ISO 8601 in UTC (crm.calendar.recurrence.Override).
    overrides: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default="[]"
    )
    last_ends_at: Mapped[datetime | None] = mapped_column(TZ)
    contact_id: Mapped[uuid.UUID | None] = _link("contact")
    organization_id: Mapped[uuid.UUID | None] = _link("organization")
    project_id: Mapped[uuid.UUID | None] = _link("project")
    task_id: Mapped[uuid.UUID | None] = _link("task")


class Reminder(RecordColumns, Base):
    """A reminder of its owner. `remind_at` is when it fires next: given, or (with `anchor`)
    `minutes_before` the linked event's start or the linked task's due date (09:00 in the
    owner's time zone), kept up to date when those move; a snooze sets it to the snooze's end."""

    __tablename__ = "reminder"
    __table_args__ = (
        Index("ix_reminder_owner_remind_at", "owner_id", "remind_at", "id"),
        Index(
            "ix_reminder_owner_pending_remind_at",
            "owner_id",
            "remind_at",
            postgresql_where="status IN ('scheduled', 'snoozed')",
        ),
        Index("ix_reminder_event_id", "event_id"),
        Index("ix_reminder_task_id", "task_id"),
        Index("ix_reminder_contact_id", "contact_id"),
        Index("ix_reminder_organization_id", "organization_id"),
        Index("ix_reminder_project_id", "project_id"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(500))
    remind_at: Mapped[datetime] = mapped_column(TZ)
    anchor: Mapped[ReminderAnchor | None] = mapped_column(REMINDER_ANCHOR)
    minutes_before: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    status: Mapped[ReminderStatus] = mapped_column(
        REMINDER_STATUS, default=ReminderStatus.scheduled
    )
    sent_at: Mapped[datetime | None] = mapped_column(TZ)
    # How its e-mail left: "microsoft365" (Outlook), "gmail" or "smtp"; None when not mailed.
    email_via: Mapped[str | None] = mapped_column(String(20))
    contact_id: Mapped[uuid.UUID | None] = _link("contact")
    organization_id: Mapped[uuid.UUID | None] = _link("organization")
    project_id: Mapped[uuid.UUID | None] = _link("project")
    # A reminder about an event or a task goes with it.
    task_id: Mapped[uuid.UUID | None] = _link("task", "CASCADE")
    event_id: Mapped[uuid.UUID | None] = _link("calendar_event", "CASCADE")


class Notification(Base):
    """A message in a user's in-app inbox. `source_key` names what caused it (a reminder and
    the time it fired for), unique per user, so a delivery that runs twice inserts one row."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "source_key", name="uq_notification_user_id_source_key"),
        Index("ix_notification_user_created", "user_id", "created_at", "id"),
        Index("ix_notification_user_unread", "user_id", postgresql_where="read_at IS NULL"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    source_key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    entity_type: Mapped[str | None] = mapped_column(String(20))
    entity_id: Mapped[uuid.UUID | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    read_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())

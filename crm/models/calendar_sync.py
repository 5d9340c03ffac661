"""Calendar interchange: each user's secret ICS feed, their CalDAV connection, the calendars of
their connected Microsoft 365 and Google accounts that sync, which local event is which object
on which server (with the versions each side had at the last sync), and the record of each
sync run."""

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, uuid_pk

TZ = DateTime(timezone=True)


class CalendarFeed(Base):
    """A user's ICS feed: only the SHA-256 of its secret token is kept (one feed per user)."""

    __tablename__ = "calendar_feed"

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class CalendarConnection(Base):
    """A user's CalDAV account (the password sealed with crm.kit.crypto) and the calendar of it
    that syncs with theirs; `sync_token` is the server's, from the last sync."""

    __tablename__ = "calendar_connection"

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(String(1000))
    username: Mapped[str] = mapped_column(String(255))
    password_sealed: Mapped[str] = mapped_column(Text)
    calendar_url: Mapped[str | None] = mapped_column(String(1000))
    calendar_name: Mapped[str | None] = mapped_column(String(255))
    sync_token: Mapped[str | None] = mapped_column(Text)
    last_synced_at: Mapped[datetime | None] = mapped_column(TZ)
    last_error: Mapped[str | None] = mapped_column(Text)
    held_deletions: Mapped[int | None] = mapped_column(Integer)
    allow_deletions: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())

    source = "caldav"


class CalendarSource(Base):
    """A calendar of a connected Microsoft 365 or Google account that syncs with the user's
    (the account's default one from the first sync). Its sync state is a CalDAV connection's:
    the provider's token (a deltaLink, a syncToken), when and how the last sync went, and
    deletions held for the user to confirm. Goes with its integration connection."""

    __tablename__ = "calendar_source"
    __table_args__ = (
        UniqueConstraint(
            "integration_id", "calendar_url", name="uq_calendar_source_integration_calendar"
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integration_connection.id", ondelete="CASCADE")
    )
    source: Mapped[str] = mapped_column(String(32))
    calendar_url: Mapped[str] = mapped_column(String(1000))
    calendar_name: Mapped[str | None] = mapped_column(String(255))
    receives: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    sync_token: Mapped[str | None] = mapped_column(Text)
    last_synced_at: Mapped[datetime | None] = mapped_column(TZ)
    last_error: Mapped[str | None] = mapped_column(Text)
    held_deletions: Mapped[int | None] = mapped_column(Integer)
    allow_deletions: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # The provider's change notifications (a Graph subscription, a Google watch channel):
    # its id (and Google's resource id), the SHA-256 of the secret each notification carries,
    # and when it lapses (renewed by the sync before then).
    watch_id: Mapped[str | None] = mapped_column(String(255))
    watch_resource: Mapped[str | None] = mapped_column(String(1000))
    watch_token_hash: Mapped[str | None] = mapped_column(String(64))
    watch_expires_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class CalendarSyncRun(Base):
    """One sync of one calendar: when, how it went (`ok`, `held`: deletions waiting for the
    user, `failed`), its counts and, in words, what it skipped, settled or failed on."""

    __tablename__ = "calendar_sync_run"

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(32))
    calendar_name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    counts: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict, server_default="{}")
    notes: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(TZ)
    finished_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class CalendarSyncItem(Base):
    """One event known on both sides: the server's object (`href`, its `etag` when last
    synced) and the local event (its `synced_version` then), of a CalDAV connection or of a
    calendar source. `event_id` NULL: deleted here since. `remote_text` is the object as last
    read or written (iCalendar or the provider's JSON), so what the CRM does not model
    (alarms, other properties) is written back unchanged."""

    __tablename__ = "calendar_sync_item"
    __table_args__ = (
        UniqueConstraint("connection_id", "href", name="uq_calendar_sync_item_connection_href"),
        UniqueConstraint("source_id", "href", name="uq_calendar_sync_item_source_href"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("calendar_connection.id", ondelete="CASCADE")
    )
    source_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("calendar_source.id", ondelete="CASCADE")
    )
    event_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("calendar_event.id", ondelete="SET NULL"), index=True
    )
    href: Mapped[str] = mapped_column(String(1000))
    # The event came from this calendar (else the CRM wrote it there): such an event stays
    # in its calendar and is not copied to the user's other calendars.
    pulled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    etag: Mapped[str] = mapped_column(String(255))
    synced_version: Mapped[int] = mapped_column(Integer)
    remote_text: Mapped[str] = mapped_column(Text)

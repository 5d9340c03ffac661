"""Calendar interchange: each user's secret ICS feed, their CalDAV connection, and which local
event is which object on the CalDAV server (with the versions each side had at the last sync)."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
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
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class CalendarSyncItem(Base):
    """One event known on both sides: the server's object (`href`, its `etag` when last
    synced) and the local event (its `synced_version` then). `event_id` NULL: deleted here
    since. `remote_ics` is the object as last read or written, so what the CRM does not model
    (alarms, changed single occurrences, other properties) is written back unchanged."""

    __tablename__ = "calendar_sync_item"
    __table_args__ = (
        UniqueConstraint("connection_id", "href", name="uq_calendar_sync_item_connection_href"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("calendar_connection.id", ondelete="CASCADE")
    )
    event_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("calendar_event.id", ondelete="SET NULL"), index=True
    )
    href: Mapped[str] = mapped_column(String(1000))
    etag: Mapped[str] = mapped_column(String(255))
    synced_version: Mapped[int] = mapped_column(Integer)
    remote_ics: Mapped[str] = mapped_column(Text)

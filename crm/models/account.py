"""Workspaces, the users who belong to them, and what authenticates them."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Enum, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, created_at, updated_at, uuid_pk


class Role(enum.StrEnum):
    owner = "owner"
    admin = "admin"
    member = "member"


ROLE = Enum(Role, name="workspace_role", values_callable=lambda e: [m.value for m in e])


class Workspace(Base):
    __tablename__ = "workspace"

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class UserAccount(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        Index("uq_user_account_email", text("lower(email)"), unique=True),
        CheckConstraint("clock IN ('12h', '24h')", name="clock"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    # Where reminder e-mails leave: smtp, ms365 or google; None: their own mailbox when one
    # is connected, else SMTP (crm.integrations.mail).
    reminder_mailbox: Mapped[str | None] = mapped_column(String(20))
    # How times of day are written to this user: "24h" (14:00) or "12h" (2:00 PM).
    clock: Mapped[str] = mapped_column(String(3), server_default="24h")
    password_changed_at: Mapped[datetime] = created_at()
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class Membership(Base):
    __tablename__ = "membership"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[Role] = mapped_column(ROLE)
    created_at: Mapped[datetime] = created_at()


class RefreshToken(Base):
    """An opaque refresh token, stored as its SHA-256. Tokens rotated from one login share a
    family, so a replayed token can revoke them all."""

    __tablename__ = "refresh_token"

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()


class Invite(Base):
    """An invitation to join a workspace: a single-use token, stored as its SHA-256."""

    __tablename__ = "invite"

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(ROLE)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

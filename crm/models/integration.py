"""Integrations: each user's connection to a service (Microsoft 365, later Google) with its
OAuth tokens sealed at rest (crm.kit.crypto), and the single-use OAuth state of a connect in
progress (its PKCE verifier sealed)."""

import uuid
from datetime import datetime

from sqlalchemy import ARRAY, DateTime, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, uuid_pk

TZ = DateTime(timezone=True)


class IntegrationConnection(Base):
    """A user's connected account at one service. `status` is `connected` or
    `reconnect_needed` (the provider refused the refresh token); no row means disconnected."""

    __tablename__ = "integration_connection"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "user_id", "service", name="uq_integration_connection_user"
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    service: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    account_email: Mapped[str | None] = mapped_column(String(320))
    account_name: Mapped[str | None] = mapped_column(String(255))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(200)))
    access_token_sealed: Mapped[str] = mapped_column(Text)
    refresh_token_sealed: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(TZ)
    connected_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    last_sync_at: Mapped[datetime | None] = mapped_column(TZ)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class IntegrationAuthorization(Base):
    """A connect in progress: the SHA-256 of its `state` (the secret in the provider's
    redirect), the PKCE verifier sealed, valid once and for ten minutes, for this user only."""

    __tablename__ = "integration_authorization"

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    service: Mapped[str] = mapped_column(String(32))
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_verifier_sealed: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())

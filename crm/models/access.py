"""Access for other programs: personal access tokens, and the OAuth clients (MCP clients such
as claude.ai) that users let in, with their authorization codes. A grant to an OAuth client is
an `ApiToken` too, so a user lists and revokes both in one place."""

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, created_at, uuid_pk


class TokenScope(enum.StrEnum):
    read = "read"
    write = "write"  # read and write


class OAuthClient(Base):
    """A client registered by dynamic client registration (RFC 7591). Registration is open to
    anyone, as the MCP authorization spec expects; a client gets nothing until a user consents."""

    __tablename__ = "oauth_client"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The registration as the client sent it (redirect URIs, name, auth method), without the
    # secret, which is sealed with the server's keys: the token endpoint compares it in clear.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB)
    secret_sealed: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_at()


class ApiToken(Base):
    """A bearer token for the REST API and the MCP server, stored as its SHA-256: a personal
    access token (`client_id` empty), or the grant a user gave an OAuth client, whose access
    token rotates (`access_expires_at`) through its refresh token and is bound to `resource`."""

    __tablename__ = "api_token"
    __table_args__ = (CheckConstraint("scope IN ('read', 'write')", name="scope"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    client_id: Mapped[str | None] = mapped_column(
        ForeignKey("oauth_client.client_id", ondelete="CASCADE")
    )
    resource: Mapped[str | None] = mapped_column(String(500))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    access_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()


class OAuthCode(Base):
    """An authorization code a user's consent produced: single use, ten minutes, bound to the
    client, its redirect URI, the PKCE challenge and the resource."""

    __tablename__ = "oauth_code"

    id: Mapped[uuid.UUID] = uuid_pk()
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_client.client_id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(10))
    code_challenge: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    redirect_uri_provided_explicitly: Mapped[bool]
    resource: Mapped[str | None] = mapped_column(String(500))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()

"""The workspace's AI provider settings and the users' personal provider keys. API keys are
stored sealed (crm.kit.crypto) with a masked hint for display; the key itself is never shown."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, created_at, updated_at


class AIProvider(enum.StrEnum):
    anthropic = "anthropic"
    openai = "openai"
    gemini = "gemini"
    openai_compatible = "openai_compatible"


AI_PROVIDER = Enum(AIProvider, name="ai_provider", values_callable=lambda e: [m.value for m in e])


class AISetting(Base):
    """One row per workspace that has chosen something; no row means the defaults."""

    __tablename__ = "ai_setting"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[AIProvider] = mapped_column(AI_PROVIDER)
    model_name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str | None] = mapped_column(String(500))
    api_key_sealed: Mapped[str | None] = mapped_column(Text)
    api_key_hint: Mapped[str | None] = mapped_column(String(32))
    anthropic_thinking: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    anthropic_thinking_budget: Mapped[int] = mapped_column(Integer, server_default=text("2048"))
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class AIPersonalKey(Base):
    """A user's own key for one provider; it overrides the workspace's key for that user."""

    __tablename__ = "ai_personal_key"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    provider: Mapped[AIProvider] = mapped_column(AI_PROVIDER)
    model_name: Mapped[str | None] = mapped_column(String(200))
    base_url: Mapped[str | None] = mapped_column(String(500))
    api_key_sealed: Mapped[str] = mapped_column(Text)
    api_key_hint: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

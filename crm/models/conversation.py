"""The assistant's memory: conversations, their messages, and the records each turn touched.
Each row belongs to one user; nobody else reads it (row-level security, owner = the user)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, created_at, uuid_pk


class Conversation(Base):
    """`pending` holds an action waiting for the user's yes (a delete); `summary` what the
    pruned older messages said."""

    __tablename__ = "conversation"
    __table_args__ = (Index("ix_conversation_user_id_updated_at", "user_id", "updated_at", "id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConversationMessage(Base):
    """One message: the user's, the assistant's reply (with the actions it took and the
    question it asked), or a notice. `model_messages` keeps the turn's pydantic-ai messages
    (tool calls and returns) as JSON."""

    __tablename__ = "conversation_message"
    __table_args__ = (
        Index("ix_conversation_message_conversation_id", "conversation_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE")
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    model_messages: Mapped[list[Any] | None] = mapped_column(JSONB)
    # The change this reply asked to confirm: {"summary", "decision"}, the decision null while
    # it waits, then "confirmed", "cancelled" or "lapsed" (the user moved on; nothing done).
    question: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    provider: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )


class ConversationEntity(Base):
    """A record a conversation touched, kept when old messages are pruned, so "her" and "it"
    still find it; the latest touched is the one a follow-up means."""

    __tablename__ = "conversation_entity"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    )
    entity_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    touched_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )

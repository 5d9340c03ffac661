"""The activity log: one entry per change to a record, whoever made it and through which
channel."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from crm.models.account import UserAccount
from crm.models.base import Base, uuid_pk


class Activity(Base):
    """`entity_type` is a kind of the registry (crm.records.kinds; the migrations' check names
    them). `owner_id` is the owner of the changed record and `project_id` the project it belongs
    to (a project's own id, a task's project), so the entry stays visible to whoever sees it,
    and to its owner after a deletion."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_entity", "entity_id", "created_at", "id"),
        Index("ix_activity_project_id", "project_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    owner_id: Mapped[uuid.UUID]
    project_id: Mapped[uuid.UUID | None]
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[uuid.UUID]
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    effects: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    channel: Mapped[str] = mapped_column(String(20))
    # The token or app a change came through (an MCP client's), when not the web or chat.
    client: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    user: Mapped[UserAccount | None] = relationship(
        primaryjoin=lambda: foreign(Activity.user_id) == UserAccount.id,
        viewonly=True,
        lazy="raise",
    )

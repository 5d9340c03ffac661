"""Feedback that users send about the CRM from the /feedback page or the API."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, created_at, uuid_pk


class FeedbackCategory(enum.StrEnum):
    bug = "bug"
    idea = "idea"
    question = "question"
    other = "other"


FEEDBACK_CATEGORY = Enum(
    FeedbackCategory, name="feedback_category", values_callable=lambda e: [m.value for m in e]
)
MESSAGE_MAX = 5000


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_feedback_workspace_id_created_at", "workspace_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[FeedbackCategory] = mapped_column(FEEDBACK_CATEGORY)
    message: Mapped[str] = mapped_column(String(MESSAGE_MAX))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = created_at()

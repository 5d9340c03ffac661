"""A workspace's uploaded logo, kept in PostgreSQL with the rest of the workspace's data."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from crm.models.base import Base, updated_at


class WorkspaceLogo(Base):
    __tablename__ = "workspace_logo"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(String(32))
    # Deferred: the page shell asks whether a logo exists on every page; only /workspace/logo
    # reads the bytes.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    updated_at: Mapped[datetime] = updated_at()

"""The search index behind `?q=`: one row per record, kept by database triggers and read only
by the `crm_search` and `crm_search_page` database functions (see the migrations 0002 and
0009, and docs/api.md)."""

import uuid

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base


class RecordSearch(Base):
    """Not mapped for use: the application role has no privilege on this table. It exists
    because row-level security forbids trigram indexes on the records' own tables (ILIKE and
    the pg_trgm operators are not leakproof), so `crm_search`, a SECURITY DEFINER function,
    finds the candidates here; the records' policies then filter them again."""

    __tablename__ = "record_search"
    __table_args__ = tuple(
        Index(
            f"ix_record_search_{kind}_trgm", "search_text",
            postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"},
            postgresql_where=text(f"entity_type = '{kind}'"),
        )
        for kind in ("contact", "organization", "project", "task")
    ) + tuple(
        Index(
            f"ix_record_search_{kind}_order", "owner_id", "sort_key", "entity_id",
            postgresql_include=["workspace_id", "search_text"],
            postgresql_where=text(f"entity_type = '{kind}'"),
        )
        for kind in ("contact", "organization")
    )  # fmt: skip

    entity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[uuid.UUID]
    owner_id: Mapped[uuid.UUID]
    project_id: Mapped[uuid.UUID | None]
    search_text: Mapped[str] = mapped_column(Text)
    sort_key: Mapped[str | None] = mapped_column(Text)  # the record's sort_name

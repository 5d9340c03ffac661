"""A user's own address book: organizations and the contacts who work at them."""

import uuid

from sqlalchemy import (
    Computed,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from crm.models.base import Base
from crm.models.record import RecordColumns

# Sort keys are plain (generated) columns: under row-level security only leakproof operators
# can serve as index conditions, and lower() or coalesce() in a keyset condition is not one.
SORT_NAME = Computed("lower(name)", persisted=True)


class Organization(RecordColumns, Base):
    __tablename__ = "organization"
    __table_args__ = (
        # The target of the contacts' and projects' (owner_id, organization_id) foreign keys,
        # which keep a link inside one owner's records.
        UniqueConstraint("owner_id", "id", name="uq_organization_owner_id_id"),
        # Unique names per owner, whatever their case; also the index of the name order.
        Index("uq_organization_owner_sort_name", "owner_id", "sort_name", unique=True),
        Index("ix_organization_owner_updated", "owner_id", "updated_at", "id"),
        Index("ix_organization_owner_created", "owner_id", "created_at", "id"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    sort_name: Mapped[str] = mapped_column(Text, SORT_NAME)
    description: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(String(200))


class Contact(RecordColumns, Base):
    """`organization_id` is set when the organization the user typed is one of their own; then
    the organization's current name is shown and `organization_name` stays empty. Otherwise
    `organization_name` keeps the user's text."""

    __tablename__ = "contact"
    __table_args__ = (
        ForeignKeyConstraint(
            ["owner_id", "organization_id"],
            ["organization.owner_id", "organization.id"],
            ondelete="SET NULL (organization_id)",
            name="fk_contact_organization_id_organization",
        ),
        Index("ix_contact_owner_sort_name", "owner_id", "sort_name", "id"),
        Index("ix_contact_owner_updated", "owner_id", "updated_at", "id"),
        Index("ix_contact_owner_created", "owner_id", "created_at", "id"),
        Index("ix_contact_organization_id", "organization_id"),
        Index("ix_contact_owner_email", "owner_id", text("lower(email)")),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    sort_name: Mapped[str] = mapped_column(Text, SORT_NAME)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    job_position: Mapped[str | None] = mapped_column(String(200))
    organization_id: Mapped[uuid.UUID | None]
    organization_name: Mapped[str | None] = mapped_column(String(200))

    organization: Mapped[Organization | None] = relationship(
        primaryjoin=lambda: foreign(Contact.organization_id) == Organization.id,
        viewonly=True,
        lazy="raise",
    )

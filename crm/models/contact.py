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

# What `?q=` searches on a contact, kept in one generated column with one trigram index; the
# linked organization's current name is searched through the organization's own index.
CONTACT_SEARCH_TEXT = (
    "lower(name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' "
    "|| coalesce(organization_name, ''))"
)


class Organization(RecordColumns, Base):
    __tablename__ = "organization"
    __table_args__ = (
        # The target of the contacts' and projects' (owner_id, organization_id) foreign keys,
        # which keep a link inside one owner's records.
        UniqueConstraint("owner_id", "id", name="uq_organization_owner_id_id"),
        Index("uq_organization_owner_name", "owner_id", text("lower(name)"), unique=True),
        Index("ix_organization_owner_updated", "owner_id", "updated_at", "id"),
        Index(
            "ix_organization_name_trgm", "name",
            postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"},
        ),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(String(200))


class Contact(RecordColumns, Base):
    """`organization_id` is set when the organization the user typed is one of their own; then
    the organization's current name is shown and `organization_name` stays empty. Otherwise
    `organization_name` keeps the user's text."""

    __tablename__ = "contact"
    __table_args__ = (
        ForeignKeyConstraint(
            ["owner_id", "organization_id"], ["organization.owner_id", "organization.id"],
            ondelete="SET NULL (organization_id)", name="fk_contact_organization_id_organization",
        ),
        Index("ix_contact_owner_name", "owner_id", text("lower(name)"), "id"),
        Index("ix_contact_owner_updated", "owner_id", "updated_at", "id"),
        Index("ix_contact_owner_created", "owner_id", "created_at", "id"),
        Index("ix_contact_organization_id", "organization_id"),
        Index(
            "ix_contact_search_trgm", "search_text",
            postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    job_position: Mapped[str | None] = mapped_column(String(200))
    organization_id: Mapped[uuid.UUID | None]
    organization_name: Mapped[str | None] = mapped_column(String(200))
    search_text: Mapped[str] = mapped_column(Text, Computed(CONTACT_SEARCH_TEXT, persisted=True))

    organization: Mapped[Organization | None] = relationship(
        primaryjoin=lambda: foreign(Contact.organization_id) == Organization.id,
        viewonly=True,
        lazy="raise",
    )

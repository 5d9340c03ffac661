"""The assistant's memory: conversations, messages, and the records each turn touched.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.migrations.rls import ctx, protect, unprotect

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("conversation_entity", "conversation_message", "conversation")


def _owners(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_workspace_id_workspace",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_user_id_user_account",
        ),
    ]


def _conversation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["conversation_id"],
        ["conversation.id"],
        ondelete="CASCADE",
        name=f"fk_{table}_conversation_id_conversation",
    )


def upgrade() -> None:
    now = sa.text("now()")
    clock = sa.text("clock_timestamp()")
    op.create_table(
        "conversation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("pending", postgresql.JSONB(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversation"),
        *_owners("conversation"),
    )
    op.create_index(
        "ix_conversation_user_id_updated_at", "conversation", ["user_id", "updated_at", "id"]
    )
    op.create_table(
        "conversation_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("actions", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("model_messages", postgresql.JSONB(), nullable=True),
        sa.Column("provider", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=clock, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_message"),
        _conversation_fk("conversation_message"),
        *_owners("conversation_message"),
    )
    op.create_index(
        "ix_conversation_message_conversation_id",
        "conversation_message",
        ["conversation_id", "created_at", "id"],
    )
    op.create_table(
        "conversation_entity",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("entity_type", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("touched_at", sa.DateTime(timezone=True), server_default=clock, nullable=False),
        sa.PrimaryKeyConstraint(
            "conversation_id", "entity_type", "entity_id", name="pk_conversation_entity"
        ),
        _conversation_fk("conversation_entity"),
        *_owners("conversation_entity"),
    )
    # A conversation is its user's alone, inside their workspace.
    owner = f"user_id = {ctx('user_id')} AND workspace_id = {ctx('workspace_id')}"
    for table in TABLES:
        protect(table, owner)


def downgrade() -> None:
    for table in TABLES:
        unprotect(table)
        op.drop_table(table)

"""Feedback: what users tell us about the CRM, kept within their workspace.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.migrations.rls import ctx, protect, unprotect

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CATEGORY = postgresql.ENUM(
    "bug", "idea", "question", "other", name="feedback_category", create_type=False
)


def upgrade() -> None:
    CATEGORY.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("category", CATEGORY, nullable=False),
        sa.Column("message", sa.String(5000), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_feedback_rating_range"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name="fk_feedback_workspace_id_workspace",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name="fk_feedback_user_id_user_account",
        ),
    )
    op.create_index("ix_feedback_user_id", "feedback", ["user_id"])
    op.create_index(
        "ix_feedback_workspace_id_created_at", "feedback", ["workspace_id", "created_at"]
    )
    # The database keeps feedback inside its workspace and lets a user write only their own;
    # who may read whose (members their own, admins all) is the service's rule.
    user, workspace = ctx("user_id"), ctx("workspace_id")
    protect(
        "feedback",
        f"workspace_id = {workspace}",
        f"workspace_id = {workspace} AND user_id = {user}",
    )


def downgrade() -> None:
    unprotect("feedback")
    op.drop_table("feedback")
    CATEGORY.drop(op.get_bind(), checkfirst=True)

"""The workspace's logo, stored in PostgreSQL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from crm.migrations.rls import ctx, protect, unprotect

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspace_logo",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_workspace_logo"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name="fk_workspace_logo_workspace_id_workspace",
        ),
    )
    protect("workspace_logo", f"workspace_id = {ctx('workspace_id')}")


def downgrade() -> None:
    unprotect("workspace_logo")
    op.drop_table("workspace_logo")

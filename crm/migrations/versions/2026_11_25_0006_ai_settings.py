"""AI provider settings per workspace and personal provider keys, keys sealed at rest.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.migrations.rls import ctx, protect, unprotect

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PROVIDER = postgresql.ENUM(
    "anthropic", "openai", "gemini", "openai_compatible", name="ai_provider", create_type=False
)
TABLES = ("ai_setting", "ai_personal_key")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    PROVIDER.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "ai_setting",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("provider", PROVIDER, nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("base_url", sa.String(500), nullable=True),
        sa.Column("api_key_sealed", sa.Text(), nullable=True),
        sa.Column("api_key_hint", sa.String(32), nullable=True),
        sa.Column(
            "anthropic_thinking", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "anthropic_thinking_budget",
            sa.Integer(),
            server_default=sa.text("2048"),
            nullable=False,
        ),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_ai_setting"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name="fk_ai_setting_workspace_id_workspace",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            ondelete="SET NULL",
            name="fk_ai_setting_updated_by_id_user_account",
        ),
    )
    op.create_table(
        "ai_personal_key",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", PROVIDER, nullable=False),
        sa.Column("model_name", sa.String(200), nullable=True),
        sa.Column("base_url", sa.String(500), nullable=True),
        sa.Column("api_key_sealed", sa.Text(), nullable=False),
        sa.Column("api_key_hint", sa.String(32), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", name="pk_ai_personal_key"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name="fk_ai_personal_key_workspace_id_workspace",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name="fk_ai_personal_key_user_id_user_account",
        ),
    )
    op.create_index("ix_ai_personal_key_user_id", "ai_personal_key", ["user_id"])
    workspace, user = ctx("workspace_id"), ctx("user_id")
    protect("ai_setting", f"workspace_id = {workspace}")
    protect("ai_personal_key", f"workspace_id = {workspace} AND user_id = {user}")
    # `crm keys rotate` re-seals every stored key, across workspaces, as the role that runs the
    # migrations (the tables' owner, which FORCE ROW LEVEL SECURITY also binds); the
    # application's role never gets this policy.
    for table in TABLES:
        op.execute(
            f"CREATE POLICY {table}_key_rotation ON {table} FOR ALL TO CURRENT_USER "
            "USING (true) WITH CHECK (true)"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS {table}_key_rotation ON {table}")
        unprotect(table)
    op.drop_table("ai_personal_key")
    op.drop_table("ai_setting")
    PROVIDER.drop(op.get_bind(), checkfirst=True)

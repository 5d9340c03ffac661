"""Integrations: each user's connection to a service (OAuth tokens sealed at rest) and the
single-use state of a connect in progress.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from crm.migrations.rls import ctx, protect, unprotect

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
NOW = sa.text("now()")
TABLES = ("integration_authorization", "integration_connection")


def _owned(table: str) -> list[sa.Column | sa.Constraint]:
    """Id, workspace, user and service, with their keys."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
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


def upgrade() -> None:
    op.create_table(
        "integration_connection",
        *_owned("integration_connection"),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("account_email", sa.String(320)),
        sa.Column("account_name", sa.String(255)),
        sa.Column("scopes", sa.ARRAY(sa.String(200)), nullable=False),
        sa.Column("access_token_sealed", sa.Text(), nullable=False),
        sa.Column("refresh_token_sealed", sa.Text()),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("connected_at", TZ, server_default=NOW, nullable=False),
        sa.Column("last_sync_at", TZ),
        sa.Column("last_error", sa.Text()),
        sa.Column("updated_at", TZ, server_default=NOW, nullable=False),
        sa.UniqueConstraint(
            "workspace_id", "user_id", "service", name="uq_integration_connection_user"
        ),
    )
    op.create_index("ix_integration_connection_user_id", "integration_connection", ["user_id"])
    op.create_table(
        "integration_authorization",
        *_owned("integration_authorization"),
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("code_verifier_sealed", sa.Text(), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.UniqueConstraint("state_hash", name="uq_integration_authorization_state_hash"),
    )
    op.create_index(
        "ix_integration_authorization_user_id", "integration_authorization", ["user_id"]
    )
    own = f"workspace_id = {ctx('workspace_id')} AND user_id = {ctx('user_id')}"
    for table in TABLES:
        protect(table, own)
    # `crm keys rotate` re-seals the tokens too, as the tables' owner (as in 0006 and 0008).
    op.execute(
        "CREATE POLICY integration_connection_key_rotation ON integration_connection FOR ALL "
        "TO CURRENT_USER USING (true) WITH CHECK (true)"
    )


def downgrade() -> None:
    op.execute(
        "DROP POLICY IF EXISTS integration_connection_key_rotation ON integration_connection"
    )
    for table in TABLES:
        unprotect(table)
        op.drop_table(table)

"""Calendar interchange: the ICS feed's token, CalDAV connections (password sealed at rest)
and the sync state of each event known on both sides.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from crm.migrations.rls import ctx, protect, unprotect

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
NOW = sa.text("now()")
TABLES = ("calendar_sync_item", "calendar_connection", "calendar_feed")


def _owned(table: str) -> list[sa.Column | sa.Constraint]:
    """Id, workspace and user, with their keys."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
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
        "calendar_feed",
        *_owned("calendar_feed"),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.UniqueConstraint("user_id", name="uq_calendar_feed_user_id"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feed_token_hash"),
    )
    op.create_table(
        "calendar_connection",
        *_owned("calendar_connection"),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("password_sealed", sa.Text(), nullable=False),
        sa.Column("calendar_url", sa.String(1000)),
        sa.Column("calendar_name", sa.String(255)),
        sa.Column("sync_token", sa.Text()),
        sa.Column("last_synced_at", TZ),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.Column("updated_at", TZ, server_default=NOW, nullable=False),
        sa.UniqueConstraint("user_id", name="uq_calendar_connection_user_id"),
    )
    op.create_table(
        "calendar_sync_item",
        *_owned("calendar_sync_item"),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid()),
        sa.Column("href", sa.String(1000), nullable=False),
        sa.Column("etag", sa.String(255), nullable=False),
        sa.Column("synced_version", sa.Integer(), nullable=False),
        sa.Column("remote_ics", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["calendar_connection.id"],
            ondelete="CASCADE",
            name="fk_calendar_sync_item_connection_id_calendar_connection",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["calendar_event.id"],
            ondelete="SET NULL",
            name="fk_calendar_sync_item_event_id_calendar_event",
        ),
        sa.UniqueConstraint("connection_id", "href", name="uq_calendar_sync_item_connection_href"),
    )
    op.create_index("ix_calendar_sync_item_event_id", "calendar_sync_item", ["event_id"])
    user, workspace = ctx("user_id"), ctx("workspace_id")
    own = f"workspace_id = {workspace} AND user_id = {user}"
    # The feed's URL carries the token: its hash opens that one row (as for refresh tokens).
    protect("calendar_feed", f"({own}) OR token_hash = {ctx('token_hash', 'text')}", own)
    protect("calendar_connection", own)
    protect("calendar_sync_item", own)
    # `crm keys rotate` re-seals the CalDAV passwords too, as the tables' owner (as in 0006).
    op.execute(
        "CREATE POLICY calendar_connection_key_rotation ON calendar_connection FOR ALL "
        "TO CURRENT_USER USING (true) WITH CHECK (true)"
    )


def downgrade() -> None:
    op.execute("DROP POLICY IF EXISTS calendar_connection_key_rotation ON calendar_connection")
    for table in TABLES:
        unprotect(table)
        op.drop_table(table)

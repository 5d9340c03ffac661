"""Calendar sync with Microsoft 365 and Google: the calendars of connected accounts that sync
(calendar_source), sync items of either kind of calendar, each sync run recorded, deletions held
for the user, and the meeting's join link on events.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from crm.migrations.rls import ctx, protect, unprotect

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
NOW = sa.text("now()")


def _owned(table: str) -> list[sa.Column | sa.Constraint]:
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


def _held() -> list[sa.Column]:
    return [
        sa.Column("held_deletions", sa.Integer()),
        sa.Column("allow_deletions", sa.Boolean(), server_default="false", nullable=False),
    ]


def upgrade() -> None:
    op.add_column("calendar_event", sa.Column("meeting_url", sa.String(2000)))
    op.add_column("calendar_event", sa.Column("organizer", sa.String(320)))
    op.add_column("calendar_event", sa.Column("response", sa.String(16)))
    op.add_column(
        "calendar_event",
        sa.Column("online_meeting", sa.Boolean(), server_default="false", nullable=False),
    )
    for column in _held():
        op.add_column("calendar_connection", column)
    op.create_table(
        "calendar_source",
        *_owned("calendar_source"),
        sa.Column("integration_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("calendar_url", sa.String(1000), nullable=False),
        sa.Column("calendar_name", sa.String(255)),
        sa.Column("receives", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("sync_token", sa.Text()),
        sa.Column("last_synced_at", TZ),
        sa.Column("last_error", sa.Text()),
        *_held(),
        sa.Column("watch_id", sa.String(255)),
        sa.Column("watch_resource", sa.String(1000)),
        sa.Column("watch_token_hash", sa.String(64)),
        sa.Column("watch_expires_at", TZ),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integration_connection.id"],
            ondelete="CASCADE",
            name="fk_calendar_source_integration_id_integration_connection",
        ),
        sa.UniqueConstraint(
            "integration_id", "calendar_url", name="uq_calendar_source_integration_calendar"
        ),
    )
    op.create_index("ix_calendar_source_user_id", "calendar_source", ["user_id"])
    op.create_table(
        "calendar_sync_run",
        *_owned("calendar_sync_run"),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("calendar_name", sa.String(255)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", JSONB(), server_default="{}", nullable=False),
        sa.Column("notes", JSONB(), server_default="[]", nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, server_default=NOW, nullable=False),
    )
    op.create_index("ix_calendar_sync_run_user_id", "calendar_sync_run", ["user_id"])
    op.alter_column("calendar_sync_item", "connection_id", nullable=True)
    op.alter_column("calendar_sync_item", "remote_ics", new_column_name="remote_text")
    op.add_column("calendar_sync_item", sa.Column("source_id", sa.Uuid()))
    # Whether the event came from that calendar (else the CRM wrote it there). Items of
    # before are taken as come from their CalDAV calendar: not copied to a new calendar.
    op.add_column(
        "calendar_sync_item",
        sa.Column("pulled", sa.Boolean(), server_default="true", nullable=False),
    )
    op.create_foreign_key(
        "fk_calendar_sync_item_source_id_calendar_source",
        "calendar_sync_item",
        "calendar_source",
        ["source_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_unique_constraint(
        "uq_calendar_sync_item_source_href", "calendar_sync_item", ["source_id", "href"]
    )
    op.create_check_constraint(
        "ck_calendar_sync_item_one_calendar",
        "calendar_sync_item",
        "(connection_id IS NULL) <> (source_id IS NULL)",
    )
    own = f"workspace_id = {ctx('workspace_id')} AND user_id = {ctx('user_id')}"
    # A provider's change notification carries the secret of its subscription: its hash opens
    # that one row (as for the ICS feed), so that the CRM learns whose calendar changed.
    token = ctx("token_hash", "text")
    protect("calendar_source", f"({own}) OR watch_token_hash = {token}", own)
    protect("calendar_sync_run", own)


def downgrade() -> None:
    for table in ("calendar_sync_run", "calendar_source"):
        unprotect(table)
    op.execute("DELETE FROM calendar_sync_item WHERE source_id IS NOT NULL")
    op.drop_constraint("ck_calendar_sync_item_one_calendar", "calendar_sync_item")
    op.drop_constraint("uq_calendar_sync_item_source_href", "calendar_sync_item")
    op.drop_constraint("fk_calendar_sync_item_source_id_calendar_source", "calendar_sync_item")
    op.drop_column("calendar_sync_item", "pulled")
    op.drop_column("calendar_sync_item", "source_id")
    op.alter_column("calendar_sync_item", "remote_text", new_column_name="remote_ics")
    op.alter_column("calendar_sync_item", "connection_id", nullable=False)
    op.drop_table("calendar_sync_run")
    op.drop_table("calendar_source")
    for column in ("allow_deletions", "held_deletions"):
        op.drop_column("calendar_connection", column)
    op.drop_column("calendar_event", "online_meeting")
    op.drop_column("calendar_event", "response")
    op.drop_column("calendar_event", "organizer")
    op.drop_column("calendar_event", "meeting_url")

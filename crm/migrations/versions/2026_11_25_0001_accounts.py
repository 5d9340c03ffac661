"""Accounts: workspaces, users, memberships, refresh tokens, invites; the application role and
row-level security on every table.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.migrations.rls import create_app_role, ctx, protect, unprotect

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
NOW = sa.text("now()")
ROLE = postgresql.ENUM("owner", "admin", "member", name="workspace_role", create_type=False)


def upgrade() -> None:
    create_app_role()
    ROLE.create(op.get_bind(), checkfirst=True)

    op.create_table(
        "workspace",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.Column("updated_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspace"),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("time_zone", sa.String(64), server_default="UTC", nullable=False),
        sa.Column("password_changed_at", TZ, server_default=NOW, nullable=False),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.Column("updated_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_user_account"),
    )
    op.create_index("uq_user_account_email", "user_account", [sa.text("lower(email)")], unique=True)
    op.create_table(
        "membership",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", ROLE, nullable=False),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", name="pk_membership"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name="fk_membership_workspace_id_workspace",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name="fk_membership_user_id_user_account",
        ),
    )
    op.create_index("ix_membership_user_id", "membership", ["user_id"])
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_token"),
        sa.UniqueConstraint("token_hash", name="uq_refresh_token_token_hash"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name="fk_refresh_token_user_id_user_account",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name="fk_refresh_token_workspace_id_workspace",
        ),
    )
    op.create_index("ix_refresh_token_user_id", "refresh_token", ["user_id"])
    op.create_index("ix_refresh_token_family_id", "refresh_token", ["family_id"])
    op.create_table(
        "invite",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", ROLE, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("invited_by_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("accepted_at", TZ, nullable=True),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invite"),
        sa.UniqueConstraint("token_hash", name="uq_invite_token_hash"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name="fk_invite_workspace_id_workspace",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["user_account.id"],
            ondelete="SET NULL",
            name="fk_invite_invited_by_id_user_account",
        ),
    )
    op.create_index("ix_invite_workspace_id", "invite", ["workspace_id"])

    user, workspace = ctx("user_id"), ctx("workspace_id")
    login_email, token_hash = ctx("login_email", "text"), ctx("token_hash", "text")
    protect("workspace", f"id = {workspace}")
    protect(
        "membership",
        f"workspace_id = {workspace} OR user_id = {user}",
        f"workspace_id = {workspace}",
    )
    # A user sees their own account, the accounts of their workspace's members, and (to log in)
    # the one account whose e-mail they present; they change only their own.
    protect(
        "user_account",
        f"id = {user} OR lower(email) = {login_email} OR EXISTS (SELECT FROM membership m "
        f"WHERE m.user_id = user_account.id AND m.workspace_id = {workspace})",
        f"id = {user}",
    )
    protect("refresh_token", f"user_id = {user} OR token_hash = {token_hash}", f"user_id = {user}")
    protect(
        "invite",
        f"workspace_id = {workspace} OR token_hash = {token_hash}",
        f"workspace_id = {workspace}",
    )


def downgrade() -> None:
    for table in ("invite", "refresh_token", "membership", "user_account", "workspace"):
        unprotect(table)
        op.drop_table(table)
    ROLE.drop(op.get_bind(), checkfirst=True)

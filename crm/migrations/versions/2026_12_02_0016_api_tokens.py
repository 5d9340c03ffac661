"""Access for other programs: personal access tokens and OAuth grants (`api_token`), the OAuth
clients registered by MCP clients and their authorization codes; the activity log names the
token or app a change came through; `crm_token_actor` resolves a presented token into its
actor in one round trip, like `crm_actor` (0012).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.migrations.rls import APP_ROLE, ctx, protect, unprotect

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
NOW = sa.text("now()")
SIGNATURE = "crm_token_actor(text)"


def _owned_by_user(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_user_id_user_account",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_workspace_id_workspace",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_client.client_id"],
            ondelete="CASCADE",
            name=f"fk_{table}_client_id_oauth_client",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "oauth_client",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("metadata", postgresql.JSONB(), nullable=False),
        sa.Column("secret_sealed", sa.String(300), nullable=True),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_oauth_client"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("refresh_hash", sa.String(64), nullable=True),
        sa.Column("client_id", sa.String(64), nullable=True),
        sa.Column("resource", sa.String(500), nullable=True),
        sa.Column("expires_at", TZ, nullable=True),
        sa.Column("access_expires_at", TZ, nullable=True),
        sa.Column("last_used_at", TZ, nullable=True),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_token"),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
        sa.UniqueConstraint("refresh_hash", name="uq_api_token_refresh_hash"),
        sa.CheckConstraint("scope IN ('read', 'write')", name="ck_api_token_scope"),
        *_owned_by_user("api_token"),
    )
    op.create_index("ix_api_token_user_id", "api_token", ["user_id"])
    op.create_table(
        "oauth_code",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("code_challenge", sa.String(128), nullable=False),
        sa.Column("redirect_uri", sa.String(2000), nullable=False),
        sa.Column("redirect_uri_provided_explicitly", sa.Boolean(), nullable=False),
        sa.Column("resource", sa.String(500), nullable=True),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_code"),
        sa.UniqueConstraint("code_hash", name="uq_oauth_code_code_hash"),
        *_owned_by_user("oauth_code"),
    )
    op.create_index("ix_oauth_code_user_id", "oauth_code", ["user_id"])
    op.add_column("activity", sa.Column("client", sa.String(200), nullable=True))

    user, token_hash = ctx("user_id"), ctx("token_hash", "text")
    # Anyone may register a client (RFC 7591); a client's row is read by presenting its id.
    protect("oauth_client", f"client_id = {ctx('client_id', 'text')}", "true")
    # A user sees their own tokens; a caller presenting a token (or a grant's refresh token,
    # or a code) sees that one row, before any user is known.
    protect(
        "api_token",
        f"user_id = {user} OR token_hash = {token_hash} OR refresh_hash = {token_hash}",
        f"user_id = {user}",
    )
    # The client presenting a code marks it used (before any user is known).
    code = f"user_id = {user} OR code_hash = {token_hash}"
    protect("oauth_code", code, code)

    # Runs as the caller (no SECURITY DEFINER): the token is read under the policy above
    # with the hash it presents, then the context becomes the token's user, whose membership
    # is read under its own policy. Last use is written at most once a minute.
    op.execute(
        """
        CREATE FUNCTION crm_token_actor(presented text)
        RETURNS TABLE (token_id uuid, user_id uuid, workspace_id uuid, role text, scope text,
                       name text, client_id text, resource text, expires_at timestamptz)
        LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
        DECLARE
            t api_token%ROWTYPE;
        BEGIN
            PERFORM set_config('app.token_hash', presented, true);
            SELECT * INTO t FROM api_token a
                WHERE a.token_hash = presented AND a.revoked_at IS NULL
                AND (a.expires_at IS NULL OR a.expires_at > now())
                AND (a.access_expires_at IS NULL OR a.access_expires_at > now());
            PERFORM set_config('app.token_hash', '', true);
            IF NOT FOUND THEN
                RETURN;
            END IF;
            PERFORM set_config('app.user_id', t.user_id::text, true),
                set_config('app.workspace_id', t.workspace_id::text, true);
            UPDATE api_token a SET last_used_at = now() WHERE a.id = t.id
                AND (a.last_used_at IS NULL OR a.last_used_at < now() - interval '1 minute');
            RETURN QUERY SELECT t.id, t.user_id, t.workspace_id, m.role::text, t.scope::text,
                    t.name::text, t.client_id::text, t.resource::text,
                    least(t.expires_at, t.access_expires_at)
                FROM membership m
                WHERE m.workspace_id = t.workspace_id AND m.user_id = t.user_id;
        END
        $$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.drop_column("activity", "client")
    for table in ("oauth_code", "api_token", "oauth_client"):
        unprotect(table)
        op.drop_table(table)

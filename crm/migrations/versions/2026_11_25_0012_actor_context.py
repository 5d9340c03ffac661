"""A request's actor in one round trip: `crm_actor` sets the transaction's row-level-security
context and answers the caller's membership (role, when the password last changed), which two
statements did before. It runs as the caller (no SECURITY DEFINER), so the membership is read
under the policies, with the context it has just set.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25
"""

from alembic import op

from crm.migrations.rls import APP_ROLE

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SIGNATURE = "crm_actor(uuid, uuid)"


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION crm_actor(user_id uuid, workspace_id uuid)
        RETURNS TABLE (role text, password_changed_at timestamptz)
        LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
        BEGIN
            PERFORM set_config('app.user_id', user_id::text, true),
                set_config('app.workspace_id', workspace_id::text, true);
            RETURN QUERY SELECT m.role::text, u.password_changed_at
                FROM membership m JOIN user_account u ON u.id = m.user_id
                WHERE m.workspace_id = crm_actor.workspace_id AND m.user_id = crm_actor.user_id;
        END
        $$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {SIGNATURE}")

"""SQL helpers for migrations: the application role and row-level-security policies."""

from alembic import op

APP_ROLE = "crm_app"


def ctx(name: str, cast: str = "uuid") -> str:
    """A policy's reading of one context setting; a missing setting is NULL, so it matches
    nothing (fail closed)."""
    return f"NULLIF(current_setting('app.{name}', true), '')::{cast}"


def create_app_role() -> None:
    # Roles are cluster-wide: create once, never fail when another database made it already.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
            END IF;
        END
        $$;
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")


def protect(table: str, using: str, check: str | None = None) -> None:
    """Grant the application role DML on `table` and force one policy on it."""
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {table}_access ON {table} FOR ALL TO PUBLIC "
        f"USING ({using}) WITH CHECK ({check or using})"
    )


def unprotect(table: str) -> None:
    op.execute(f"DROP POLICY IF EXISTS {table}_access ON {table}")

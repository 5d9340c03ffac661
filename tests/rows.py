"""Read the database as its owner (past row-level security) to check what really was written."""

from typing import Any

import psycopg

from crm.db import app_url, database_url


def fetch(admin_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(admin_url) as conn:
        return conn.execute(query, params).fetchall()  # type: ignore[arg-type]


def count(admin_url: str, table: str) -> int:
    return fetch(admin_url, f"SELECT count(*) FROM {table}")[0][0]


def app_role_url(admin_url: str) -> str:
    """The application role's URL (no BYPASSRLS), in psycopg's plain form."""
    url = database_url(app_url(admin_url), "psycopg").set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def as_app(
    admin_url: str, query: str, *params: Any, context: dict[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """Run one statement as the application role in a transaction whose RLS context is
    `context` (set with set_config(..., true), as the app does); no context sets nothing."""
    with psycopg.connect(app_role_url(admin_url)) as conn, conn.transaction():
        for key, value in (context or {}).items():
            conn.execute("SELECT set_config(%s, %s, true)", (f"app.{key}", str(value)))
        cursor = conn.execute(query, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else [(cursor.rowcount,)]

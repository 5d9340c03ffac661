"""Read the database as its owner (past row-level security) to check what really was written."""

from typing import Any

import psycopg


def fetch(admin_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(admin_url) as conn:
        return conn.execute(query, params).fetchall()  # type: ignore[arg-type]


def count(admin_url: str, table: str) -> int:
    return fetch(admin_url, f"SELECT count(*) FROM {table}")[0][0]  # noqa: S608 (test tables)

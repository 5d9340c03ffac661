"""What the calendar benchmarks share: a fresh migrated database and a user to act as."""

import os
import sys
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm.auth.actor import Actor
from crm.auth.service import auth as auth_service
from crm.db import Database, app_url, migrate
from crm.models import Role

PASSWORD = "bench password 2026"
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def fresh_database(name: str) -> tuple[str, str]:
    """(admin URL, application URL) of a new, migrated database `name` on the server."""
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin = SERVER.rsplit("/", 1)[0] + f"/{name}"
    migrate(admin)
    return admin, app_url(admin)


async def new_user(db: Database) -> Actor:
    async with db.transaction() as session:
        user, workspace_id = await auth_service.create_account(
            session,
            email=f"bench-{uuid.uuid4().hex[:8]}@example.com",
            password=PASSWORD,
            name="Bench",
        )
    return Actor(user.id, workspace_id, Role.owner, "api")

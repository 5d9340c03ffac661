"""The database: URLs, the engine of the application role, transactions carrying the
row-level-security context, and migrations."""

import ast
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from pydantic_core import from_json
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

APP_ROLE = "crm_app"
MIGRATIONS = Path(__file__).parent / "migrations"
# The settings the row-level-security policies read (DESIGN.md section 2). The *_hash ones
# let a caller see exactly the row whose secret it presents (a refresh or invite token) and the
# login e-mail lets login find its one account, before any user is known; an OAuth client's
# registration is read by presenting its id.
CONTEXT_KEYS = ("user_id", "workspace_id", "login_email", "token_hash", "client_id")


def database_url(url: str, driver: str = "asyncpg") -> URL:
    """The SQLAlchemy URL for a plain `postgres://` or `postgresql://` URL as providers give it."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername=f"postgresql+{driver}")


def create_engine(url: str, **pool: int) -> AsyncEngine:
    # JSON columns read with pydantic-core's parser: ten times json.loads's speed (a month
    # of the calendar reads two lists per event).
    engine = create_async_engine(database_url(url), json_deserializer=from_json, **pool)
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    # Instead of a round trip per checkout (pool_pre_ping): asyncpg marks a connection closed
    # when its server ends it (a restart, a failover), and the pool then connects anew.
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError


class Database:
    """The application's connection pool, as the application role. `pool_size` connections
    stay open (as many again may open for a burst and close after it): size it to the
    requests one process serves at once, since opening a connection costs more than a query."""

    def __init__(self, url: str, pool_size: int = 20) -> None:
        self.engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self, **context: uuid.UUID | str | None) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends, rolls back on an exception."""
        async with self.sessions() as session, session.begin():
            await set_context(session, **context)
            yield session

    async def check_role(self) -> None:
        """Refuse to serve through a role that would bypass row-level security."""
        async with self.engine.connect() as conn:
            role, bypasses = (await conn.execute(text(_ROLE))).one()
        if bypasses:
            raise RuntimeError(bypassing_rls(role))

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()


async def core(session: AsyncSession) -> AsyncConnection:
    """The session's connection, for a Core statement on the hot paths: its rows are plain rows
    and skip the ORM's per-statement work (about 0.1 ms a request). Pending changes are flushed
    first, as the session's own `execute` would."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    return await session.connection()


async def set_context(session: AsyncSession, **context: uuid.UUID | str | None) -> None:
    """Set the row-level-security context for the current transaction only."""
    unknown = set(context) - set(CONTEXT_KEYS)
    if unknown:
        raise ValueError(f"unknown context keys: {sorted(unknown)}")
    if not context:
        return
    params = {k: "" if v is None else str(v) for k, v in context.items()}
    calls = ", ".join(f"set_config('app.{k}', :{k}, true)" for k in params)
    await session.execute(text(f"SELECT {calls}"), params)


def alembic_config(admin_url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.set_main_option(
        "sqlalchemy.url",
        database_url(admin_url, "psycopg").render_as_string(hide_password=False).replace("%", "%%"),
    )
    return config


def migrate(admin_url: str, *, sql: bool = False, revision: str = "head") -> None:
    """Upgrade the schema (as the owner role); with `sql`, print the SQL instead."""
    # Alembic (and every migration module it loads) costs about a second of CPU at each
    # start of `crm serve`; a database already at the head needs none of it.
    if revision == "head" and not sql and _at_head(admin_url):
        return
    from alembic import command

    command.upgrade(alembic_config(admin_url), revision, sql=sql)


_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=]*=(.*)$", re.MULTILINE)


def head_revisions() -> set[str]:
    """The revisions no other revision follows, from the `revision` and `down_revision` lines
    of the migration files (read, not imported)."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            parsed = ast.literal_eval(value.strip())
            found = {parsed} if isinstance(parsed, str) else set(parsed or ())
            (revisions if name == "revision" else followed).update(found)
    return revisions - followed


_ROLE = "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"


def bypassing_rls(role: str) -> str:
    return (
        f"the database role {role!r} bypasses row-level security; connect the application as "
        f"{APP_ROLE!r} (see README, 'Running in production')"
    )


def unusable(url: str, *, application: bool = False) -> str | None:
    """Why the database at `url` cannot be used, in words: it does not answer (with the
    server's or the system's reason), or, for the `application`, its role would bypass
    row-level security; None when it can."""
    import psycopg

    try:
        with psycopg.connect(_libpq(url), connect_timeout=10) as conn:
            role, bypasses = conn.execute(_ROLE).fetchone() or ("", False)
    except psycopg.OperationalError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        reason = first.rsplit("failed: ", 1)[-1].removeprefix("FATAL:").strip()
        shown = database_url(url).render_as_string(hide_password=True)
        return (
            f"the database at {shown} cannot be reached ({reason}); check DATABASE_URL and "
            "that its server runs"
        )
    return bypassing_rls(role) if application and bypasses else None


def _libpq(url: str) -> str:
    """`url` as libpq (psycopg) takes it."""
    conninfo = database_url(url, "psycopg").set(drivername="postgresql")
    return conninfo.render_as_string(hide_password=False)


def _at_head(admin_url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(_libpq(admin_url)) as conn:
            current = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    except psycopg.Error:
        return False  # no schema yet (or no access): alembic says what it is
    return current == head_revisions()


def app_url(admin_url: str) -> str:
    """The URL of the application role on the same server and database as `admin_url`
    (for servers that trust local connections: the embedded one and the test one)."""
    url = database_url(admin_url, "asyncpg").set(username=APP_ROLE, password=None)
    return url.render_as_string(hide_password=False)

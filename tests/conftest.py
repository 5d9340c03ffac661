"""Test fixtures: a real PostgreSQL (TEST_DATABASE_URL, or an embedded server when it is unset),
migrated by the real migrations into a fresh database, and the app served in-process."""

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from psycopg import sql
from pydantic_ai import models

from crm.app import create_app
from crm.config import Settings
from crm.db import app_url, database_url, migrate
from tests.radicale import RadicaleServer

# Tests create (and drop) this database on the server; parallel runs need their own names.
# No test reaches a real model provider: a request through a non-test model fails, unless a test
# allows it for a local server speaking the provider's API (tests/ai).
models.ALLOW_MODEL_REQUESTS = False

TEST_DATABASE = os.environ.get("CRM_TEST_DATABASE", "crm_test")
SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery"


def _server_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but TEST_DATABASE_URL is not set")
    from crm import embedded

    with tempfile.TemporaryDirectory() as data_dir:
        server = embedded.start(Path(data_dir))
        try:
            yield server.admin_url
        finally:
            server.stop()


def _sync_url(url: str, database: str | None = None) -> str:
    parsed = database_url(url, "psycopg")
    if database:
        parsed = parsed.set(database=database)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def admin_url() -> Iterator[str]:
    """The owner's URL of a freshly created and migrated test database."""
    for server in _server_url():
        with psycopg.connect(_sync_url(server), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(TEST_DATABASE)
                )
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEST_DATABASE)))
        url = _sync_url(server, TEST_DATABASE)
        migrate(url)
        yield url


@pytest.fixture(scope="session")
def tables(admin_url: str) -> list[str]:
    with psycopg.connect(admin_url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        ).fetchall()
    return [r[0] for r in rows]


@pytest.fixture(autouse=True)
def clean_database(request: pytest.FixtureRequest) -> None:
    """Every test starts with empty tables."""
    if not {"admin_url", "client", "custom_app"} & set(request.fixturenames):
        return
    admin = request.getfixturevalue("admin_url")
    # Workers of a live server (the browser tests') stay registered across tests.
    names = [t for t in request.getfixturevalue("tables") if t != "procrastinate_workers"]
    with psycopg.connect(admin) as conn:
        conn.execute(
            sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, names)))
        )


def make_settings(admin_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": app_url(admin_url),
        "crm_secret_key": SECRET,
        "crm_data_dir": Path(tempfile.gettempdir()) / "crm-test-data",
        "rate_limit_auth": "1000/minute",
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
async def app(admin_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(admin_url))
    async with application.router.lifespan_context(application):
        # Tests call the app's parts directly too, not only through requests that wait.
        await application.state.warming.done.wait()
        yield application


def http_client(app: FastAPI, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://localhost")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    await app.state.rate_limits.reset()
    async with http_client(app) as c:
        yield c


@pytest.fixture
def custom_app(admin_url: str) -> Callable[..., AbstractAsyncContextManager[FastAPI]]:
    """An app of its own with some settings changed: `async with custom_app(x=...) as app`."""

    @asynccontextmanager
    async def build(**overrides: Any) -> AsyncIterator[FastAPI]:
        application = create_app(make_settings(admin_url, **overrides))
        async with application.router.lifespan_context(application):
            await application.state.warming.done.wait()
            await application.state.rate_limits.reset()
            yield application

    return build


async def register(
    client: httpx.AsyncClient, email: str | None = None, name: str = "Ada Lovelace"
) -> dict[str, Any]:
    """Register a new account; answers the token response."""
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    response = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert response.status_code == 201, response.text
    return response.json()


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
def radicale() -> Iterator[RadicaleServer]:
    """A real CalDAV server of its own (tests/radicale.py), empty, for one test."""
    with RadicaleServer() as server:
        yield server

"""The app served by uvicorn on a real port (bound to port 0 first, so the CRM knows its own
address for the OAuth metadata), in a thread of its own, for MCP clients over real HTTP; its
Microsoft 365 is the identity and Graph stand-in (tests/integrations/conftest.py)."""

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from crm.app import create_app
from crm.integrations.service import redirect_uri
from tests.conftest import make_settings
from tests.integrations.conftest import (  # noqa: F401
    google_standin,
    identity_server,
    microsoft_server,
)
from tests.people import Person, sign_up


@pytest.fixture(scope="module")
def live(admin_url: str, identity_server, google_standin) -> Iterator[str]:  # noqa: F811
    identity, standin = identity_server
    google, _, google_server = google_standin
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = make_settings(
        admin_url,
        crm_base_url=url,
        rate_limit_api="100000/minute",
        **identity.crm_settings(standin.url),
        **google.crm_settings(google_server.url),
    )
    identity.redirect_uris.add(redirect_uri(settings, "ms365"))
    google.redirect_uris.add(redirect_uri(settings, "google"))
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@pytest.fixture
async def rest(live: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live, timeout=30) as client:
        yield client


async def make_token(
    rest: httpx.AsyncClient, person: Person, scope: str = "write", **more: Any
) -> dict[str, Any]:
    response = await rest.post(
        "/api/v1/tokens",
        json={"name": "Claude Desktop", "scope": scope, **more},
        headers=person.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def person_with_token(
    rest: httpx.AsyncClient, scope: str = "write", name: str = "Ada Lovelace"
) -> tuple[Person, str]:
    person = await sign_up(rest, name)
    return person, (await make_token(rest, person, scope))["token"]


@asynccontextmanager
async def mcp_client(live: str, token: str, **options: Any) -> AsyncIterator[Client]:
    """The official MCP client over streamable HTTP with the token as Bearer."""
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with (
        http,
        Client(streamable_http_client(f"{live}/mcp", http_client=http), **options) as client,
    ):
        yield client

"""The Microsoft identity stand-in on a real HTTP server for the whole session, an app whose
settings point at it, and users signed in the two ways the flow needs: a Bearer token for the
API and the browser's cookie session for the provider's callback."""

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from crm.app import create_app
from crm.auth.actor import Actor
from crm.integrations.service import redirect_uri
from tests.conftest import PASSWORD, bearer, http_client, make_settings
from tests.standins import StandInServer
from tests.standins.google import GoogleAccount, GoogleIdentity
from tests.standins.google_apis import GoogleAPIs
from tests.standins.microsoft_graph import GraphStandIn
from tests.standins.microsoft_identity import MicrosoftAccount, MicrosoftIdentity

CONNECT = "/api/v1/integrations/connect"
INTEGRATIONS = "/api/v1/integrations"


@pytest.fixture(scope="session")
def microsoft_server() -> Iterator[tuple[MicrosoftIdentity, GraphStandIn, StandInServer]]:
    """The identity platform and Graph on one server: the tokens the one issues open the
    other's mailboxes (each account's, made on first use)."""
    identity = MicrosoftIdentity()
    graph = GraphStandIn(identity=identity)
    with StandInServer(identity, graph.standin()) as server:
        graph.base = f"{server.url}/v1.0"
        yield identity, graph, server


@pytest.fixture(scope="session")
def identity_server(microsoft_server) -> tuple[MicrosoftIdentity, StandInServer]:
    identity, _, server = microsoft_server
    return identity, server


@pytest.fixture
def ms_graph(microsoft_server) -> GraphStandIn:
    """The Graph stand-in (mailboxes by account, made on first use)."""
    return microsoft_server[1]


@pytest.fixture
def microsoft(identity_server) -> MicrosoftIdentity:
    """The stand-in, as fresh for each test (no codes, grants or counts from another)."""
    identity, _ = identity_server
    identity.reset()
    return identity


@pytest.fixture(scope="session")
async def ms_app(admin_url: str, identity_server) -> AsyncIterator[FastAPI]:
    identity, server = identity_server
    application = create_app(make_settings(admin_url, **identity.crm_settings(server.url)))
    identity.redirect_uris.add(redirect_uri(application.state.settings, "ms365"))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def ms_client(ms_app: FastAPI, microsoft) -> AsyncIterator[httpx.AsyncClient]:
    await ms_app.state.rate_limits.reset()
    async with http_client(ms_app) as c:
        yield c


@dataclass
class User:
    """A signed-up user with a browser of their own (cookie session) and a Bearer token."""

    browser: httpx.AsyncClient
    headers: dict[str, str]
    user_id: uuid.UUID
    workspace_id: uuid.UUID
    account: MicrosoftAccount

    def actor(self) -> Actor:
        from crm.models import Role

        return Actor(self.user_id, self.workspace_id, Role.owner, "assistant")


@pytest.fixture
async def new_user(ms_app: FastAPI, ms_client):
    browsers: list[httpx.AsyncClient] = []

    async def make(name: str = "Ada Lovelace") -> User:
        browser = http_client(ms_app)
        browsers.append(browser)
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        registered = await browser.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name}
        )
        assert registered.status_code == 201, registered.text
        signed_in = await browser.post(
            "/api/v1/auth/session", json={"email": email, "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        me = (await browser.get("/api/v1/me")).json()
        mail = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@contoso.com"
        return User(
            browser,
            bearer(registered.json()),
            uuid.UUID(me["id"]),
            uuid.UUID(me["workspace_id"]),
            MicrosoftAccount(name, mail),
        )

    yield make
    for browser in browsers:
        await browser.aclose()


async def start_connect(user: User) -> str:
    """POST connect as the user; answers the authorization URL."""
    response = await user.browser.post(CONNECT, json={"service": "ms365"}, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["authorization_url"]


async def authorize(url: str) -> str:
    """The browser at the stand-in's sign-in page: answers where it is sent back to."""
    async with httpx.AsyncClient() as plain:
        response = await plain.get(url)
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def come_back(user: User, location: str) -> httpx.Response:
    """The browser following the provider's redirect to the CRM's callback."""
    parts = urlsplit(location)
    return await user.browser.get(f"{parts.path}?{parts.query}")


async def connect(user: User, microsoft: MicrosoftIdentity) -> httpx.Response:
    """The whole flow, signing in as the user's Microsoft account; answers the callback's."""
    microsoft.signing_in = user.account
    return await come_back(user, await authorize(await start_connect(user)))


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture(scope="module")
def google_standin() -> Iterator[tuple[GoogleIdentity, GoogleAPIs, StandInServer]]:
    identity = GoogleIdentity()
    apis = GoogleAPIs(identity)
    with StandInServer(identity, apis) as server:
        yield identity, apis, server


@pytest.fixture
def google(google_standin) -> GoogleIdentity:
    identity, _, _ = google_standin
    identity.reset()
    return identity


@pytest.fixture
def gmail(google_standin) -> GoogleAPIs:
    return google_standin[1]


async def connect_google(user: User, google: GoogleIdentity) -> GoogleAccount:
    """The whole flow, signing in as a Google account of the user's own."""
    name = user.account.display_name
    account = GoogleAccount(name, f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@gmail.com")
    google.signing_in = account
    started = await user.browser.post(CONNECT, json={"service": "google"}, headers=user.headers)
    assert started.status_code == 200, started.text
    back = await come_back(user, await authorize(started.json()["authorization_url"]))
    assert back.status_code == 303 and "error" not in back.headers["location"]
    return account

"""Google's OAuth stand-in on a real HTTP server for the session, an app whose settings point
at it, and users who sign up and connect their own Google accounts."""

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from crm.app import create_app
from crm.integrations.service import redirect_uri
from tests.conftest import PASSWORD, bearer, http_client, make_settings
from tests.integrations.conftest import CONNECT, User, authorize, come_back
from tests.standins import StandInServer
from tests.standins.google import GoogleAccount, GoogleIdentity
from tests.standins.google_apis import GoogleAPIs


@pytest.fixture(scope="session")
def google_standins() -> Iterator[tuple[GoogleIdentity, GoogleAPIs, StandInServer]]:
    """Google's sign-in and its APIs (Gmail, Calendar, Drive) on one server: the tokens the
    one issues open the other's data."""
    identity = GoogleIdentity()
    apis = GoogleAPIs(identity)
    with StandInServer(identity, apis) as server:
        yield identity, apis, server


@pytest.fixture(scope="session")
def google_server(google_standins) -> tuple[GoogleIdentity, StandInServer]:
    identity, _, server = google_standins
    return identity, server


@pytest.fixture
def google_apis(google_standins) -> GoogleAPIs:
    return google_standins[1]


@pytest.fixture
def google(google_server) -> GoogleIdentity:
    identity, _ = google_server
    identity.reset()
    return identity


@pytest.fixture(scope="session")
async def google_app(admin_url: str, google_server) -> AsyncIterator[FastAPI]:
    identity, server = google_server
    application = create_app(make_settings(admin_url, **identity.crm_settings(server.url)))
    identity.redirect_uris.add(redirect_uri(application.state.settings, "google"))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def google_user(google_app: FastAPI, google):
    await google_app.state.rate_limits.reset()
    browsers: list[httpx.AsyncClient] = []

    async def make(name: str = "Grace Hopper") -> User:
        browser = http_client(google_app)
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
        mail = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.org"
        return User(
            browser,
            bearer(registered.json()),
            uuid.UUID(me["id"]),
            uuid.UUID(me["workspace_id"]),
            GoogleAccount(name, mail),  # type: ignore[arg-type]
        )

    yield make
    for browser in browsers:
        await browser.aclose()


async def start_google(user: User) -> str:
    response = await user.browser.post(CONNECT, json={"service": "google"}, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["authorization_url"]


async def connect_google(user: User, google: GoogleIdentity) -> httpx.Response:
    """The whole flow, signing in as the user's Google account; answers the callback's."""
    google.signing_in = user.account  # type: ignore[assignment]
    return await come_back(user, await authorize(await start_google(user)))

"""The OAuth path of a remote MCP client, end to end, with the official MCP client SDK's OAuth
support: the 401 naming the protected-resource metadata, authorization-server discovery,
dynamic client registration, the user's consent in Chromium, the token exchange with PKCE, a
tool call, and revocation from the user's token list."""

import json
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD, bearer, register
from tests.smtp import free_port

CALLBACK = f"http://127.0.0.1:{free_port()}/callback"


class Storage:
    """The client's token store, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")


@pytest.fixture
async def signed_in_page(live, rest):
    """Chromium signed in to the CRM as a new user; answers (page, the user's tokens)."""
    _need_chromium()
    from playwright.async_api import async_playwright

    email = f"oauth-{uuid.uuid4().hex[:8]}@example.com"
    tokens = await register(rest, email, name="Ada Lovelace")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.goto(f"{live}/login")
        await page.fill("input[name=email]", email)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{live}/assistant**")
        yield page, tokens
        await browser.close()


def oauth(
    live: str, page, storage: Storage, *, choose: str, seen: list[str]
) -> OAuthClientProvider:
    """The SDK's OAuth client: it sends the user to `/authorize` in the browser, where the
    user picks `choose` and allows; the redirect to the callback carries the code."""
    landed: dict[str, str] = {}

    async def redirect(url: str) -> None:
        await page.goto(url)
        seen.append(await page.inner_text("main"))
        await page.check(f"input[name=scope][value={choose}]")
        async with page.expect_request(lambda r: r.url.startswith(CALLBACK)) as request:
            await page.click("button[value=allow]")
        landed.update(
            {k: v[0] for k, v in parse_qs(urlsplit((await request.value).url).query).items()}
        )

    async def callback() -> AuthorizationCodeResult:
        return AuthorizationCodeResult(code=landed["code"], state=landed.get("state"))

    return OAuthClientProvider(
        f"{live}/mcp",
        OAuthClientMetadata(client_name="Claude", redirect_uris=[CALLBACK]),
        storage,
        redirect_handler=redirect,
        callback_handler=callback,
    )


async def test_metadata_names_the_resource_and_the_authorization_server(live):
    async with httpx2.AsyncClient() as http:
        resource = (await http.get(f"{live}/.well-known/oauth-protected-resource/mcp")).json()
        server = (await http.get(f"{live}/.well-known/oauth-authorization-server/oauth")).json()
    assert resource["resource"] == f"{live}/mcp"
    assert resource["authorization_servers"] == [f"{live}/oauth"]
    assert server["issuer"] == f"{live}/oauth"
    assert server["code_challenge_methods_supported"] == ["S256"]
    assert server["registration_endpoint"] == f"{live}/oauth/register"
    assert set(server["scopes_supported"]) == {"read", "write"}


async def test_a_remote_client_signs_in_by_oauth_calls_a_tool_and_is_revoked(
    live, rest, signed_in_page
):
    page, user = signed_in_page
    storage, seen = Storage(), []
    async with httpx2.AsyncClient(
        auth=oauth(live, page, storage, choose="write", seen=seen), timeout=30
    ) as http:
        async with Client(streamable_http_client(f"{live}/mcp", http_client=http)) as client:
            result = await client.call_tool("create_contact", {"name": "Grace Hopper"})
    assert "Claude wants to read and change your contacts" in seen[0]
    contact = json.loads(result.content[0].text)
    activity = await rest.get(f"/api/v1/contacts/{contact['id']}/activity", headers=bearer(user))
    assert (activity.json()["items"][0]["channel"], activity.json()["items"][0]["client"]) == (
        "mcp",
        "Claude",
    )

    access = storage.tokens.access_token
    # The grant is bound to /mcp: the REST API does not take it.
    refused = await rest.get("/api/v1/contacts", headers={"Authorization": f"Bearer {access}"})
    assert refused.status_code == 401

    grants = (await rest.get("/api/v1/tokens", headers=bearer(user))).json()["items"]
    assert [(g["name"], g["kind"], g["scope"]) for g in grants] == [("Claude", "app", "write")]
    revoked = await rest.delete(f"/api/v1/tokens/{grants[0]['id']}", headers=bearer(user))
    assert revoked.status_code == 204
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {access}"}) as http:
        after = await http.post(f"{live}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        refresh = await http.post(
            f"{live}/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": storage.tokens.refresh_token,
                "client_id": storage.client.client_id,
                "client_secret": storage.client.client_secret or "",
            },
        )
    assert after.status_code == 401
    assert refresh.json()["error"] == "invalid_grant"


async def test_a_read_only_consent_gives_a_client_that_cannot_write(
    live, rest, signed_in_page, admin_url
):
    page, _ = signed_in_page
    storage, seen = Storage(), []
    async with httpx2.AsyncClient(
        auth=oauth(live, page, storage, choose="read", seen=seen), timeout=30
    ) as http:
        async with Client(streamable_http_client(f"{live}/mcp", http_client=http)) as client:
            listed = await client.call_tool("list_contacts", {})
            refused = await client.call_tool("create_contact", {"name": "Grace Hopper"})
    assert not listed.is_error
    assert refused.is_error and "only read" in refused.content[0].text

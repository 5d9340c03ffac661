"""The integrations API against the Microsoft identity stand-in: the statuses, connect with
PKCE S256 and a state, the callback's success (tokens sealed at rest) and every way it
connects nobody, and disconnect."""

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from crm.kit.crypto import SecretBox
from tests.conftest import SECRET, http_client
from tests.integrations.conftest import (
    CONNECT,
    INTEGRATIONS,
    authorize,
    come_back,
    connect,
    query_of,
    start_connect,
)
from tests.people import sign_up
from tests.rows import count, fetch


async def ms365(user_or_headers, client=None) -> dict:
    if client is None:
        response = await user_or_headers.browser.get(INTEGRATIONS)
    else:
        response = await client.get(INTEGRATIONS, headers=user_or_headers)
    assert response.status_code == 200, response.text
    [item] = [i for i in response.json()["items"] if i["service"] == "ms365"]
    return item


async def test_without_a_client_id_microsoft_365_is_not_configured(client):
    ada = await sign_up(client)
    item = await ms365(ada.headers, client)
    assert item == {
        "service": "ms365",
        "name": "Microsoft 365",
        "status": "not_configured",
        "account": None,
        "scopes": [],
        "connected_at": None,
        "last_sync_at": None,
        "last_error": None,
    }
    refused = await client.post(CONNECT, json={"service": "ms365"}, headers=ada.headers)
    assert refused.status_code == 409
    assert "MICROSOFT_CLIENT_ID" in refused.json()["detail"]


async def test_an_unknown_service_is_422_naming_it(ms_client, new_user):
    ada = await new_user()
    response = await ms_client.post(CONNECT, json={"service": "myspace"}, headers=ada.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "service" and "'myspace'" in error["message"]
    gone = await ms_client.delete(f"{INTEGRATIONS}/myspace", headers=ada.headers)
    assert gone.status_code == 422
    extra = await ms_client.post(
        CONNECT, json={"service": "ms365", "tenant": "x"}, headers=ada.headers
    )
    assert extra.status_code == 422


async def test_connect_answers_an_authorization_url_with_pkce_s256_and_a_state(
    ms_app, microsoft, new_user, admin_url
):
    ada = await new_user()
    assert (await ms365(ada))["status"] == "disconnected"
    url = await start_connect(ada)
    parts, query = urlsplit(url), query_of(url)
    settings = ms_app.state.settings
    assert f"{parts.scheme}://{parts.netloc}" == settings.microsoft_authority_url
    assert parts.path == f"/{settings.microsoft_tenant_id}/oauth2/v2.0/authorize"
    assert query["client_id"] == microsoft.client_id
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == "http://127.0.0.1:8000/api/v1/integrations/ms365/callback"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert {"offline_access", "User.Read", "Mail.Send"} <= set(query["scope"].split())
    assert len(query["state"]) >= 43
    [(state_hash, sealed, expires_at)] = fetch(
        admin_url,
        "SELECT state_hash, code_verifier_sealed, expires_at FROM integration_authorization",
    )
    assert state_hash == hashlib.sha256(query["state"].encode()).hexdigest()
    verifier = SecretBox([SECRET]).decrypt(
        sealed,
        context=f"integration_authorization.code_verifier:{ada.workspace_id}:{ada.user_id}:ms365",
    )
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert challenge.decode() == query["code_challenge"]
    assert verifier not in sealed
    lifetime = expires_at - datetime.now(UTC)
    assert timedelta(minutes=9) < lifetime <= timedelta(minutes=10)


async def test_the_callback_connects_the_account_with_its_tokens_sealed(
    ms_app, microsoft, new_user, admin_url
):
    ada = await new_user()
    done = await connect(ada, microsoft)
    assert done.status_code == 303
    assert done.headers["location"] == "/settings/integrations?connected=ms365"
    item = await ms365(ada)
    assert item["status"] == "connected"
    assert item["account"] == {"email": ada.account.mail, "name": "Ada Lovelace"}
    assert "Mail.ReadWrite" in item["scopes"] and item["connected_at"]
    assert count(admin_url, "integration_authorization") == 0  # the state is spent

    [(access, refresh)] = fetch(
        admin_url,
        "SELECT access_token_sealed, refresh_token_sealed FROM integration_connection",
    )
    assert access.startswith("v1.") and refresh.startswith("v1.")
    box = SecretBox([SECRET])
    context = f"integration_connection.%s:{ada.workspace_id}:{ada.user_id}:ms365"
    token = box.decrypt(access, context=context % "access_token")
    assert token not in access and "access-" not in access and "refresh-" not in refresh
    # The stored token is the one Microsoft issued: Graph answers with it.
    async with httpx.AsyncClient() as graph:
        me = await graph.get(
            f"{ms_app.state.settings.microsoft_graph_url}/me",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert me.status_code == 200 and me.json()["mail"] == ada.account.mail
    assert box.decrypt(refresh, context=context % "refresh_token").startswith("0.refresh-")


async def test_a_declined_consent_connects_nobody(microsoft, new_user, admin_url):
    ada = await new_user()
    microsoft.signing_in, microsoft.consents = ada.account, False
    location = await authorize(await start_connect(ada))
    assert query_of(location)["error"] == "access_denied"
    back = await come_back(ada, location)
    assert back.status_code == 303
    assert query_of(back.headers["location"])["error"] == "access_denied"
    assert (await ms365(ada))["status"] == "disconnected"
    assert count(admin_url, "integration_authorization") == 0


async def test_an_unknown_state_connects_nobody(microsoft, new_user):
    ada = await new_user()
    microsoft.signing_in = ada.account
    location = await authorize(await start_connect(ada))
    forged = location.replace(query_of(location)["state"], "not-the-state")
    back = await come_back(ada, forged)
    assert query_of(back.headers["location"])["error"] == "state_unknown"
    assert (await ms365(ada))["status"] == "disconnected"


async def test_a_state_is_used_once(microsoft, new_user):
    ada = await new_user()
    microsoft.signing_in = ada.account
    location = await authorize(await start_connect(ada))
    assert (await come_back(ada, location)).headers["location"].endswith("connected=ms365")
    await ada.browser.delete(f"{INTEGRATIONS}/ms365", headers=ada.headers)
    again = await come_back(ada, location)
    assert query_of(again.headers["location"])["error"] == "state_unknown"
    assert (await ms365(ada))["status"] == "disconnected"


async def test_an_expired_state_connects_nobody(microsoft, new_user, admin_url):
    ada = await new_user()
    microsoft.signing_in = ada.account
    location = await authorize(await start_connect(ada))
    fetch(
        admin_url,
        "UPDATE integration_authorization SET expires_at = now() - interval '1 second' "
        "RETURNING id",
    )
    back = await come_back(ada, location)
    assert query_of(back.headers["location"])["error"] == "state_expired"
    assert (await ms365(ada))["status"] == "disconnected"


async def test_another_users_state_connects_nobody(microsoft, new_user, admin_url):
    ada, bob = await new_user("Ada Lovelace"), await new_user("Bob Marley")
    microsoft.signing_in = ada.account
    location = await authorize(await start_connect(ada))
    back = await come_back(bob, location)
    assert query_of(back.headers["location"])["error"] == "state_unknown"
    assert (await ms365(bob))["status"] == "disconnected"
    assert count(admin_url, "integration_authorization") == 1  # still Ada's to finish
    assert (await come_back(ada, location)).headers["location"].endswith("connected=ms365")


async def test_a_signed_out_browser_is_sent_to_sign_in_and_back(ms_client, microsoft, new_user):
    ada = await new_user()
    microsoft.signing_in = ada.account
    location = await authorize(await start_connect(ada))
    parts = urlsplit(location)
    back = await ms_client.get(f"{parts.path}?{parts.query}")
    assert back.status_code == 303
    target = urlsplit(back.headers["location"])
    assert target.path == "/login"
    assert query_of(back.headers["location"])["next"] == f"{parts.path}?{parts.query}"


async def test_disconnect_deletes_the_tokens(microsoft, new_user, admin_url):
    ada = await new_user()
    await connect(ada, microsoft)
    assert count(admin_url, "integration_connection") == 1
    gone = await ada.browser.delete(f"{INTEGRATIONS}/ms365", headers=ada.headers)
    assert gone.status_code == 204
    assert count(admin_url, "integration_connection") == 0
    assert (await ms365(ada))["status"] == "disconnected"
    again = await ada.browser.delete(f"{INTEGRATIONS}/ms365", headers=ada.headers)
    assert again.status_code == 204


async def test_a_browser_whose_access_cookie_expired_meanwhile_still_connects(microsoft, new_user):
    ada = await new_user()
    microsoft.signing_in = ada.account
    location = await authorize(await start_connect(ada))
    ada.browser.cookies.delete("crm_access")  # the consent took longer than its 15 minutes
    back = await come_back(ada, location)
    assert back.headers["location"] == "/settings/integrations?connected=ms365"
    assert "crm_access=" in back.headers.get("set-cookie", "")
    assert (await ms365(ada))["status"] == "connected"


async def test_a_state_whose_verifier_no_key_opens_connects_nobody(microsoft, new_user, admin_url):
    ada = await new_user()
    microsoft.signing_in = ada.account
    location = await authorize(await start_connect(ada))
    # As after `crm keys rotate` and the old key dropped while the user was consenting.
    fetch(
        admin_url,
        "UPDATE integration_authorization SET code_verifier_sealed = 'v1.00000000.AAAA' "
        "RETURNING id",
    )
    back = await come_back(ada, location)
    assert query_of(back.headers["location"])["error"] == "state_expired"
    assert (await ms365(ada))["status"] == "disconnected"


async def test_a_code_the_provider_will_not_exchange_connects_nobody(
    custom_app, identity_server, microsoft, new_user
):
    ada = await new_user()
    microsoft.signing_in = ada.account
    _, server = identity_server
    wrong = {**microsoft.crm_settings(server.url), "microsoft_client_secret": "not-the-secret"}
    async with custom_app(**wrong) as app, http_client(app) as browser:
        browser.cookies = ada.browser.cookies  # the same session, on a misconfigured server
        started = await browser.post(CONNECT, json={"service": "ms365"}, headers=ada.headers)
        location = urlsplit(await authorize(started.json()["authorization_url"]))
        back = await browser.get(f"{location.path}?{location.query}")
    assert query_of(back.headers["location"])["error"] == "token_failed"
    assert (await ms365(ada))["status"] == "disconnected"

"""Connecting Google Workspace against Google's OAuth stand-in: the authorization URL (PKCE,
offline access, consent only while no refresh token is held), the account from userinfo, the
Settings card, and Google's failure modes in words: a dead refresh token (revoked, or the
7 days of a consent screen in Testing), invalid_rapt, and a scope unticked at consent."""

import pytest

from crm.integrations.google.provider import AUTH
from crm.integrations.service import ReconnectNeeded
from crm.integrations.service import integration as integration_service
from crm.kit.crypto import SecretBox
from tests.conftest import SECRET
from tests.integrations.conftest import INTEGRATIONS, authorize, come_back, query_of
from tests.integrations.google.conftest import connect_google, start_google
from tests.rows import fetch

TAB = "/settings/integrations"


async def google_item(user) -> dict:
    response = await user.browser.get(INTEGRATIONS)
    [item] = [i for i in response.json()["items"] if i["service"] == "google"]
    return item


async def token_of(app, user, **kwargs) -> str:
    async with app.state.db.transaction(
        user_id=user.user_id, workspace_id=user.workspace_id
    ) as session:
        return await integration_service.access_token(
            session,
            user.actor(),
            service="google",
            settings=app.state.settings,
            box=SecretBox([SECRET]),
            **kwargs,
        )


def expire_soon(admin_url, user):
    fetch(
        admin_url,
        "UPDATE integration_connection SET expires_at = now() + interval '1 minute' "
        "WHERE user_id = %s AND service = 'google' RETURNING id",
        user.user_id,
    )


async def test_connect_asks_for_offline_access_and_consent_with_pkce(google_app, google_user):
    grace = await google_user()
    assert (await google_item(grace))["status"] == "disconnected"
    query = query_of(await start_google(grace))
    assert query["access_type"] == "offline" and query["prompt"] == "consent"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"].endswith("/api/v1/integrations/google/callback")
    scopes = query["scope"].split()
    assert f"{AUTH}gmail.readonly" in scopes and f"{AUTH}drive" in scopes
    assert f"{AUTH}gmail.modify" not in scopes and "https://mail.google.com/" not in scopes


async def test_the_callback_connects_the_google_account_from_userinfo(google, google_user):
    grace = await google_user()
    done = await connect_google(grace, google)
    assert done.headers["location"] == "/settings/integrations?connected=google"
    item = await google_item(grace)
    assert item["status"] == "connected" and item["last_error"] is None
    assert item["account"]["email"] == grace.account.email
    assert item["account"]["name"] == "Grace Hopper"
    # Connected with a refresh token: a reconnect no longer forces the consent screen.
    query = query_of(await start_google(grace))
    assert query["access_type"] == "offline" and "prompt" not in query


async def test_the_card_shows_google_and_connects_through_the_page(google, google_user):
    grace = await google_user()
    page = await grace.browser.get(TAB)
    assert "Connect Google Workspace" in page.text
    assert "search, read, draft and send mail from Gmail" in page.text
    await connect_google(grace, google)
    page = await grace.browser.get(f"{TAB}?connected=google")
    assert "Google Workspace is connected." in page.text
    assert grace.account.email in page.text


async def test_a_scope_unticked_at_consent_is_said_in_words(google, google_user):
    grace = await google_user()
    google.unticked = {f"{AUTH}gmail.compose", f"{AUTH}drive"}
    await connect_google(grace, google)
    item = await google_item(grace)
    assert item["status"] == "connected"
    assert item["last_error"] == (
        "At Google's consent screen some permissions were left unticked, so the CRM cannot "
        "draft and send mail from Gmail or read, upload and share files in your Google Drive. "
        "Reconnect and tick every box to allow it."
    )
    assert "unticked" in (await grace.browser.get(TAB)).text


async def test_a_refresh_token_google_expired_says_how_to_publish_the_app(
    google_app, google, google_user, admin_url
):
    grace = await google_user()
    await connect_google(grace, google)
    assert await token_of(google_app, grace)
    google.revoke(grace.account)
    expire_soon(admin_url, grace)
    with pytest.raises(ReconnectNeeded):
        await token_of(google_app, grace)
    item = await google_item(grace)
    assert item["status"] == "reconnect_needed"
    assert "consent screen is still in Testing" in item["last_error"]
    assert "7 days" in item["last_error"]
    assert "docs/integrations.md#google-workspace" in item["last_error"]
    # Reconnecting asks for consent again, so Google hands out a new refresh token.
    url = await start_google(grace)
    assert query_of(url)["prompt"] == "consent"
    assert (
        (await come_back(grace, await authorize(url)))
        .headers["location"]
        .endswith("connected=google")
    )
    assert (await google_item(grace))["status"] == "connected"
    google.expire_access_tokens()
    expire_soon(admin_url, grace)
    assert await token_of(google_app, grace)  # the new refresh token works


async def test_invalid_rapt_says_the_administrator_requires_signing_in_again(
    google_app, google, google_user, admin_url
):
    grace = await google_user()
    await connect_google(grace, google)
    google.revoke(grace.account, state="rapt")
    expire_soon(admin_url, grace)
    with pytest.raises(ReconnectNeeded):
        await token_of(google_app, grace)
    item = await google_item(grace)
    assert item["status"] == "reconnect_needed"
    assert "administrator requires you to sign in again" in item["last_error"]


async def test_a_token_google_answered_401_to_is_refreshed_without_rotation(
    google_app, google, google_user
):
    grace = await google_user()
    await connect_google(grace, google)
    rejected = await token_of(google_app, grace)
    google.expire_access_tokens()
    renewed = await token_of(google_app, grace, rejected=rejected)
    assert renewed != rejected and len(google.refreshes) == 1
    # Google does not rotate: the same refresh token serves the next refresh.
    google.expire_access_tokens()
    await token_of(google_app, grace, rejected=renewed)
    assert google.refreshes[0] == google.refreshes[1]


async def test_without_a_client_id_google_is_not_set_up_and_says_what_to_set(client):
    from tests.people import sign_up

    ada = await sign_up(client)
    response = await client.get(INTEGRATIONS, headers=ada.headers)
    [item] = [i for i in response.json()["items"] if i["service"] == "google"]
    assert item["status"] == "not_configured" and item["name"] == "Google Workspace"
    refused = await client.post(
        "/api/v1/integrations/connect", json={"service": "google"}, headers=ada.headers
    )
    assert refused.status_code == 409
    assert "GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET" in refused.json()["detail"]

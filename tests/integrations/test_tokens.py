"""`integration.access_token`: the user's current token, refreshed before it expires or after
a 401, under a row lock (two callers spend one refresh token once), the rotated refresh token
stored; a refused grant marks the connection and tells the user once; `crm keys rotate`
re-seals the tokens."""

import asyncio

import psycopg
import pytest

from crm.integrations import oauth
from crm.integrations.ms365.provider import microsoft365
from crm.integrations.service import (
    NotConnected,
    ProviderUnavailable,
    ReconnectNeeded,
)
from crm.integrations.service import integration as integration_service
from crm.kit.crypto import SecretBox
from tests.ai.test_key_rotation import NEW, rotate
from tests.conftest import SECRET
from tests.integrations.conftest import INTEGRATIONS, connect
from tests.rows import as_app, fetch


def sealed(admin_url, user, kind):
    [(value,)] = fetch(
        admin_url,
        f"SELECT {kind}_token_sealed FROM integration_connection WHERE user_id = %s",
        user.user_id,
    )
    return SecretBox([SECRET]).decrypt(
        value,
        context=f"integration_connection.{kind}_token:{user.workspace_id}:{user.user_id}:ms365",
    )


def expire_soon(admin_url, user):
    """The stored token expires within the refresh margin."""
    fetch(
        admin_url,
        "UPDATE integration_connection SET expires_at = now() + interval '1 minute' "
        "WHERE user_id = %s RETURNING id",
        user.user_id,
    )


async def token_of(app, user, **kwargs) -> str:
    """The token as a caller gets it, in a transaction of its own (as a request or job)."""
    async with app.state.db.transaction(
        user_id=user.user_id, workspace_id=user.workspace_id
    ) as session:
        return await integration_service.access_token(
            session,
            user.actor(),
            service="ms365",
            settings=app.state.settings,
            box=SecretBox([SECRET]),
            **kwargs,
        )


async def test_a_fresh_token_is_handed_out_without_a_refresh(
    ms_app, microsoft, new_user, admin_url
):
    ada = await new_user()
    await connect(ada, microsoft)
    assert await token_of(ms_app, ada) == sealed(admin_url, ada, "access")
    assert microsoft.refreshes == []


async def test_a_token_about_to_expire_is_refreshed_and_the_new_refresh_token_kept(
    ms_app, microsoft, new_user, admin_url
):
    ada = await new_user()
    await connect(ada, microsoft)
    old_access, old_refresh = sealed(admin_url, ada, "access"), sealed(admin_url, ada, "refresh")
    expire_soon(admin_url, ada)
    token = await token_of(ms_app, ada)
    assert token != old_access and token == sealed(admin_url, ada, "access")
    assert microsoft.refreshes == [old_refresh]
    new_refresh = sealed(admin_url, ada, "refresh")
    assert new_refresh != old_refresh
    # The next refresh spends the rotated token (the old one is dead at Microsoft).
    expire_soon(admin_url, ada)
    await token_of(ms_app, ada)
    assert microsoft.refreshes == [old_refresh, new_refresh]
    assert await token_of(ms_app, ada) == sealed(admin_url, ada, "access")
    assert len(microsoft.refreshes) == 2


async def test_a_token_answered_401_is_refreshed_once(ms_app, microsoft, new_user, admin_url):
    ada = await new_user()
    await connect(ada, microsoft)
    rejected = await token_of(ms_app, ada)
    microsoft.expire_access_tokens()
    renewed = await token_of(ms_app, ada, rejected=rejected)
    assert renewed != rejected and len(microsoft.refreshes) == 1
    # A second caller that saw the same 401 gets the renewed token, no second refresh.
    assert await token_of(ms_app, ada, rejected=rejected) == renewed
    assert len(microsoft.refreshes) == 1


async def test_two_concurrent_callers_spend_the_refresh_token_once(
    ms_app, microsoft, new_user, admin_url
):
    ada = await new_user()
    await connect(ada, microsoft)
    refresh_token = sealed(admin_url, ada, "refresh")
    expire_soon(admin_url, ada)
    microsoft.refresh_delay = 0.3  # both callers are inside before the first refresh ends
    first, second = await asyncio.gather(token_of(ms_app, ada), token_of(ms_app, ada))
    assert first == second == sealed(admin_url, ada, "access")
    assert microsoft.refreshes == [refresh_token]


async def test_a_revoked_grant_needs_a_reconnect_and_tells_the_user_once(
    ms_app, microsoft, new_user, admin_url
):
    ada = await new_user()
    await connect(ada, microsoft)
    microsoft.revoke(ada.account)
    expire_soon(admin_url, ada)
    for _ in range(2):
        with pytest.raises(ReconnectNeeded) as refused:
            await token_of(ms_app, ada)
        assert refused.value.detail.startswith("Your Microsoft 365 connection needs to be renewed")
    assert len(microsoft.refreshes) == 1  # the dead grant is not tried again
    item = (await ada.browser.get(INTEGRATIONS)).json()["items"][0]
    assert item["status"] == "reconnect_needed"
    assert "no longer accepts" in item["last_error"] and "AADSTS" not in item["last_error"]
    notes = fetch(
        admin_url,
        "SELECT kind, title, link FROM notification WHERE user_id = %s",
        ada.user_id,
    )
    assert notes == [("integration", "Reconnect Microsoft 365", "/settings/integrations")]

    # Connecting again renews it.
    assert (await connect(ada, microsoft)).headers["location"].endswith("connected=ms365")
    item = (await ada.browser.get(INTEGRATIONS)).json()["items"][0]
    assert item["status"] == "connected" and item["last_error"] is None
    assert await token_of(ms_app, ada) == sealed(admin_url, ada, "access")


async def test_a_refresh_token_spent_by_a_rotation_is_refused_by_microsoft(
    ms_app, microsoft, new_user, admin_url
):
    ada = await new_user()
    await connect(ada, microsoft)
    old = sealed(admin_url, ada, "refresh")
    expire_soon(admin_url, ada)
    await token_of(ms_app, ada)
    endpoints = microsoft365.endpoints(ms_app.state.settings)
    with pytest.raises(oauth.GrantRevoked, match="AADSTS70008"):
        await oauth.refresh(microsoft365, endpoints, refresh_token=old)


async def test_a_provider_that_does_not_answer_is_a_503_in_words(
    custom_app, microsoft, identity_server, new_user, admin_url
):
    ada = await new_user()
    await connect(ada, microsoft)
    expire_soon(admin_url, ada)
    _, server = identity_server
    settings = {
        **microsoft.crm_settings(server.url),
        "microsoft_authority_url": "http://127.0.0.1:9",
    }
    async with custom_app(**settings) as down:
        with pytest.raises(ProviderUnavailable) as failed:
            await token_of(down, ada)
    assert failed.value.status == 503
    assert failed.value.detail == "Microsoft 365 did not answer; try again in a moment."
    assert (await ada.browser.get(INTEGRATIONS)).json()["items"][0]["status"] == "connected"


async def test_no_connection_is_said_in_words(ms_app, new_user):
    ada = await new_user()
    with pytest.raises(NotConnected, match="Microsoft 365 is not connected"):
        await token_of(ms_app, ada)


async def test_connections_and_pending_states_are_their_users_alone(microsoft, new_user, admin_url):
    ada, bob = await new_user("Ada Lovelace"), await new_user("Bob Marley")
    await connect(ada, microsoft)
    await ada.browser.post(
        INTEGRATIONS + "/connect", json={"service": "ms365"}, headers=ada.headers
    )
    ada_context = {"user_id": ada.user_id, "workspace_id": ada.workspace_id}
    bob_context = {"user_id": bob.user_id, "workspace_id": bob.workspace_id}
    for table in ("integration_connection", "integration_authorization"):
        assert len(as_app(admin_url, f"SELECT id FROM {table}", context=ada_context)) == 1
        assert as_app(admin_url, f"SELECT id FROM {table}", context=bob_context) == []
        assert as_app(admin_url, f"SELECT id FROM {table}") == []  # no context: nothing
    # Nor can Bob change Ada's row, or write one as hers.
    update = "UPDATE integration_connection SET status = 'connected' RETURNING id"
    assert as_app(admin_url, update, context=bob_context) == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        as_app(
            admin_url,
            "INSERT INTO integration_connection (id, workspace_id, user_id, service, status, "
            "scopes, access_token_sealed, expires_at) VALUES (gen_random_uuid(), %s, %s, "
            "'ms365', 'connected', '{}', 'x', now())",
            ada.workspace_id,
            ada.user_id,
            context=bob_context,
        )


async def test_key_rotation_reseals_the_tokens(ms_app, microsoft, new_user, admin_url):
    ada = await new_user()
    await connect(ada, microsoft)
    access, refresh = sealed(admin_url, ada, "access"), sealed(admin_url, ada, "refresh")
    [before] = fetch(
        admin_url, "SELECT access_token_sealed, refresh_token_sealed FROM integration_connection"
    )
    done = rotate(admin_url, f"{NEW},{SECRET}")
    assert done.returncode == 0, done.stderr
    assert "Re-sealed 2 stored secret(s)" in done.stdout
    [after] = fetch(
        admin_url, "SELECT access_token_sealed, refresh_token_sealed FROM integration_connection"
    )
    new_only = SecretBox([NEW])
    context = f"integration_connection.%s:{ada.workspace_id}:{ada.user_id}:ms365"
    assert new_only.decrypt(after[0], context=context % "access_token") == access
    assert new_only.decrypt(after[1], context=context % "refresh_token") == refresh
    assert after[0] != before[0] and after[1] != before[1]


async def test_a_recorded_sync_shows_when_and_what_failed(ms_app, microsoft, new_user):
    ada = await new_user()
    await connect(ada, microsoft)
    async with ms_app.state.db.transaction(
        user_id=ada.user_id, workspace_id=ada.workspace_id
    ) as session:
        await integration_service.record_sync(
            session, ada.actor(), service="ms365", error="The calendar was not found."
        )
    item = (await ada.browser.get(INTEGRATIONS)).json()["items"][0]
    assert item["last_sync_at"] and item["last_error"] == "The calendar was not found."
    page = await ada.browser.get("/settings/integrations")
    assert "The calendar was not found." in page.text and "Not yet" not in page.text

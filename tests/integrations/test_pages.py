"""Settings → Integrations without JavaScript: the card of a service the server has no client
for, connect through the page and back, the callback's errors in words, a confirmed
disconnect, and a connection that needs renewing."""

import pytest

from crm.integrations.service import ReconnectNeeded
from tests.integrations.conftest import authorize, come_back, connect
from tests.integrations.test_tokens import expire_soon, token_of
from tests.rows import count
from tests.web.pages import post_form, sign_up

TAB = "/settings/integrations"


async def test_a_service_without_a_client_id_says_what_the_administrator_sets(client):
    await sign_up(client)
    page = await client.get(TAB)
    assert page.status_code == 200
    assert 'data-status="not_configured"' in page.text and "Not set up" in page.text
    for name in ("MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET", "MICROSOFT_TENANT_ID"):
        assert f"<code>{name}</code>" in page.text
    assert "http://127.0.0.1:8000/api/v1/integrations/ms365/callback" in page.text
    assert "docs/integrations.md" in page.text
    assert "/settings/integrations/ms365/connect" not in page.text
    assert 'href="/settings/integrations"' in page.text  # the tab beside the others


async def test_connect_through_the_page_and_back(microsoft, new_user):
    ada = await new_user()
    page = await ada.browser.get(TAB)
    assert "Not connected" in page.text and "Connect Microsoft 365" in page.text
    assert "read, draft and send mail from Outlook" in page.text
    off = await post_form(ada.browser, f"{TAB}/ms365/connect")
    assert off.status_code == 303
    htmx = await post_form(ada.browser, f"{TAB}/ms365/connect", htmx=True)
    assert htmx.status_code == 204 and "/oauth2/v2.0/authorize?" in htmx.headers["hx-redirect"]
    microsoft.signing_in = ada.account
    back = await come_back(ada, await authorize(off.headers["location"]))
    page = await ada.browser.get(back.headers["location"])
    assert "Microsoft 365 is connected." in page.text
    assert 'data-status="connected"' in page.text and ada.account.mail in page.text
    assert "Reconnect" in page.text and f"{TAB}?disconnect=ms365" in page.text


async def test_the_callbacks_error_is_said_in_words(new_user):
    ada = await new_user()
    page = await ada.browser.get(f"{TAB}?error=state_expired&service=ms365")
    assert "The sign-in took longer than ten minutes. Start again with Connect." in page.text
    page = await ada.browser.get(f"{TAB}?error=%3Cscript%3E")
    assert "The sign-in page answered with an error" in page.text and "<script>" not in page.text


async def test_disconnect_is_confirmed_first(microsoft, new_user, admin_url):
    ada = await new_user()
    await connect(ada, microsoft)
    page = await ada.browser.get(TAB)
    assert "data-confirm-disconnect" not in page.text
    confirm = await ada.browser.get(f"{TAB}?disconnect=ms365")
    assert "Disconnect Microsoft 365?" in confirm.text and ada.account.mail in confirm.text
    assert count(admin_url, "integration_connection") == 1
    done = await post_form(ada.browser, f"{TAB}/ms365/disconnect")
    assert "Microsoft 365 is disconnected; its tokens are deleted." in done.text
    assert 'data-status="disconnected"' in done.text
    assert count(admin_url, "integration_connection") == 0


async def test_a_connection_that_needs_renewing_says_so_and_offers_reconnect(
    ms_app, microsoft, new_user, admin_url
):
    ada = await new_user()
    await connect(ada, microsoft)
    microsoft.revoke(ada.account)
    expire_soon(admin_url, ada)
    with pytest.raises(ReconnectNeeded):
        await token_of(ms_app, ada)
    page = await ada.browser.get(TAB)
    assert 'data-status="reconnect_needed"' in page.text and "Reconnect needed" in page.text
    assert "Microsoft 365 no longer accepts the CRM&#39;s access" in page.text
    assert "Reconnect</button>" in page.text

"""Settings → API and MCP: a token made on the page is shown once with the client configs
filled in, listed, accepted by the REST API, and revoked from the page."""

import json
import re

from tests.web.pages import post_form, sign_up


async def test_a_token_made_in_settings_fills_the_configs_and_is_revoked_there(client):
    await sign_up(client)
    tab = await client.get("/settings/api")
    assert tab.status_code == 200
    assert "&lt;your token&gt;" in tab.text and "No tokens and no apps yet." in tab.text

    made = await post_form(
        client,
        "/settings/api/tokens",
        {"name": "Claude Desktop", "scope": "read", "expires_in_days": "30"},
    )
    assert made.status_code == 200, made.text
    token = re.search(r'value="(crm_pat_[^"]+)" data-new-token', made.text).group(1)
    desktop = re.search(r'<textarea id="claude-desktop"[^>]*>([^<]+)</textarea>', made.text).group(
        1
    )
    config = json.loads(desktop.replace("&#34;", '"').replace("&quot;", '"'))
    assert config["mcpServers"]["crm"] == {
        "command": "crm",
        "args": ["mcp"],
        "env": {"CRM_URL": "http://127.0.0.1:8000", "CRM_TOKEN": token},
    }
    assert f"--env CRM_TOKEN={token} -- crm mcp" in made.text

    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/contacts", headers=headers)).status_code == 200

    listed = await client.get("/settings/api")
    assert token not in listed.text and "Claude Desktop" in listed.text
    token_id = re.search(r"/settings/api/tokens/([0-9a-f-]{36})/revoke", listed.text).group(1)
    revoked = await post_form(client, f"/settings/api/tokens/{token_id}/revoke")
    assert revoked.status_code == 200 and "No tokens and no apps yet." in revoked.text
    assert (await client.get("/api/v1/contacts", headers=headers)).status_code == 401


async def test_a_token_without_a_name_is_shown_back_with_the_message(client):
    await sign_up(client)
    response = await post_form(client, "/settings/api/tokens", {"name": "", "scope": "write"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text

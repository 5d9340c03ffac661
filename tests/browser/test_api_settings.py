"""Settings → API and MCP and the OAuth consent page in a real browser at 1440 and 390 px: a
token made and shown once, the client configs filled with it, a revocation; the consent page an
MCP client's authorization request leads to. axe-core on each state."""

import base64
import hashlib
import re
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NARROW, WIDE
from tests.browser.test_pages import open_tab, register  # noqa: F401 (a fixture)


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1440", "390"])
def test_api_tab_makes_shows_once_and_revokes_a_token(open_tab, viewport):  # noqa: F811
    tab = open_tab(viewport)
    register(tab)
    page = tab.go("/settings/api")
    expect(page.get_by_text("No tokens and no apps yet.")).to_be_visible()
    tab.check()
    page.get_by_label("Name").fill("Claude Desktop")
    page.get_by_role("button", name="Make a token").click()
    token = page.locator("[data-new-token]")
    expect(token).to_have_value(re.compile(r"^crm_pat_"))
    expect(page.locator("#claude-desktop")).to_contain_text(token.input_value())
    tab.check("settings-api")
    page.get_by_role("button", name="Revoke Claude Desktop").click()
    expect(page.get_by_text("No tokens and no apps yet.")).to_be_visible()
    tab.check()


def test_consent_page_names_the_client_and_what_it_may_do(open_tab, live_server):  # noqa: F811
    client = httpx.post(
        f"{live_server}/oauth/register",
        json={"client_name": "Claude", "redirect_uris": ["http://127.0.0.1:9/callback"]},
    ).json()
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": "http://127.0.0.1:9/callback",
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
            "state": "xyz",
        }
    )
    tab = open_tab()
    register(tab)
    page = tab.go(f"/oauth/authorize?{query}")
    expect(page.get_by_role("heading", name="Allow Claude?")).to_be_visible()
    expect(page.get_by_text("Claude wants to read and change your contacts")).to_be_visible()
    tab.check("mcp-consent")

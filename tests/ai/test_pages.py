"""Settings → AI through the pages: admins save the provider and a key that is never shown
again, members see the choice read-only, everyone may save a personal key, and the test
button shows the classified result."""

import re

import pytest

from tests.ai.fake_providers import Error, FakeProviders, Text
from tests.conftest import http_client
from tests.web.pages import invite_link, post_form, sign_up

KEY = "sk-ant-api03-PAGEKEYPAGEKEY-9b7c"


@pytest.fixture(scope="module")
def server():
    fake = FakeProviders().start()
    yield fake
    fake.stop()


async def test_admin_saves_a_key_that_is_shown_masked_only(client):
    await sign_up(client)
    page = await client.get("/settings/ai")
    assert page.status_code == 200
    assert 'aria-current="page"' in page.text and ">AI<" in page.text
    saved = await post_form(
        client,
        "/settings/ai",
        {"provider": "anthropic", "model_name": "", "api_key": KEY, "base_url": ""},
        htmx=True,
    )
    assert saved.status_code == 200, saved.text
    assert "The AI settings are saved." in saved.headers["HX-Trigger"]
    assert KEY not in saved.text and "PAGEKEY" not in saved.text
    assert "sk-…9b7c" in saved.text
    again = await client.get("/settings/ai")
    assert KEY not in again.text and "sk-…9b7c" in again.text
    assert 'value="claude-sonnet-5-5"' in again.text


async def test_a_failed_save_names_the_field_and_does_not_echo_the_key(client):
    await sign_up(client)
    response = await post_form(
        client,
        "/settings/ai",
        {"provider": "openai_compatible", "model_name": "llama3.2", "api_key": KEY},
    )
    assert response.status_code == 422
    assert 'id="ai-base_url-error"' in response.text
    assert "PAGEKEY" not in response.text


async def test_members_see_the_provider_read_only(client, app):
    await sign_up(client)
    await post_form(
        client, "/settings/ai", {"provider": "gemini", "model_name": "", "api_key": KEY}
    )
    link = await invite_link(client, "member@example.com")
    async with http_client(app) as member:
        token = link.rsplit("/", 1)[1]
        await member.get(f"/invite/{token}")
        joined = await post_form(
            member,
            f"/invite/{token}",
            {"name": "Grace Hopper", "password": "correct horse battery"},
        )
        assert joined.status_code == 303, joined.text
        page = await member.get("/settings/ai")
        assert "Google Gemini" in page.text and "gemini-3.8-flash" in page.text
        assert 'action="/settings/ai"' not in page.text
        assert "9b7c" not in page.text  # not even the hint
        refused = await post_form(member, "/settings/ai", {"provider": "openai"})
        assert refused.status_code == 403
        saved = await post_form(
            member,
            "/settings/ai/personal",
            {"provider": "openai", "api_key": "sk-proj-MEMBERKEY-1d2e", "model_name": ""},
        )
        assert saved.status_code == 200, saved.text
        assert "sk-…1d2e" in saved.text and "MEMBERKEY" not in saved.text
        removed = await post_form(member, "/settings/ai/personal/remove")
        assert "sk-…1d2e" not in removed.text


async def test_test_connection_shows_the_classified_result(client, server):
    await sign_up(client)
    nothing = await post_form(client, "/settings/ai/test", htmx=True)
    assert 'data-ai-test="not_configured"' in nothing.text
    await post_form(
        client,
        "/settings/ai",
        {
            "provider": "openai_compatible",
            "model_name": "llama3.2",
            "base_url": server.url + "/v1",
        },
    )
    server.then(Text("OK"))
    ok = await post_form(client, "/settings/ai/test", htmx=True)
    assert 'data-ai-test="ok"' in ok.text, ok.text
    server.then(Error(429, {"error": {"message": "slow down"}}, {"retry-after": "0"}))
    server.script *= 2
    limited = await post_form(client, "/settings/ai/test", htmx=True)
    assert 'data-ai-test="quota_or_rate_limit"' in limited.text
    assert re.search(r"rate limit or quota", limited.text)

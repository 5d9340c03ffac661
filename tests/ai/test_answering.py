"""GET /api/v1/ai/settings says which provider actually answers and why: a personal key, the
workspace's key, the server's environment, or nobody (the offline assistant)."""

from tests.conftest import http_client
from tests.people import sign_up

KEY = "sk-ant-api03-SECRETSECRET-3f9a"


async def settings_of(client, person):
    response = await client.get("/api/v1/ai/settings", headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_nothing_set_up_is_the_offline_assistant_and_says_so(client):
    ada = await sign_up(client)
    answer = await settings_of(client, ada)
    assert answer["workspace_configured"] is False
    assert answer["answering"]["source"] == "offline"
    assert answer["answering"]["label"] == "offline assistant"
    assert answer["answering"]["reason"].startswith("No provider is set up")


async def test_the_servers_local_model_answers_when_the_workspace_chose_nothing(custom_app):
    local = {"openai_base_url": "http://127.0.0.1:9/v1", "assistant_model": "llama-local"}
    async with custom_app(**local) as app, http_client(app) as client:
        ada = await sign_up(client)
        answer = await settings_of(client, ada)
    # The workspace's fields are the defaults it never chose; what answers is the server's.
    assert answer["workspace_configured"] is False and answer["provider"] == "anthropic"
    assert answer["effective"]["provider"] == "openai_compatible"
    assert answer["answering"] == {
        "source": "environment",
        "label": "OpenAI-compatible server llama-local",
        "reason": "The workspace has chosen no provider, so the server's OPENAI_BASE_URL answers.",
    }


async def test_the_workspace_key_and_then_a_personal_key_answer(client):
    ada = await sign_up(client)
    saved = await client.put(
        "/api/v1/ai/settings", json={"provider": "anthropic", "api_key": KEY}, headers=ada.headers
    )
    assert saved.json()["workspace_configured"] is True
    assert saved.json()["answering"]["reason"] == "The workspace's Anthropic key."
    await client.put(
        "/api/v1/ai/settings/personal",
        json={"provider": "openai", "api_key": "sk-proj-PERSONAL-12345678"},
        headers=ada.headers,
    )
    answer = await settings_of(client, ada)
    assert answer["answering"]["source"] == "personal"
    assert answer["answering"]["reason"] == "Your personal OpenAI key."


async def test_a_workspace_choice_without_a_key_says_whose_key_is_used_or_missing(custom_app):
    async with custom_app(openai_api_key="sk-from-the-server-12345678") as app:
        async with http_client(app) as client:
            ada = await sign_up(client)
            await client.put(
                "/api/v1/ai/settings", json={"provider": "openai"}, headers=ada.headers
            )
            answer = await settings_of(client, ada)
            assert answer["answering"]["source"] == "environment"
            assert "chose OpenAI without a key of its own" in answer["answering"]["reason"]
            assert "OPENAI_API_KEY is used" in answer["answering"]["reason"]
            await client.put(
                "/api/v1/ai/settings", json={"provider": "gemini"}, headers=ada.headers
            )
            answer = await settings_of(client, ada)
    assert answer["effective"] is None
    assert answer["answering"]["source"] == "offline"
    assert "chose Google Gemini without a key" in answer["answering"]["reason"]
    assert "no GEMINI_API_KEY" in answer["answering"]["reason"]

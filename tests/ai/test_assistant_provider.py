"""The chat answers with the provider the AI settings name: the workspace's key set through the
settings API is the key the (local, fake) provider receives; a failing provider gives a notice
naming the failure and what to do, and the offline interpreter answers that turn instead."""

import httpx
import pytest
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from tests.ai.fake_providers import Error, FakeProviders, Text, ToolCall
from tests.conftest import http_client
from tests.people import sign_up
from tests.rows import fetch

KEY = "sk-ant-api03-WORKSPACEKEY-0042"
REFUSED = {"type": "error", "error": {"type": "authentication_error", "message": "invalid key"}}
LIMITED = {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}


@pytest.fixture(scope="module")
def server():
    fake = FakeProviders().start()
    yield fake
    fake.stop()


async def workspace_uses(client, person, server, key=KEY):
    body = {"provider": "anthropic", "model_name": "claude-test", "api_key": key}
    body["base_url"] = server.url
    response = await client.put("/api/v1/ai/settings", json=body, headers=person.headers)
    assert response.status_code == 200, response.text


async def chat(client, person, message, conversation_id=None):
    body = {"message": message, **({"conversation_id": conversation_id} if conversation_id else {})}
    response = await client.post("/api/v1/chat", json=body, headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_workspace_key_is_the_one_the_provider_receives(client, server, admin_url):
    ada = await sign_up(client)
    await workspace_uses(client, ada, server)
    server.then(ToolCall("create_contact", {"name": "Grace Hopper"}), Text("Added Grace Hopper."))
    answer = await chat(client, ada, "add Grace Hopper")
    assert answer["provider"] == "anthropic"
    assert answer["reply"] == "Added Grace Hopper."
    assert [r.headers["authorization"] for r in server.received] == [f"Bearer {KEY}"] * 2
    assert {r.body["model"] for r in server.received} == {"claude-test"}
    assert fetch(admin_url, "SELECT name FROM contact") == [("Grace Hopper",)]


async def test_a_refused_key_says_so_and_the_offline_assistant_answers(client, server, admin_url):
    ada = await sign_up(client)
    await workspace_uses(client, ada, server)
    server.then(Error(401, REFUSED))
    answer = await chat(client, ada, "add contact Ada Byron")
    assert answer["provider"] == "offline"
    assert answer["reply"].startswith("The Anthropic claude-test could not answer")
    assert "refused the API key" in answer["reply"]
    assert "Settings → AI" in answer["reply"]  # what to do
    assert "Added contact Ada Byron." in answer["reply"]
    assert fetch(admin_url, "SELECT name FROM contact") == [("Ada Byron",)]


async def test_a_rate_limit_that_persists_is_named(client, server, admin_url):
    ada = await sign_up(client)
    await workspace_uses(client, ada, server)
    server.then(*[Error(429, LIMITED, {"retry-after": "0"})] * 6)
    answer = await chat(client, ada, "add contact Ada Byron")
    assert "rate limit or quota" in answer["reply"]
    assert fetch(admin_url, "SELECT name FROM contact") == [("Ada Byron",)]


async def test_what_a_failed_attempt_did_is_undone_before_the_offline_answer(
    client, server, admin_url
):
    ada = await sign_up(client)
    await workspace_uses(client, ada, server)
    # The model creates the contact, then the provider fails on the next request.
    server.then(ToolCall("create_contact", {"name": "Ada Byron"}), Error(401, REFUSED))
    answer = await chat(client, ada, "add contact Ada Byron")
    assert answer["provider"] == "offline"
    assert [a["summary"] for a in answer["actions"]] == ["Created contact Ada Byron"]
    assert fetch(admin_url, "SELECT name FROM contact") == [("Ada Byron",)]  # once, not twice


async def test_the_websocket_streams_the_providers_text_and_shows_failures(client, app, server):
    ada = await sign_up(client)
    await workspace_uses(client, ada, server)
    token = ada.headers["Authorization"].split()[1]
    transport = ASGIWebSocketTransport(app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://localhost") as c,
        aconnect_ws(f"/api/v1/chat/ws?token={token}", c) as ws,
    ):
        assert await ws.receive_json() == {"type": "ready", "provider": "anthropic"}
        server.then(Text("Hello from the streaming model."))
        await ws.send_json({"type": "message", "message": "hello"})
        events = await until_done(ws)
        deltas = [e["text"] for e in events if e["type"] == "delta"]
        assert len(deltas) == 2 and "".join(deltas) == "Hello from the streaming model."
        assert server.received[0].body["stream"] is True
        server.then(Error(401, REFUSED))
        await ws.send_json({"type": "message", "message": "add contact Ada Byron"})
        events = await until_done(ws)
        notice = next(e for e in events if e["type"] == "notice")
        assert notice["kind"] == "bad_key" and notice["reset"] is True
        assert "refused the API key" in notice["text"]
        assert events[-1]["provider"] == "offline"


async def until_done(ws):
    events = []
    while not events or events[-1]["type"] not in ("done", "error", "stopped"):
        events.append(await ws.receive_json())
    return events


async def test_extended_thinking_is_for_long_turns_and_after_a_failed_call(client, server):
    ada = await sign_up(client)
    body = {
        "provider": "anthropic",
        "model_name": "claude-test",
        "api_key": KEY,
        "base_url": server.url,
        "anthropic_thinking": True,
        "anthropic_thinking_budget": 2048,
    }
    response = await client.put("/api/v1/ai/settings", json=body, headers=ada.headers)
    assert response.status_code == 200, response.text
    server.then(Text("Hello."))
    await chat(client, ada, "hello")
    assert server.received[0].body["thinking"] == {"type": "disabled"}
    server.then(Text("Done."))
    await chat(client, ada, "Please look at everything I have and " + "tell me more " * 40)
    assert server.received[0].body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    # A tool call that fails (no such contact): the next step thinks.
    missing = "00000000-0000-4000-8000-000000000000"
    server.then(ToolCall("get_contact", {"id": missing}), Text("I found no such contact."))
    await chat(client, ada, "show contact 42")
    thinking = [r.body.get("thinking") for r in server.received]
    assert thinking == [{"type": "disabled"}, {"type": "enabled", "budget_tokens": 2048}]


async def test_the_servers_environment_names_a_local_model_when_the_workspace_has_none(
    custom_app, server
):
    local = {"openai_base_url": server.url + "/v1", "assistant_model": "llama-local"}
    async with custom_app(**local) as app, http_client(app) as client:
        ada = await sign_up(client)
        server.then(Text("Hello from the local model."))
        answer = await chat(client, ada, "hello")
    assert answer["provider"] == "openai_compatible"  # as the AI settings spell it
    assert answer["reply"] == "Hello from the local model."
    assert [r.body["model"] for r in server.received] == ["llama-local"]

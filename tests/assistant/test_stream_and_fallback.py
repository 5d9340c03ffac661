"""The WebSocket stream (events, stop, Origin and token checks) and the offline fallback when
a provider fails."""

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from pydantic_ai import models
from pydantic_ai.messages import (
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import DeltaToolCall, FunctionModel

from crm.assistant.model_choice import build_model
from tests.people import sign_up
from tests.rows import fetch


def ws_client(app):
    return httpx.AsyncClient(transport=ASGIWebSocketTransport(app), base_url="http://localhost")


async def events_until_done(ws):
    events = []
    while True:
        event = await ws.receive_json()
        events.append(event)
        if event["type"] in ("done", "error", "stopped"):
            return events


async def test_websocket_streams_a_turn_with_a_token(client, app, admin_url):
    ada = await sign_up(client)
    token = ada.headers["Authorization"].split()[1]
    async with ws_client(app) as c, aconnect_ws(f"/api/v1/chat/ws?token={token}", c) as ws:
        assert (await ws.receive_json())["type"] == "ready"
        await ws.send_json({"type": "message", "message": "add contact Grace Hopper"})
        events = await events_until_done(ws)
        kinds = [e["type"] for e in events]
        assert kinds == ["tool_started", "tool_finished", "delta", "delta", "done"]
        assert "offline assistant" in events[3]["text"]  # said once, on a new conversation
        assert events[1]["ok"] and events[1]["entity_type"] == "contact"
        conversation = events[-1]["conversation_id"]
        await ws.send_json(
            {"type": "message", "message": "delete it", "conversation_id": conversation}
        )
        events = await events_until_done(ws)
        assert "confirmation" in [e["type"] for e in events]
        await ws.send_json({"type": "message", "message": "yes", "conversation_id": conversation})
        events = await events_until_done(ws)
        assert events[-1]["actions"][0]["summary"] == "Deleted contact Grace Hopper"
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(0,)]


async def test_websocket_authenticates_with_a_first_message(client, app):
    ada = await sign_up(client)
    token = ada.headers["Authorization"].split()[1]
    async with ws_client(app) as c, aconnect_ws("/api/v1/chat/ws", c) as ws:
        await ws.send_json({"type": "auth", "token": token})
        assert (await ws.receive_json())["type"] == "ready"
    async with ws_client(app) as c, aconnect_ws("/api/v1/chat/ws", c) as ws:
        await ws.send_json({"type": "auth", "token": "forged"})
        assert (await ws.receive_json())["status"] == 401


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://localhost:9999", "null", "http://localhost.evil"]
)
async def test_websocket_refuses_a_foreign_origin(client, app, origin):
    ada = await sign_up(client)
    token = ada.headers["Authorization"].split()[1]
    async with ws_client(app) as c:
        with pytest.raises(WebSocketDisconnect) as refused:
            async with aconnect_ws(
                f"/api/v1/chat/ws?token={token}", c, headers={"Origin": origin}
            ) as ws:
                await ws.receive_json()
        assert refused.value.code == 1008
    async with (
        ws_client(app) as c,
        aconnect_ws(
            f"/api/v1/chat/ws?token={token}", c, headers={"Origin": "http://localhost"}
        ) as ws,
    ):
        assert (await ws.receive_json())["type"] == "ready"


class Failing(BaseHTTPRequestHandler):
    status = 500

    def do_POST(self):
        body = json.dumps({"error": {"message": "nope", "type": "server_error"}}).encode()
        self.send_response(self.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    ("status", "says"), [(401, "refused the API key"), (500, "outage or a server error")]
)
async def test_a_failing_provider_falls_back_to_offline_with_a_notice(
    client, app, admin_url, monkeypatch, status, says
):
    handler = type("Handler", (Failing,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)  # a local server, not a provider
    try:
        model = build_model(
            "openai-compatible",
            api_key="k",
            model_name="local",
            base_url=f"http://127.0.0.1:{server.server_port}/v1",
        )
        model.client.max_retries = 0
        app.state.choose_model = lambda settings: (model, "openai-compatible")
        ada = await sign_up(client)
        response = await client.post(
            "/api/v1/chat", json={"message": "add contact Ada Byron"}, headers=ada.headers
        )
    finally:
        server.shutdown()
    answer = response.json()
    assert answer["provider"] == "offline"
    assert answer["reply"].startswith("The openai-compatible model could not answer")
    assert says in answer["reply"]
    assert fetch(admin_url, "SELECT name FROM contact") == [("Ada Byron",)]


async def test_stop_cancels_the_turn_and_keeps_nothing(client, app, admin_url):
    async def slow(messages, info):
        if any(isinstance(p, ToolReturnPart) for p in messages[-1].parts):
            await asyncio.sleep(30)  # the model "thinks" after the contact is created
            return ModelResponse(parts=[TextPart("never")])
        return ModelResponse(parts=[ToolCallPart("create_contact", {"name": "Half Done"})])

    app.state.choose_model = lambda settings: (FunctionModel(slow), "scripted")
    ada = await sign_up(client)
    token = ada.headers["Authorization"].split()[1]
    async with ws_client(app) as c, aconnect_ws(f"/api/v1/chat/ws?token={token}", c) as ws:
        assert (await ws.receive_json())["type"] == "ready"
        await ws.send_json({"type": "message", "message": "add Half Done"})
        assert (await ws.receive_json())["type"] == "tool_started"
        assert (await ws.receive_json())["type"] == "tool_finished"
        await ws.send_json({"type": "stop"})
        assert (await ws.receive_json())["type"] == "stopped"
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(0,)]
    assert fetch(admin_url, "SELECT count(*) FROM conversation") == [(0,)]


async def test_text_streams_as_the_model_writes_it_and_stop_cancels(client, app, admin_url):
    hold = asyncio.Event()

    async def stream(messages, info):
        if not any(isinstance(p, ToolReturnPart) for p in messages[-1].parts):
            yield {0: DeltaToolCall("create_contact", '{"name": "Grace Hopper"}')}
            return
        prompts = [p.content for m in messages for p in m.parts if isinstance(p, UserPromptPart)]
        for piece in ("Added ", "Grace ", "Hopper"):
            yield piece
            if piece == "Grace " and "pause" in prompts[-1]:
                await hold.wait()  # the model is still writing when the user stops it
        yield "."

    app.state.choose_model = lambda settings: (FunctionModel(stream_function=stream), "scripted")
    ada = await sign_up(client)
    token = ada.headers["Authorization"].split()[1]
    async with ws_client(app) as c, aconnect_ws(f"/api/v1/chat/ws?token={token}", c) as ws:
        assert (await ws.receive_json())["type"] == "ready"
        await ws.send_json({"type": "message", "message": "add Grace Hopper"})
        events = await events_until_done(ws)
        assert [e["type"] for e in events] == [
            "tool_started",
            "tool_finished",
            *["delta"] * 4,
            "done",
        ]
        assert [e["text"] for e in events[2:6]] == ["Added ", "Grace ", "Hopper", "."]
        assert events[-1]["reply"] == "Added Grace Hopper."
        await ws.send_json({"type": "message", "message": "add Grace Hopper, pause"})
        seen = [await ws.receive_json() for _ in range(4)]
        assert [e.get("text") for e in seen[2:]] == ["Added ", "Grace "]
        await ws.send_json({"type": "stop"})
        assert (await ws.receive_json())["type"] == "stopped"
    assert fetch(admin_url, "SELECT name FROM contact") == [("Grace Hopper",)]  # the first only

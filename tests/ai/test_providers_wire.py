"""Each adapter's real SDK (inside pydantic-ai) against a local server speaking the provider's
wire format: plain replies, a tool round trip, streaming, and each kind of failure."""

import time
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic_ai import Agent
from pydantic_ai.models import Model

from crm.ai.providers import RetryPolicy, build_model, check_connection, classify_failure
from crm.models import AIProvider
from tests.ai.fake_providers import Error, FakeProviders, Raw, Text, ToolCall


@dataclass(frozen=True)
class Wire:
    provider: AIProvider
    path: str  # what the SDK calls, for checking the requests
    suffix: str  # what the base URL needs after the server's address
    errors: dict[int, Any]  # the provider's error body for a status

    def model(self, server: FakeProviders, policy: RetryPolicy | None = None) -> Model:
        return build_model(
            self.provider,
            "test-model",
            "sk-test-key-123456",
            server.url + self.suffix,
            retry=policy or RetryPolicy(attempts=3, base_delay=0.01),
        )


def _anthropic_error(kind: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": f"{kind} from the fake"}}


def _openai_error(kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": f"{kind} from the fake", "type": kind, "code": code}}


def _google_error(status: int, state: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": f"{state} from the fake", "status": state}}


WIRES = [
    Wire(
        AIProvider.anthropic,
        "/v1/messages",
        "",
        {
            401: _anthropic_error("authentication_error"),
            429: _anthropic_error("rate_limit_error"),
            529: _anthropic_error("overloaded_error"),
            503: _anthropic_error("api_error"),
        },
    ),
    Wire(
        AIProvider.openai,
        "/v1/chat/completions",
        "/v1",
        {
            401: _openai_error("invalid_request_error", "invalid_api_key"),
            429: _openai_error("requests", "rate_limit_exceeded"),
            529: _openai_error("server_error"),
            503: _openai_error("server_error"),
        },
    ),
    Wire(
        AIProvider.openai_compatible,
        "/v1/chat/completions",
        "/v1",
        {
            401: _openai_error("invalid_request_error"),
            429: _openai_error("rate_limit"),
            529: _openai_error("overloaded"),
            503: _openai_error("unavailable"),
        },
    ),
    Wire(
        AIProvider.gemini,
        "/v1beta/models/test-model:generateContent",
        "",
        {
            401: _google_error(401, "UNAUTHENTICATED"),
            429: _google_error(429, "RESOURCE_EXHAUSTED"),
            529: _google_error(529, "UNAVAILABLE"),
            503: _google_error(503, "UNAVAILABLE"),
        },
    ),
]


@pytest.fixture(scope="module")
def server():
    fake = FakeProviders().start()
    yield fake
    fake.stop()


@pytest.fixture(params=WIRES, ids=lambda w: w.provider.value)
def wire(request) -> Wire:
    return request.param


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


async def test_plain_reply(server, wire):
    server.then(Text("Hello from the fake."))
    result = await Agent(wire.model(server)).run("Say hello")
    assert result.output == "Hello from the fake."
    [request] = server.received
    assert request.path.startswith(wire.path.rsplit(":", 1)[0])
    # The key travels in the provider's own header, not in the body.
    keyed = {k: v for k, v in request.headers.items() if "sk-test-key-123456" in v}
    assert keyed, request.headers
    assert "sk-test-key-123456" not in str(request.body)
    assert "Say hello" in str(request.body)


async def test_tool_call_round_trip(server, wire):
    server.then(ToolCall("add", {"a": 2, "b": 3}), Text("The sum is 5."))
    result = await Agent(wire.model(server), tools=[add]).run("What is 2 + 3?")
    assert result.output == "The sum is 5."
    first, second = server.received
    assert "add" in str(first.body)  # the tool was declared
    sent = second.body
    if wire.provider is AIProvider.anthropic:
        [result_block] = [
            b
            for m in sent["messages"]
            if isinstance(m["content"], list)
            for b in m["content"]
            if b.get("type") == "tool_result"
        ]
        assert result_block["tool_use_id"] == "toolu_01"
        assert "5" in str(result_block["content"])
    elif wire.provider is AIProvider.gemini:
        responses = [
            p["functionResponse"]
            for c in sent["contents"]
            for p in c["parts"]
            if "functionResponse" in p
        ]
        assert responses[0]["name"] == "add"
        assert "5" in str(responses[0]["response"])
    else:
        [tool_message] = [m for m in sent["messages"] if m["role"] == "tool"]
        assert tool_message["tool_call_id"] == "call_01"
        assert "5" in str(tool_message["content"])


async def test_streaming_reply(server, wire):
    server.then(Text("Streaming works fine."))
    async with Agent(wire.model(server)).run_stream("Stream please") as run:
        chunks = [chunk async for chunk in run.stream_text(delta=True, debounce_by=None)]
    assert "".join(chunks) == "Streaming works fine."
    assert len(chunks) >= 2  # it did arrive in parts
    assert server.received[0].body.get("stream") is True or "stream" in server.received[0].path


async def test_streaming_tool_call_round_trip(server, wire):
    server.then(ToolCall("add", {"a": 20, "b": 22}), Text("It is 42."))
    agent = Agent(wire.model(server), tools=[add])
    async with agent.run_stream("What is 20 + 22?") as run:
        output = await run.get_output()
    assert output == "It is 42."
    assert "42" in str(server.received[1].body)


async def test_bad_key_is_classified(server, wire):
    server.then(Error(401, wire.errors[401]))
    with pytest.raises(Exception) as caught:
        await Agent(wire.model(server)).run("hi")
    failure = classify_failure(caught.value)
    assert failure.kind == "bad_key"
    assert "Settings → AI" in failure.message
    assert len(server.received) == 1  # a refused key is not retried


async def test_rate_limit_is_retried_after_the_wait_it_asks_for(server, wire):
    server.then(Error(429, wire.errors[429], {"retry-after": "1"}), Text("Worth the wait."))
    started = time.monotonic()
    result = await Agent(wire.model(server)).run("hi")
    assert result.output == "Worth the wait."
    assert len(server.received) == 2
    assert time.monotonic() - started >= 1.0


async def test_rate_limit_that_persists_is_classified(server, wire):
    server.then(*[Error(429, wire.errors[429], {"retry-after": "0"})] * 3)
    with pytest.raises(Exception) as caught:
        await Agent(wire.model(server)).run("hi")
    assert classify_failure(caught.value).kind == "quota_or_rate_limit"
    assert len(server.received) == 3  # bounded: the policy's attempts


@pytest.mark.parametrize(("status", "kind"), [(529, "overloaded"), (503, "outage")])
async def test_overload_and_outage_are_retried_then_classified(server, wire, status, kind):
    server.then(*[Error(status, wire.errors[status])] * 2)
    policy = RetryPolicy(attempts=2, base_delay=0.01)
    with pytest.raises(Exception) as caught:
        await Agent(wire.model(server, policy)).run("hi")
    assert classify_failure(caught.value).kind == kind
    assert len(server.received) == 2


async def test_overload_then_success_is_retried(server, wire):
    server.then(Error(529, wire.errors[529]), Text("Back again."))
    result = await Agent(wire.model(server)).run("hi")
    assert result.output == "Back again."
    assert len(server.received) == 2


async def test_malformed_json_is_classified(server, wire):
    server.then(Raw(b'{"id": "msg_01", "content": [{"type": '))
    with pytest.raises(Exception) as caught:
        await Agent(wire.model(server, RetryPolicy(attempts=1))).run("hi")
    assert classify_failure(caught.value).kind == "malformed_response"


async def test_test_connection_answers_ok_or_the_failure(server, wire):
    base = server.url + wire.suffix
    server.then(Text("OK"))
    ok = await check_connection(wire.provider, "test-model", "sk-test-key-123456", base)
    assert ok is None
    server.then(Error(401, wire.errors[401]))
    failed = await check_connection(wire.provider, "test-model", "sk-test-key-123456", base)
    assert failed is not None and failed.kind == "bad_key"


async def test_unreachable_server_is_classified():
    failure = await check_connection(
        AIProvider.openai_compatible, "llama", None, "http://127.0.0.1:9/v1"
    )
    assert failure is not None and failure.kind == "unreachable"


async def test_anthropic_thinking_sends_the_budget(server):
    server.then(Text("Thought about it."))
    model = build_model(
        AIProvider.anthropic,
        "claude-haiku-4-5",
        "sk-test-key-123456",
        server.url,
        thinking_budget=2048,
    )
    result = await Agent(model).run("Think")
    assert result.output == "Thought about it."
    assert server.received[0].body["thinking"] == {"type": "enabled", "budget_tokens": 2048}


async def test_anthropic_without_thinking_sends_none(server):
    server.then(Text("Quick."))
    model = build_model(AIProvider.anthropic, "claude-haiku-4-5", "sk-test-key-1234", server.url)
    await Agent(model).run("Quick")
    assert "thinking" not in server.received[0].body


async def test_anthropic_thinking_on_the_newest_models_is_adaptive(server):
    # The newest Claude models refuse a token budget and choose their own effort.
    server.then(Text("Thought adaptively."))
    model = build_model(
        AIProvider.anthropic,
        "claude-sonnet-5-5",
        "sk-test-key-123456",
        server.url,
        thinking_budget=2048,
    )
    await Agent(model).run("Think")
    assert server.received[0].body["thinking"] == {"type": "adaptive"}


async def test_gemini_invalid_key_answer_is_a_bad_key(server):
    # The Gemini API answers a bad key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID.
    server.then(
        Error(
            400,
            {
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "API_KEY_INVALID",
                            "domain": "googleapis.com",
                        }
                    ],
                }
            },
        )
    )
    model = build_model(AIProvider.gemini, "test-model", "AIza-wrong-key-1", server.url)
    with pytest.raises(Exception) as caught:
        await Agent(model).run("hi")
    assert classify_failure(caught.value).kind == "bad_key"

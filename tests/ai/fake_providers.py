"""A local HTTP server speaking the model providers' documented wire formats, so the real SDKs
inside pydantic-ai are tested against it through a base URL (no real network):

- Anthropic Messages API: POST /v1/messages, JSON or SSE events, tool_use blocks.
- OpenAI Chat Completions: POST /v1/chat/completions, JSON or SSE chunks, tool_calls.
- Gemini: POST /v1beta/models/{model}:generateContent and :streamGenerateContent?alt=sse,
  functionCall parts.

A test scripts the answers, one per request, and reads the requests the server received."""

import asyncio
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class Text:
    """A text answer; streamed in halves, or word by word `pause` seconds apart, and with a
    `hold` the stream waits after its first word until the test sets it."""

    text: str
    pause: float = 0.0
    hold: threading.Event | None = None


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any]


@dataclass
class Error:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Raw:
    """Bytes sent as they are (a malformed answer)."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"


Step = Text | ToolCall | Error | Raw


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeProviders:
    def __init__(self) -> None:
        self.script: list[Step] = []
        self.received: list[Received] = []
        self.lock = threading.Lock()
        app = Starlette(
            routes=[
                Route("/v1/messages", self.anthropic, methods=["POST"]),
                Route("/v1/chat/completions", self.openai, methods=["POST"]),
                Route("/v1beta/models/{model_action:path}", self.gemini, methods=["POST"]),
            ]
        )
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeProviders":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake provider server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def then(self, *steps: Step) -> "FakeProviders":
        """Answer the next requests with `steps`, in order."""
        self.script = list(steps)
        self.received = []
        return self

    async def _next(self, request: Request) -> tuple[Step, dict[str, Any]]:
        body = json.loads(await request.body())
        with self.lock:
            self.received.append(Received(request.url.path, dict(request.headers), body))
            if not self.script:
                return Error(500, {"error": "the test scripted no answer for this request"}), body
            return self.script.pop(0), body

    # Anthropic Messages API

    async def anthropic(self, request: Request) -> Response:
        step, body = await self._next(request)
        if (early := _early(step)) is not None:
            return early
        model = body.get("model", "claude")
        block: dict[str, Any]
        if isinstance(step, Text):
            block, stop = {"type": "text", "text": step.text}, "end_turn"
        else:
            assert isinstance(step, ToolCall)
            block = {"type": "tool_use", "id": "toolu_01", "name": step.name, "input": step.args}
            stop = "tool_use"
        message = {
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [block],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 7},
        }
        if not body.get("stream"):
            return JSONResponse(message)
        start = {**message, "content": [], "stop_reason": None, "usage": {**message["usage"]}}
        if block["type"] == "text":
            first = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": part} for part in _halves(block["text"])]
        else:
            first = {**block, "input": {}}
            deltas = [
                {"type": "input_json_delta", "partial_json": part}
                for part in _halves(json.dumps(block["input"]))
            ]
        events = [
            ("message_start", {"type": "message_start", "message": start}),
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": first},
            ),
            *[
                ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": d})
                for d in deltas
            ],
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {"output_tokens": 7},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        return _sse(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)

    # OpenAI Chat Completions

    async def openai(self, request: Request) -> Response:
        step, body = await self._next(request)
        if (early := _early(step)) is not None:
            return early
        head = {"id": "chatcmpl-01", "created": 1_700_000_000, "model": body.get("model", "m")}
        usage = {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
        if isinstance(step, Text):
            message: dict[str, Any] = {"role": "assistant", "content": step.text}
            finish = "stop"
        else:
            assert isinstance(step, ToolCall)
            call = {
                "id": "call_01",
                "type": "function",
                "function": {"name": step.name, "arguments": json.dumps(step.args)},
            }
            message, finish = (
                {"role": "assistant", "content": None, "tool_calls": [call]},
                ("tool_calls"),
            )
        if not body.get("stream"):
            choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            return JSONResponse(
                {**head, "object": "chat.completion", "choices": [choice], "usage": usage}
            )
        if isinstance(step, Text):
            deltas: list[dict[str, Any]] = [
                {"role": "assistant", "content": part} for part in _pieces(step)
            ]
        else:
            first = {
                "index": 0,
                "id": "call_01",
                "type": "function",
                "function": {"name": step.name, "arguments": ""},
            }
            deltas = [{"role": "assistant", "content": None, "tool_calls": [first]}] + [
                {"tool_calls": [{"index": 0, "function": {"arguments": part}}]}
                for part in _halves(json.dumps(step.args))
            ]
        chunks = [
            {"choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas
        ] + [{"choices": [{"index": 0, "delta": {}, "finish_reason": finish}], "usage": usage}]
        lines = [
            f"data: {json.dumps({**head, 'object': 'chat.completion.chunk', **c})}\n\n"
            for c in chunks
        ]
        return _sse([*lines, "data: [DONE]\n\n"], step if isinstance(step, Text) else None)

    # Gemini generateContent / streamGenerateContent

    async def gemini(self, request: Request) -> Response:
        step, _body = await self._next(request)
        if (early := _early(step)) is not None:
            return early
        model, _, action = request.path_params["model_action"].partition(":")
        if isinstance(step, Text):
            parts: list[dict[str, Any]] = [{"text": step.text}]
        else:
            assert isinstance(step, ToolCall)
            parts = [{"functionCall": {"name": step.name, "args": step.args}}]
        usage = {"promptTokenCount": 12, "candidatesTokenCount": 7, "totalTokenCount": 19}

        def answer(content_parts: list[dict[str, Any]], finish: str | None) -> dict[str, Any]:
            candidate: dict[str, Any] = {
                "content": {"role": "model", "parts": content_parts},
                "index": 0,
            }
            if finish:
                candidate["finishReason"] = finish
            return {
                "candidates": [candidate],
                "usageMetadata": usage,
                "modelVersion": model,
                "responseId": "resp_01",
            }

        if action == "generateContent":
            return JSONResponse(answer(parts, "STOP"))
        if isinstance(step, Text):
            pieces = [answer([{"text": p}], None) for p in _halves(step.text)]
            pieces[-1]["candidates"][0]["finishReason"] = "STOP"
        else:
            pieces = [answer(parts, "STOP")]
        return _sse(f"data: {json.dumps(p)}\r\n\r\n" for p in pieces)


def _early(step: Step) -> Response | None:
    if isinstance(step, Error):
        return JSONResponse(step.body, status_code=step.status, headers=step.headers)
    if isinstance(step, Raw):
        return Response(step.body, status_code=step.status, media_type=step.content_type)
    return None


def _halves(text: str) -> list[str]:
    middle = max(len(text) // 2, 1)
    return [p for p in (text[:middle], text[middle:]) if p]


def _pieces(step: Text) -> list[str]:
    if not (step.pause or step.hold):
        return _halves(step.text)
    return re.findall(r"\S+\s*", step.text)


def _sse(chunks: Any, paced: Text | None = None) -> StreamingResponse:
    listed = list(chunks)
    if paced is None or not (paced.pause or paced.hold):
        return StreamingResponse(iter(listed), media_type="text/event-stream")

    async def slowly() -> Any:
        for index, chunk in enumerate(listed):
            yield chunk
            if index == 0 and paced.hold is not None:
                while not paced.hold.is_set():
                    await asyncio.sleep(0.05)
            await asyncio.sleep(paced.pause)

    return StreamingResponse(slowly(), media_type="text/event-stream")

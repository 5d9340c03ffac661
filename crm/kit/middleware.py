"""ASGI middleware: request id and access log, request body size limit, security headers."""

import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm.kit.logging import loggable_path
from crm.kit.metrics import observe_request
from crm.kit.problems import problem_response

log = structlog.get_logger("crm.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Health checks a platform (or `crm serve`'s own readiness probe) asks every few seconds: logged
# when they fail, not each time they answer.
_PROBES = frozenset({"/health", "/ready"})
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


class _BodyTooLarge(Exception):
    pass


class RequestContext:
    """Binds a request id to the logs, answers it in X-Request-ID, logs one line per request,
    adds the security headers and refuses bodies larger than `max_body_bytes` (413)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        status = 500
        received = 0
        sent_start = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal status, sent_start
            if message["type"] == "http.response.start":
                sent_start = True
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                    *_SECURITY_HEADERS,
                ]
            await send(message)

        declared = headers.get(b"content-length")
        try:
            if declared is not None and (
                not declared.isdigit() or int(declared) > self.max_body_bytes
            ):
                raise _BodyTooLarge
            await self.app(scope, limited_receive, send_with_headers)
        except _BodyTooLarge:
            status = 413
            if not sent_start:
                await self._too_large(scope, receive, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            observe_request(scope, status, seconds)
            said = log.debug if status == 200 and scope["path"] in _PROBES else log.info
            said(
                "request",
                method=scope["method"],
                path=loggable_path(scope),
                status=status,
                duration_ms=round(seconds * 1000, 1),
            )

    async def _too_large(self, scope: Scope, receive: Receive, send: Any) -> None:
        response = problem_response(
            413, "Payload too large", f"The request body is over {self.max_body_bytes} bytes."
        )
        await response(scope, receive, send)

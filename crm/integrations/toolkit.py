"""What the Microsoft 365 and Google MCP servers share: the user's access token taken from each
request (never kept), a rate limit per connected account, failures said as sentences, input
types a model fills in precisely, and the streamable HTTP app that refuses a call without a
token.

A server is built by its factory (`create_server`) with a lifespan that holds only what every
user may share: the HTTP connection pool, the rate-limit counters, the provider's base URL. The
token comes from the request's `Authorization: Bearer` over HTTP, or from the token the server
was built with (stdio, or the CRM serving one user's connection in-process)."""

import base64
import binascii
import functools
import hashlib
import inspect
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

import httpx
import httpx2
import jwt
import mcp_types
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import Field
from starlette.types import ASGIApp, Receive, Scope, Send

from crm.config import Settings, get_settings
from crm.errors import TooManyRequests
from crm.integrations.documents import DEFAULT_PAGE_CHARS, MAX_PAGE_CHARS, UnreadableDocument
from crm.integrations.http import Page, ServiceError, new_http_client
from crm.kit.ratelimit import RateLimits
from crm.kit.schemas import Email

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # what one tool call may upload (sent inside the MCP message)
# A failed call's `_meta` names why, for the CRM's client: "unauthorized" when the provider
# refused the access token (expired early, or revoked), so the caller refreshes it and retries.
ERROR_META = "crm/error"
UNAUTHORIZED = "unauthorized"

P = ParamSpec("P")
R = TypeVar("R")

# Input types: the limits are in the schema the model reads.
EmailAddresses = Annotated[
    list[Email], Field(min_length=1, max_length=100, description="E-mail addresses.")
]
OptionalEmailAddresses = Annotated[
    list[Email], Field(default_factory=list, max_length=100, description="E-mail addresses.")
]
Top = Annotated[int, Field(ge=1, le=50, description="How many to answer (1 to 50).")]
Offset = Annotated[
    int, Field(ge=0, description="Character to start reading at (0, or the next_offset given).")
]
PageChars = Annotated[
    int,
    Field(
        ge=1000,
        le=MAX_PAGE_CHARS,
        description=f"Characters of text to answer (1000 to {MAX_PAGE_CHARS}).",
    ),
]
DEFAULT_CHARS = DEFAULT_PAGE_CHARS
ItemId = Annotated[str, Field(min_length=1, max_length=500, description="The item's id.")]
FileName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=r'^[^\\/:*?"<>|#%]+$',
        description="The file's name with its extension, e.g. proposal.docx.",
    ),
]
FolderPath = Annotated[
    str | None,
    Field(
        default=None,
        max_length=400,
        description="A folder path from the drive's root, e.g. Clients/Acme; empty for the root.",
    ),
]
TextContent = Annotated[
    str | None,
    Field(
        default=None,
        description="The file's content as text (UTF-8). Give this or content_base64.",
    ),
]
Base64Content = Annotated[
    str | None,
    Field(
        default=None,
        description=(
            f"The file's bytes in base64, for binary files; at most {MAX_UPLOAD_BYTES // 2**20} "
            "MB once decoded."
        ),
    ),
]


def annotations(
    title: str,
    *,
    read_only: bool = False,
    destructive: bool = False,
    idempotent: bool = False,
) -> ToolAnnotations:
    """A tool's hints. Every tool here reaches a service outside the CRM (open world)."""
    return ToolAnnotations(
        title=title,
        read_only_hint=read_only,
        destructive_hint=destructive if not read_only else False,
        idempotent_hint=idempotent or read_only,
        open_world_hint=True,
    )


def tool(fn: Callable[..., Any], title: str, **hints: bool) -> Tool:
    """A server's tool from its function: the docstring is the description (UPLOAD_LIMIT
    spelled out), the hints its annotations, text (not structured) answers."""
    description = inspect.cleandoc(fn.__doc__ or "").replace(
        "UPLOAD_LIMIT", f"{MAX_UPLOAD_BYTES // 2**20} MB"
    )
    return Tool.from_function(
        fn,
        title=title,
        description=description,
        annotations=annotations(title, **hints),
        structured_output=False,
    )


def as_json(value: Any) -> str:
    """A tool's answer: compact JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def listing(page: Page, items: list[dict[str, Any]], **extra: Any) -> str:
    """A list's answer, saying when more exist than the cap let through."""
    answer: dict[str, Any] = {**extra, "items": items}
    if page.more:
        answer["more"] = "More exist than shown; narrow the search or ask for more (top)."
    return as_json(answer)


@dataclass(frozen=True)
class ServerState:
    """What one server process (or one in-process connection) shares between its calls."""

    service: str  # the provider's name in sentences, e.g. "Microsoft 365"
    key: str  # the service's key in rate limits, e.g. "ms365"
    base_url: str
    http: httpx.AsyncClient
    limits: RateLimits
    token: str | None  # stdio or in-process: the one user's token; HTTP: None (per request)


def lifespan(
    *,
    service: str,
    key: str,
    base_url: str,
    token: str | None,
    http: httpx.AsyncClient | None,
    limits: RateLimits,
) -> Callable[[MCPServer[Any]], Any]:
    """The server's lifespan: an HTTP client of its own unless one is given."""

    @asynccontextmanager
    async def run(_server: MCPServer[Any]) -> AsyncIterator[ServerState]:
        async with AsyncExitStack() as stack:
            client = http or await stack.enter_async_context(new_http_client())
            yield ServerState(service, key, base_url.rstrip("/"), client, limits, token)

    return run


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


async def caller(ctx: Context) -> tuple[ServerState, str]:
    """The server's state and the access token of this call, counted against the account's
    rate limit."""
    state: ServerState = ctx.request_context.lifespan_context
    headers = ctx.headers
    token = bearer(headers.get("authorization")) if headers is not None else None
    token = token or state.token
    if not token:
        raise ToolError(
            f"No {state.service} account is connected for this request; connect "
            f"{state.service} in Settings → Integrations."
        )
    try:
        await state.limits.hit_integration(state.key, account_key(token))
    except TooManyRequests as exc:
        raise ToolError(
            f"Too many {state.service} requests from this account; try again in "
            f"{exc.headers.get('Retry-After', '60')} seconds."
        ) from exc
    return state, token


def account_key(token: str) -> str:
    """Who a token belongs to, for rate limits: the account in a JWT's claims (so a refreshed
    token counts as the same account), else a hash of the token. Never the token itself."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        claims = {}
    account = claims.get("oid") or claims.get("sub")
    if isinstance(account, str):
        return f"{claims.get('tid', '')}:{account}"
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def token_scopes(token: str) -> list[str] | None:
    """The delegated scopes a JWT access token carries (`scp`), or None when it is opaque."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    scopes = claims.get("scp")
    return scopes.split() if isinstance(scopes, str) else None


def speaks_errors(tool: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Failures of the provider or of a document as the sentence they carry; a refused access
    token also marked in the answer's `_meta` (ERROR_META: UNAUTHORIZED)."""

    @functools.wraps(tool)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await tool(*args, **kwargs)
        except (ServiceError, UnreadableDocument) as exc:
            if isinstance(exc, ServiceError) and exc.status == 401:
                return unauthorized(exc.sentence)  # type: ignore[return-value]
            raise ToolError(exc.sentence) from exc

    return run


def unauthorized(sentence: str) -> CallToolResult:
    """A failed call whose token the provider refused (the SDK passes a CallToolResult on)."""
    return CallToolResult(
        content=[mcp_types.TextContent(type="text", text=sentence)],
        is_error=True,
        _meta={ERROR_META: UNAUTHORIZED},
    )


def refused_token(result: CallToolResult) -> bool:
    """Whether a call failed because the provider refused its access token."""
    return bool(result.is_error and (result.meta or {}).get(ERROR_META) == UNAUTHORIZED)


def upload_bytes(content_text: str | None, content_base64: str | None) -> bytes:
    """The bytes to upload, from text or base64 (exactly one), within the upload limit."""
    if (content_text is None) == (content_base64 is None):
        raise ToolError("Give the file's content as content_text or content_base64 (one of them).")
    if content_text is not None:
        data = content_text.encode()
    else:
        try:
            data = base64.b64decode(content_base64 or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ToolError("content_base64 is not valid base64.") from exc
    if len(data) > MAX_UPLOAD_BYTES:
        raise ToolError(
            f"The file is {len(data) / 2**20:.1f} MB; uploads are limited to "
            f"{MAX_UPLOAD_BYTES // 2**20} MB."
        )
    return data


def size_in_words(size: int | None) -> str | None:
    if size is None:
        return None
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return None  # pragma: no cover


class BearerRequired:
    """ASGI middleware: a request without `Authorization: Bearer` is answered 401 before the
    MCP server sees it, so nothing ever runs without a user's token."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            if not bearer(headers.get(b"authorization", b"").decode("latin-1")):
                body = (
                    b'{"error": "unauthorized", "error_description": '
                    b'"Send the connected account\'s access token as Authorization: Bearer."}'
                )
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"www-authenticate", b'Bearer realm="' + self.service.encode() + b'"'),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


@asynccontextmanager
async def connect(
    url: str | None, token: str, build: Callable[[], MCPServer[Any]]
) -> AsyncIterator[Client]:
    """A connected MCP client acting as the account of `token`: to the server at `url` (its own
    process; the token sent as a Bearer on every request), or, with no URL, to a server built
    in-process for this connection only."""
    if not url:
        async with Client(build()) as client:
            yield client
        return
    if urlsplit(url).path in ("", "/"):
        url = url.rstrip("/") + "/mcp"
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as remote,
        Client(streamable_http_client(url, http_client=remote)) as client,
    ):
        yield client


def http_app(server: MCPServer[Any], *, service: str, host: str) -> ASGIApp:
    """The server over streamable HTTP at /mcp, stateless (any instance answers any request,
    JSON answers), refusing requests without a Bearer token."""
    app = server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        host=host,
        # Room for the largest upload, base64 in JSON (the SDK's default is 4 MB).
        max_request_body_size=MAX_UPLOAD_BYTES * 4 // 3 + 2**20,
    )
    app.add_middleware(BearerRequired, service=service)
    return app


@dataclass(frozen=True)
class ServerKind:
    """What one service's MCP server is (Microsoft 365, Google Workspace): the rest of how it is
    built, served over HTTP and reached from the CRM is the same for every service."""

    name: str
    title: str
    key: str  # the rate limit's key prefix
    instructions: str
    tools: list[Tool]
    api_url: Callable[[Settings], str]  # the service's REST base URL
    server_url: Callable[[Settings], str | None]  # the separate server's URL; None: in-process

    def create_server(
        self,
        *,
        access_token: str | None = None,
        http: httpx.AsyncClient | None = None,
        settings: Settings | None = None,
        limits: RateLimits | None = None,
    ) -> MCPServer:
        """The server, for one user when `access_token` is given (stdio, in-process), else
        taking each request's Bearer token (HTTP). `http` is a shared connection pool (the
        server makes its own otherwise); `limits` the CRM's rate-limit counters, so every
        connection of a user counts against one limit."""
        settings = settings or get_settings()
        return MCPServer(
            self.name,
            title=self.title,
            instructions=self.instructions,
            tools=self.tools,
            log_level="WARNING",  # the SDK configures logging when nothing has; no request lines
            lifespan=lifespan(
                service=self.title,
                key=self.key,
                base_url=self.api_url(settings),
                token=access_token,
                http=http,
                limits=limits or RateLimits(settings),
            ),
        )

    def create_http_app(
        self, settings: Settings | None = None, *, host: str = "127.0.0.1"
    ) -> ASGIApp:
        """The server as an ASGI app at /mcp for `crm mcp-server <service> --transport http`."""
        return http_app(self.create_server(settings=settings), service=self.title, host=host)

    @asynccontextmanager
    async def connect(
        self,
        access_token: str,
        *,
        settings: Settings | None = None,
        http: httpx.AsyncClient | None = None,
        limits: RateLimits | None = None,
    ) -> AsyncIterator[Client]:
        """An MCP client connected to the server as the account of `access_token`: the
        separate server when its URL is set, or one built in-process for this connection."""
        settings = settings or get_settings()

        def build() -> MCPServer:
            return self.create_server(
                access_token=access_token, http=http, settings=settings, limits=limits
            )

        async with connect(self.server_url(settings), access_token, build) as client:
            yield client

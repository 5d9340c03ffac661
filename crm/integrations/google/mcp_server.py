"""The Google Workspace MCP server: `crm mcp-server google` runs it as its own process (stdio,
or streamable HTTP where each request carries the user's Google access token as
`Authorization: Bearer`), and the CRM serves the same server in-process when MCP_GOOGLE_URL
is unset.

It holds no client secret and stores no token: the CRM sends the connected user's current
access token, and nothing else ever picks the user.

The CRM connects as one user with `connect` (the token is that user's, for that connection
only), which reaches MCP_GOOGLE_URL when set and a server built in-process otherwise:

    async with connect(token, http=shared_httpx_client, limits=app_limits) as client:
        tools = await client.list_tools()
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from mcp import Client
from mcp.server.mcpserver import MCPServer
from starlette.types import ASGIApp

from crm.config import Settings, get_settings
from crm.integrations import toolkit
from crm.integrations.google.api import SERVICE
from crm.integrations.google.tools import TOOLS
from crm.kit.ratelimit import RateLimits

KEY = "google"
INSTRUCTIONS = (
    "Tools for the connected Google Workspace account: Gmail, Google Calendar (with Google "
    "Meet links) and Google Drive with Docs, Sheets and Slides. Lists are capped (top) and say "
    "when more exist; e-mail bodies and documents come as text in pages (offset, next_offset). "
    "Sending, sharing, uploading and creating, changing or deleting events act at once outside "
    "the CRM: confirm them with the user first."
)


def create_server(
    *,
    access_token: str | None = None,
    http: httpx.AsyncClient | None = None,
    settings: Settings | None = None,
    limits: RateLimits | None = None,
) -> MCPServer:
    """The server, for one user when `access_token` is given (stdio, in-process), else taking
    each request's Bearer token (HTTP). `http` is a shared connection pool (the server makes
    its own otherwise); `limits` the CRM's rate-limit counters, so every connection of a user
    counts against one limit."""
    settings = settings or get_settings()
    return MCPServer(
        "google",
        title=SERVICE,
        instructions=INSTRUCTIONS,
        tools=TOOLS,
        log_level="WARNING",  # the SDK configures logging when nothing has; no request lines
        lifespan=toolkit.lifespan(
            service=SERVICE,
            key=KEY,
            base_url=settings.google_api_url,
            token=access_token,
            http=http,
            limits=limits or RateLimits(settings),
        ),
    )


def create_http_app(settings: Settings | None = None, *, host: str = "127.0.0.1") -> ASGIApp:
    """The server as an ASGI app at /mcp for `crm mcp-server google --transport http`."""
    return toolkit.http_app(create_server(settings=settings), service=SERVICE, host=host)


@asynccontextmanager
async def connect(
    access_token: str,
    *,
    settings: Settings | None = None,
    http: httpx.AsyncClient | None = None,
    limits: RateLimits | None = None,
) -> AsyncIterator[Client]:
    """An MCP client connected to the Google Workspace server as the account of `access_token`:
    the separate server at MCP_GOOGLE_URL, or one built in-process for this connection."""
    settings = settings or get_settings()

    def build() -> MCPServer:
        return create_server(access_token=access_token, http=http, settings=settings, limits=limits)

    async with toolkit.connect(settings.mcp_google_url, access_token, build) as client:
        yield client

"""`crm mcp`: the CRM's MCP server over stdio, for clients that start a command (Claude Desktop,
Claude Code). It holds nothing of the CRM: each request goes to the running CRM's /mcp (CRM_URL)
with the personal access token (CRM_TOKEN), through the SDK's client, and the answer comes back
as it is, so the tools behave the same against a local and a hosted CRM.

A destructive tool's confirmation travels too: a client on the 2026-07-28 protocol gets the
CRM's input request and retries with its answer; an older client that supports elicitation is
asked by the bridge, which then retries upstream; any other is told to pass `confirm: true`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import mcp_types as types
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

MODERN = MODERN_PROTOCOL_VERSIONS[-1]
PING = {"jsonrpc": "2.0", "id": 0, "method": "ping"}


class Unreachable(Exception):
    """The CRM cannot be used from here; the message says why in a sentence."""


async def _declared(context: Any, params: Any) -> types.ElicitResult:
    # Only declares the capability: the bridge answers input requests itself (call_tool).
    return types.ElicitResult(action="decline")


def _elicits(ctx: ServerRequestContext[Any, Any]) -> bool:
    capabilities = ctx.session.client_capabilities
    return bool(capabilities and capabilities.elicitation is not None)


class Bridge:
    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
        self.server: Server[Any] = Server(
            "crm",
            title="CRM",
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            on_list_resources=self.list_resources,
            on_list_resource_templates=self.list_resource_templates,
            on_read_resource=self.read_resource,
            on_list_prompts=self.list_prompts,
            on_get_prompt=self.get_prompt,
        )

    async def check(self) -> None:
        """Refuse to start against a CRM that is not there or does not take the token."""
        try:
            response = await self.http.post(f"{self.url}/mcp", json=PING)
        except httpx2.TransportError as exc:
            raise Unreachable(
                f"Cannot reach the CRM at {self.url}; is `crm serve` running there (CRM_URL)?"
            ) from exc
        if response.status_code == 401:
            raise Unreachable(
                f"The CRM at {self.url} refused CRM_TOKEN (revoked, expired or mistyped); "
                "make a token in Settings → API and MCP."
            )

    @asynccontextmanager
    async def upstream(self, elicits: bool = False) -> AsyncIterator[Any]:
        """A client of the CRM's /mcp for one request: stateless, so nothing to keep open."""
        transport = streamable_http_client(
            f"{self.url}/mcp", http_client=self.http, terminate_on_close=False
        )
        async with Client(
            transport, mode=MODERN, elicitation_callback=_declared if elicits else None, cache=None
        ) as client:
            yield client.session

    async def serve(self) -> None:
        async with stdio_server() as (read, write):
            await self.server.run(read, write, self.server.create_initialization_options())

    async def list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        async with self.upstream() as crm:
            return await crm.list_tools(params=params)

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        modern = ctx.protocol_version in MODERN_PROTOCOL_VERSIONS
        async with self.upstream(_elicits(ctx)) as crm:
            result = await crm.call_tool(
                params.name,
                params.arguments,
                input_responses=params.input_responses,
                request_state=params.request_state,
                allow_input_required=True,
            )
            while isinstance(result, types.InputRequiredResult) and not modern:
                answers: dict[str, Any] = {}
                for key, request in (result.input_requests or {}).items():
                    if isinstance(request, types.ElicitRequest) and isinstance(
                        request.params, types.ElicitRequestFormParams
                    ):
                        answers[key] = await ctx.session.elicit_form(
                            request.params.message,
                            request.params.requested_schema,
                            related_request_id=ctx.request_id,
                        )
                result = await crm.call_tool(
                    params.name,
                    params.arguments,
                    input_responses=answers,
                    request_state=result.request_state,
                    allow_input_required=True,
                )
        return result

    async def list_resources(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        async with self.upstream() as crm:
            return await crm.list_resources(params=params)

    async def list_resource_templates(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        async with self.upstream() as crm:
            return await crm.list_resource_templates(params=params)

    async def read_resource(
        self, ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        async with self.upstream() as crm:
            return await crm.read_resource(str(params.uri))

    async def list_prompts(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        async with self.upstream() as crm:
            return await crm.list_prompts(params=params)

    async def get_prompt(
        self, ctx: ServerRequestContext[Any, Any], params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        async with self.upstream() as crm:
            return await crm.get_prompt(params.name, params.arguments)


async def run(url: str, token: str) -> None:
    bridge = Bridge(url, token)
    async with bridge.http:
        await bridge.check()
        await bridge.serve()

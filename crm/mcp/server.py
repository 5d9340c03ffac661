"""The CRM's tools, resources and prompts as an MCP server (the `mcp` SDK's low-level `Server`,
so each tool's input schema is exactly the REST input model's, as the assistant sees it).

Every call runs as the token's user (channel "mcp", the token's name in the activity log), in
a transaction of its own with the row-level-security context set, counted by the per-user rate
limit. A read token may call only read tools. Destructive tools run only when confirmed: by
elicitation where the client supports it (the 2026-07-28 protocol's input-required round trip,
which needs no server-side state), else by an explicit `confirm: true` argument. The tools of
the user's connected services are served beside them (crm/mcp/connected.py), their writes
that leave the CRM confirmed the same way."""

import functools
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, ValidationError

from crm import __version__
from crm.auth.actor import Actor
from crm.auth.service import user_zone
from crm.errors import CRMError
from crm.kit.tools import Tool
from crm.mcp import content
from crm.models import Role
from crm.toolbox import TOOLS

if TYPE_CHECKING:
    from crm.mcp.connected import ConnectedTools, Served

INSTRUCTIONS = (
    "The user's CRM: contacts, organizations, projects, tasks, calendar events and reminders. "
    "Look records up (search_*, list_*) before changing them, and never invent field values."
)
READ_ONLY = (
    "This token can only read; nothing was changed. A write token or app grant is needed to "
    "change records."
)
IDEMPOTENT_VERBS = ("update", "set", "move", "change", "assign", "unassign", "snooze", "dismiss")
CONFIRM = "confirm"
CONFIRM_NOTE = (
    " Destructive: the user confirms first. Clients that support elicitation are asked; "
    "others must pass `confirm: true`, only after the user has agreed."
)
OUTSIDE_NOTE = (
    " It acts outside the CRM, so the user confirms first. Clients that support elicitation "
    "are asked; others must pass `confirm: true`, only after the user has agreed."
)


@dataclass(frozen=True)
class Caller:
    """Who a request comes from, as the bearer middleware verified it (crm/mcp/http.py)."""

    actor: Actor
    can_write: bool


def caller_of() -> Caller:
    """The caller of the current request, from the token the bearer middleware verified."""
    token = get_access_token()
    if token is None or token.subject is None or token.claims is None:
        raise CRMError("The request carries no verified token.")
    claims = token.claims
    actor = Actor(
        uuid.UUID(token.subject),
        uuid.UUID(claims["workspace_id"]),
        Role(claims["role"]),
        "mcp",
        client=claims["name"],
    )
    return Caller(actor, "write" in token.scopes)


def annotations(tool: Tool) -> types.ToolAnnotations:
    verb = tool.name.split("_", 1)[0]
    return types.ToolAnnotations(
        read_only_hint=tool.read_only,
        destructive_hint=tool.destructive if not tool.read_only else None,
        idempotent_hint=tool.read_only or tool.destructive or verb in IDEMPOTENT_VERBS,
        open_world_hint=False,
    )


def input_schema(tool: Tool) -> dict[str, Any]:
    """The REST input model's schema; a destructive tool's also takes `confirm`."""
    schema = tool.input_model.model_json_schema()
    return confirmable(schema, "this deletion") if tool.destructive else schema


def confirmable(schema: dict[str, Any], what: str) -> dict[str, Any]:
    """A tool's input schema with the `confirm` argument."""
    confirm = {
        "type": "boolean",
        "default": False,
        "description": f"True only once the user has agreed to {what}.",
    }
    return {**schema, "properties": {**schema.get("properties", {}), CONFIRM: confirm}}


def mcp_tool(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.name,
        description=tool.description + (CONFIRM_NOTE if tool.destructive else ""),
        input_schema=input_schema(tool),
        annotations=annotations(tool),
    )


def connected_tool(served: "Served") -> types.Tool:
    """A connected service's tool as /mcp lists it: confirmable when it needs the user's yes."""
    tool = served.tool
    if not served.confirmed_first:
        return tool.model_copy(update={"name": served.name})
    return tool.model_copy(
        update={
            "name": served.name,
            "description": (tool.description or "") + OUTSIDE_NOTE,
            "input_schema": confirmable(tool.input_schema, "exactly this"),
        }
    )


def text_result(data: Any, *, error: bool = False) -> types.CallToolResult:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    structured = data if isinstance(data, dict) else None  # an object, as MCP wants
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=structured,
        is_error=error,
    )


def crm_error(exc: CRMError) -> types.CallToolResult:
    return text_result(
        {"ok": False, "status": exc.status, "error": exc.detail, "errors": exc.errors}, error=True
    )


def field_errors(exc: ValidationError) -> str:
    """Validation errors naming their fields, for the model to correct its call."""
    parts = [
        f"{'.'.join(str(p) for p in error['loc']) or 'arguments'}: {error['msg']}"
        for error in exc.errors()
    ]
    return "Invalid arguments. " + "; ".join(parts)


class CRMServer:
    """The MCP server over the toolbox. `state` holds the app's database and rate limits
    (opened by its lifespan, after the routes are made)."""

    def __init__(self, state: Any, tools: dict[str, Tool] = TOOLS) -> None:
        self.state, self.tools = state, tools
        self.listed = [mcp_tool(tool) for tool in tools.values()]
        self.server: Server[Any] = Server(
            "crm",
            version=__version__,
            title="CRM",
            instructions=INSTRUCTIONS,
            get_tool_input_schema=lambda name: input_schema(t) if (t := tools.get(name)) else None,
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            on_list_resources=self.list_resources,
            on_list_resource_templates=self.list_resource_templates,
            on_read_resource=self.read_resource,
            on_list_prompts=self.list_prompts,
            on_get_prompt=self.get_prompt,
        )

    @functools.cached_property
    def connected(self) -> "ConnectedTools":
        from crm.mcp.connected import ConnectedTools  # pydantic-ai with it: on first use

        return ConnectedTools(self.state)

    async def run(self, caller: Caller, tool: Tool, arguments: dict[str, Any]) -> BaseModel:
        """One tool call as the caller, in a transaction of its own."""
        await self.state.rate_limits.hit_api(str(caller.actor.user_id))
        async with self.transaction(caller) as session:
            return await tool.call(session, caller.actor, arguments)

    def transaction(self, caller: Caller) -> Any:
        """A session in a transaction under the caller's row-level-security context."""
        return self.state.db.transaction(
            user_id=caller.actor.user_id, workspace_id=caller.actor.workspace_id
        )

    async def list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        caller = caller_of()
        async with self.transaction(caller) as session:
            served = await self.connected.served(session, caller.actor, set(self.tools))
        return types.ListToolsResult(
            tools=self.listed + [connected_tool(s) for s in served.values()]
        )

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        caller = caller_of()
        tool = self.tools.get(params.name)
        if tool is None:
            return await self.call_connected(ctx, caller, params)
        if not tool.read_only and not caller.can_write:
            return text_result(READ_ONLY, error=True)
        arguments = dict(params.arguments or {})
        try:
            if tool.destructive:
                refused = await self.confirmation(
                    ctx,
                    params,
                    arguments,
                    ask=lambda: self.describe(caller, tool, arguments),
                    yes="Yes, delete it",
                    undone="nothing was deleted",
                )
                if refused is not None:
                    return refused
            result = await self.run(caller, tool, arguments)
        except ValidationError as exc:
            return text_result(field_errors(exc), error=True)
        except CRMError as exc:
            return crm_error(exc)
        return text_result(result.model_dump(mode="json"))

    async def call_connected(
        self,
        ctx: ServerRequestContext[Any, Any],
        caller: Caller,
        params: types.CallToolRequestParams,
    ) -> types.CallToolResult | types.InputRequiredResult:
        """A connected service's tool, as the caller's own account."""
        arguments = dict(params.arguments or {})
        try:
            await self.state.rate_limits.hit_api(str(caller.actor.user_id))
            async with self.transaction(caller) as session:
                served = (await self.connected.served(session, caller.actor, set(self.tools))).get(
                    params.name
                )
                if served is None:
                    return text_result(f"There is no tool named {params.name!r}.", error=True)
                if not served.read_only and not caller.can_write:
                    return text_result(READ_ONLY, error=True)
                if served.confirmed_first:
                    zone = (await user_zone(session, caller.actor)).key

                    async def preview() -> str:
                        return served.preview(arguments, zone) + "\n\nGo ahead?"

                    refused = await self.confirmation(
                        ctx, params, arguments, ask=preview, yes="Yes", undone="nothing was done"
                    )
                    if refused is not None:
                        return refused
                answer = await self.connected.call(session, caller.actor, served, arguments)
        except CRMError as exc:
            return crm_error(exc)
        if not answer.ok:
            return text_result(answer.error or "The service did not answer.", error=True)
        return text_result(answer.content)

    async def confirmation(
        self,
        ctx: ServerRequestContext[Any, Any],
        params: types.CallToolRequestParams,
        arguments: dict[str, Any],
        *,
        ask: Callable[[], Awaitable[str]],
        yes: str,
        undone: str,
    ) -> types.CallToolResult | types.InputRequiredResult | None:
        """None once the user has confirmed the call (`confirm: true`, taken out of
        `arguments`, or an accepted elicitation); else what to answer: the question, by
        elicitation where the client supports it, or how to confirm."""
        if arguments.pop(CONFIRM, False) is True:
            return None
        capabilities = ctx.session.client_capabilities
        elicits = ctx.protocol_version in MODERN_PROTOCOL_VERSIONS and bool(
            capabilities and capabilities.elicitation is not None
        )
        if not elicits:
            return text_result(
                f"Not done: {params.name} needs the user's confirmation. Ask the user, then call "
                "it again with `confirm: true`.",
                error=True,
            )
        answer = (params.input_responses or {}).get(CONFIRM)
        if answer is None:
            schema = {
                "type": "object",
                "properties": {CONFIRM: {"type": "boolean", "title": yes}},
                "required": [CONFIRM],
            }
            message = await ask()
            return types.InputRequiredResult(
                input_requests={
                    CONFIRM: types.ElicitRequest(
                        params=types.ElicitRequestFormParams(
                            message=message, requested_schema=schema
                        )
                    )
                }
            )
        given = getattr(answer, "content", None)
        accepted = (
            getattr(answer, "action", None) == "accept"
            and isinstance(given, dict)
            and given.get(CONFIRM) is True
        )
        return None if accepted else text_result(f"The user did not confirm; {undone}.", error=True)

    async def describe(self, caller: Caller, tool: Tool, arguments: dict[str, Any]) -> str:
        """What a destructive call would do, named by its record ("Delete contact Ada")."""
        verb, _, kind = tool.name.partition("_")
        reader = self.tools.get(f"get_{kind}")
        record = await self.run(caller, reader, {"id": arguments.get("id")}) if reader else None
        label = next(
            (v for a in ("name", "title") if isinstance(v := getattr(record, a, None), str)), ""
        )
        what = f"{verb.capitalize()} {kind.replace('_', ' ')} {label}".strip()
        return f"{what}? This cannot be undone."

    async def list_resources(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        caller = caller_of()
        return types.ListResourcesResult(
            resources=await content.recent(lambda t, a: self.run(caller, self.tools[t], a))
        )

    async def list_resource_templates(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=content.TEMPLATES)

    async def read_resource(
        self, ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        caller = caller_of()
        return await content.read(str(params.uri), lambda t, a: self.run(caller, self.tools[t], a))

    async def list_prompts(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=content.PROMPTS)

    async def get_prompt(
        self, ctx: ServerRequestContext[Any, Any], params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        caller = caller_of()
        return await content.prompt(params.name, lambda t, a: self.run(caller, self.tools[t], a))

"""The CRM's tools, resources and prompts as an MCP server (the `mcp` SDK's low-level `Server`,
so each tool's input schema is exactly the REST input model's, as the assistant sees it).

Every call runs as the token's user (channel "mcp", the token's name in the activity log), in
a transaction of its own with the row-level-security context set, counted by the per-user rate
limit. A read token may call only read tools. Destructive tools run only when confirmed: by
elicitation where the client supports it (the 2026-07-28 protocol's input-required round trip,
which needs no server-side state), else by an explicit `confirm: true` argument."""

import json
import uuid
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, ValidationError

from crm import __version__
from crm.auth.actor import Actor
from crm.db import Database, set_context
from crm.errors import CRMError
from crm.kit.tools import Tool
from crm.mcp import content
from crm.models import Role
from crm.toolbox import TOOLS

INSTRUCTIONS = (
    "The user's CRM: contacts, organizations, projects, tasks, calendar events and reminders. "
    "Look records up (search_*, list_*) before changing them, and never invent field values."
)
IDEMPOTENT_VERBS = ("update", "set", "move", "change", "assign", "unassign", "snooze", "dismiss")
CONFIRM = "confirm"
CONFIRM_NOTE = (
    " Destructive: the user confirms first. Clients that support elicitation are asked; "
    "others must pass `confirm: true`, only after the user has agreed."
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
    if tool.destructive:
        properties = {
            **schema.get("properties", {}),
            CONFIRM: {
                "type": "boolean",
                "default": False,
                "description": "True only once the user has agreed to this deletion.",
            },
        }
        schema = {**schema, "properties": properties}
    return schema


def mcp_tool(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.name,
        description=tool.description + (CONFIRM_NOTE if tool.destructive else ""),
        input_schema=input_schema(tool),
        annotations=annotations(tool),
    )


def text_result(data: Any, *, error: bool = False) -> types.CallToolResult:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    structured = None if isinstance(data, str) else data
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=structured,
        is_error=error,
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

    async def run(self, caller: Caller, tool: Tool, arguments: dict[str, Any]) -> BaseModel:
        """One tool call as the caller, in a transaction of its own."""
        await self.state.rate_limits.hit_api(str(caller.actor.user_id))
        db: Database = self.state.db
        async with db.sessions() as session, session.begin():
            await set_context(
                session, user_id=caller.actor.user_id, workspace_id=caller.actor.workspace_id
            )
            return await tool.call(session, caller.actor, arguments)

    async def list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=self.listed)

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        tool = self.tools.get(params.name)
        if tool is None:
            return text_result(f"There is no tool named {params.name!r}.", error=True)
        caller = caller_of()
        if not tool.read_only and not caller.can_write:
            return text_result(
                "This token can only read; nothing was changed. A write token or app grant "
                "is needed to change records.",
                error=True,
            )
        arguments = dict(params.arguments or {})
        try:
            if tool.destructive:
                confirmed = bool(arguments.pop(CONFIRM, False))
                if not confirmed:
                    return await self.ask(ctx, caller, tool, arguments, params)
            result = await self.run(caller, tool, arguments)
        except ValidationError as exc:
            return text_result(field_errors(exc), error=True)
        except CRMError as exc:
            return text_result(
                {"ok": False, "status": exc.status, "error": exc.detail, "errors": exc.errors},
                error=True,
            )
        return text_result(result.model_dump(mode="json"))

    async def ask(
        self,
        ctx: ServerRequestContext[Any, Any],
        caller: Caller,
        tool: Tool,
        arguments: dict[str, Any],
        params: types.CallToolRequestParams,
    ) -> types.CallToolResult | types.InputRequiredResult:
        """Confirm a destructive call by elicitation, or explain how to confirm it."""
        capabilities = ctx.session.client_capabilities
        elicits = ctx.protocol_version in MODERN_PROTOCOL_VERSIONS and bool(
            capabilities and capabilities.elicitation is not None
        )
        if not elicits:
            return text_result(
                f"Not done: {tool.name} needs the user's confirmation. Ask the user, then call "
                "it again with `confirm: true`.",
                error=True,
            )
        answer = (params.input_responses or {}).get(CONFIRM)
        if answer is None:
            what = await self.describe(caller, tool, arguments)
            return types.InputRequiredResult(
                input_requests={
                    CONFIRM: types.ElicitRequest(
                        params=types.ElicitRequestFormParams(
                            message=f"{what}? This cannot be undone.",
                            requested_schema={
                                "type": "object",
                                "properties": {
                                    CONFIRM: {"type": "boolean", "title": "Yes, delete it"}
                                },
                                "required": [CONFIRM],
                            },
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
        if not accepted:
            return text_result("The user did not confirm; nothing was deleted.", error=True)
        return text_result((await self.run(caller, tool, arguments)).model_dump(mode="json"))

    async def describe(self, caller: Caller, tool: Tool, arguments: dict[str, Any]) -> str:
        """What a destructive call would do, named by its record ("Delete contact Ada")."""
        verb, _, kind = tool.name.partition("_")
        reader = self.tools.get(f"get_{kind}")
        record = await self.run(caller, reader, {"id": arguments.get("id")}) if reader else None
        label = next(
            (v for a in ("name", "title") if isinstance(v := getattr(record, a, None), str)), ""
        )
        return f"{verb.capitalize()} {kind.replace('_', ' ')} {label}".strip()

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

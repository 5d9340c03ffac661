"""The tools of the user's connected integrations (Microsoft 365, Google Workspace; each
described in crm.assistant.connected_services) for the assistant: a pydantic-ai toolset per
connected service, over the service's MCP server, acting with the chatting user's own access
token, offered in groups loaded by need (Outlook, SharePoint/OneDrive files, Teams; Gmail,
Drive, Google Calendar), like the CRM's own tools (crm.assistant.groups).

- The token is asked for at each call (`integration.access_token`, refreshed under a row lock)
  and sent only on that call's MCP connection; nothing kept between calls or turns holds one.
  When the provider refuses it (a 401, marked by the server in the answer's `_meta`), the token
  is refreshed once (`rejected=`) and the call tried again.
- The tools' listing is cached per connection (user, service, connection row and the time it
  was made), so a turn lists nothing once the connection's first turn did: a turn without a
  tool call adds one query (the user's connections) and no MCP round trip.
- Writes that leave the CRM (sending mail, sharing or uploading a file, creating or adding to a
  meeting) are held for the user's yes with a preview of exactly what will go out, then run
  once; what went out is an action of the turn (stored with the conversation) and an entry in
  the activity log of each contact it was addressed to (matched by e-mail, channel assistant).
- Each tool carries its group in its metadata; `ConnectedToolset.groups()` makes a group of
  each (a filtered view of the one toolset), offered on demand or preloaded by the message's
  words. The instructions (which account is connected, or that it must be renewed) are the
  turn's (`instructions`), whether or not a group is loaded.
- With both mailboxes connected, a send from a message that names neither ("e-mail Jane the
  proposal") is not held: the model is told to ask "Outlook or Gmail?" first.
- A held call waits in the conversation's row: its arguments are capped (HELD_LIMIT), so an
  upload from the chat is a small file; bigger ones go up in the service itself.

Why not pydantic-ai's `MCPToolset`: it runs on fastmcp's client, which is not installed; this
toolset is the small part of it the CRM needs over the official `mcp.Client`
(docs/assistant.md, "Integrations")."""

import asyncio
import json
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
import pydantic_core
import structlog
from pydantic_ai import RunContext
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.toolsets import AbstractToolset
from pydantic_ai.toolsets.abstract import ToolsetTool
from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity.service import activity as activity_service
from crm.assistant.connected_services import SERVICES, ServiceTools
from crm.assistant.groups import ToolGroup
from crm.assistant.tools import Action, Pending, TurnDeps, hold
from crm.auth.actor import Actor
from crm.config import Settings
from crm.contacts.service import contact as contact_service
from crm.errors import CRMError
from crm.integrations.http import new_http_client
from crm.integrations.service import (
    CONNECTED,
    RECONNECT_NEEDED,
    SETTINGS_PAGE,
    ReconnectNeeded,
)
from crm.integrations.service import integration as integration_service
from crm.kit.crypto import SecretBox
from crm.kit.ratelimit import RateLimits
from crm.models import IntegrationConnection

if TYPE_CHECKING:  # the `mcp` SDK is imported at the first connection (connected_services)
    from mcp import Client
    from mcp_types import CallToolResult

log = structlog.get_logger()
ARGUMENTS = pydantic_core.SchemaValidator(
    pydantic_core.core_schema.dict_schema(
        pydantic_core.core_schema.str_schema(), pydantic_core.core_schema.any_schema()
    )
)
LISTINGS_KEPT = 1024  # connections whose tool listing a process keeps
# A held call waits in its conversation's row (conversation.pending) until the user's yes:
# what goes out through the chat stays this small; bigger files go up in the service itself.
HELD_LIMIT = 256 * 1024
HELD = (
    " It acts outside the CRM, so the user is asked to confirm first: call it once with the "
    "exact content; they see a preview and answer yes or no."
)
HELD_UPLOAD = f" From the chat, files of at most {HELD_LIMIT // 1024} KB."
PAST = {
    "Share": "Shared",
    "Make": "Made",
    "Upload": "Uploaded",
    "Invite": "Invited",
    "Change": "Changed",
    "Delete": "Deleted",
}


class Integrations:
    """The assistant's way to the connected services, one per app: the settings, the sealing
    box, a shared HTTP connection pool and rate-limit counters (none of them a user's), and
    the tool listings by connection."""

    def __init__(self, settings: Settings, box: SecretBox, limits: RateLimits) -> None:
        self.settings, self.box, self.limits = settings, box, limits
        self._stack = AsyncExitStack()
        self._http: httpx.AsyncClient | None = None
        self._listings: OrderedDict[tuple[Any, ...], list[ToolDefinition]] = OrderedDict()

    async def close(self) -> None:
        await self._stack.aclose()

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = new_http_client()
            self._stack.push_async_callback(self._http.aclose)
        return self._http

    async def for_turn(self, session: AsyncSession, actor: Actor) -> list["ConnectedToolset"]:
        """A toolset per service the actor has connected (or must reconnect)."""
        statuses = await integration_service.list(session, actor, settings=self.settings)
        toolsets = [
            ConnectedToolset(self, SERVICES[s.provider.service], s.connection)
            for s in statuses
            if s.connection is not None
            and s.status in (CONNECTED, RECONNECT_NEEDED)
            and s.provider.service in SERVICES
        ]
        for toolset in toolsets:  # listed before the turn (once per connection): its status
            await toolset.definitions(session, actor)
        return toolsets

    def listing(self, key: tuple[Any, ...]) -> list[ToolDefinition] | None:
        found = self._listings.get(key)
        if found is not None:
            self._listings.move_to_end(key)
        return found

    def keep_listing(self, key: tuple[Any, ...], tools: list[ToolDefinition]) -> None:
        self._listings[key] = tools
        while len(self._listings) > LISTINGS_KEPT:
            self._listings.popitem(last=False)


@dataclass
class Answer:
    """A tool's answer for the model: its JSON (or text), or a failure's sentence."""

    ok: bool
    content: Any = None
    error: str | None = None

    def for_model(self) -> Any:
        return self.content if self.ok else {"ok": False, "error": self.error}


class ConnectedToolset(AbstractToolset[TurnDeps]):
    """One connected service's tools for one user's turn."""

    def __init__(
        self, owner: Integrations, tools: ServiceTools, connection: IntegrationConnection
    ) -> None:
        self.owner, self.tools, self.connection = owner, tools, connection
        self.status = connection.status
        self.account = _account(connection)
        self._listing = asyncio.Lock()
        # Whose listing: this user's connection as it was made (a reconnect is a new one).
        self.key = (
            connection.user_id,
            connection.service,
            connection.id,
            _stamp(connection.connected_at),
        )

    @property
    def id(self) -> str:
        return f"integration-{self.tools.service}"

    def groups(self) -> list[ToolGroup]:
        """The service's tools in their groups, each a filtered view of this toolset (none
        while there is no listing: nothing to offer, and the instructions say why)."""
        if self.owner.listing(self.key) is None:
            return []
        return [
            ToolGroup(spec, self.filtered(lambda ctx, d, g=spec.id: d.metadata["group"] == g))
            for spec in self.tools.specs
        ]

    def instructions(self) -> str:
        name = self.tools.name
        if self.status == RECONNECT_NEEDED:
            return (
                f"The user's {name} connection needs to be renewed, so its tools are not "
                f"available: when they ask for their {name} mail, files or meetings, tell them "
                f"“your {name} connection needs to be renewed” and to reconnect it in Settings "
                f"→ Integrations ({self.settings_link})."
            )
        return (
            f"{name} is connected as {self.account}: its tools act in that account. Sending "
            "e-mail, sharing or uploading a file and creating or changing meetings or events "
            "wait for the user's confirmation: call the tool once with the exact content, then "
            "tell the user what will be sent and ask for yes or no."
        )

    @property
    def unavailable(self) -> str:
        return f"{self.tools.name}'s tools did not answer; try again in a moment."

    @property
    def settings_link(self) -> str:
        return self.owner.settings.crm_base_url.rstrip("/") + SETTINGS_PAGE

    async def definitions(self, session: AsyncSession, actor: Actor) -> list[ToolDefinition]:
        """The tools, listed once per connection (a token refused here marks the connection
        to renew, so the turn's instructions say so)."""
        async with self._listing:  # its groups ask at once, and share the turn's session
            found = self.owner.listing(self.key)
            if found is None and self.status == CONNECTED:
                found = await self._list(session, actor)
                if found is not None:
                    self.owner.keep_listing(self.key, found)
        return found or []

    async def get_tools(self, ctx: RunContext[TurnDeps]) -> dict[str, ToolsetTool[TurnDeps]]:
        definitions = await self.definitions(ctx.deps.session, ctx.deps.actor)
        return {
            d.name: ToolsetTool(
                toolset=self, tool_def=d, max_retries=ctx.max_retries, args_validator=ARGUMENTS
            )
            for d in definitions
        }

    async def call_tool(
        self,
        name: str,
        tool_args: dict[str, Any],
        ctx: RunContext[TurnDeps],
        tool: ToolsetTool[TurnDeps],
    ) -> Any:
        deps = ctx.deps
        name = self.tools.server_name(name)
        if name in self.tools.outgoing:
            if (ask := which_mailbox(deps, self.tools, name, ctx.prompt)) is not None:
                return ask
            return await self._hold(deps, name, tool_args)
        answer = await self.call(deps, name, tool_args)
        if not answer.ok and self.status == RECONNECT_NEEDED:
            deps.actions.append(Action(name, "failed", None, None, answer.error or ""))
        return answer.for_model()

    # Calls --------------------------------------------------------------------------------
    async def call(self, deps: TurnDeps, name: str, arguments: dict[str, Any]) -> Answer:
        """Call one tool (by the server's name) as the user; a refused token is refreshed and
        the call tried once more. Failures are answers with a sentence, never exceptions."""
        from crm.integrations.toolkit import refused_token  # the `mcp` SDK: the call needs it

        rejected: str | None = None
        for _attempt in range(2):
            token = await self._token(deps.session, deps.actor, rejected)
            if isinstance(token, Answer):
                return token
            try:
                async with self._client(token) as client:
                    result = await client.call_tool(name, arguments)
            except Exception as exc:  # the MCP server unreachable or broken: said, not raised
                log.warning("integration_call_failed", tool=name, reason=type(exc).__name__)
                return Answer(False, error=self.unavailable)
            if not refused_token(result):
                return _answer(result)
            rejected = token
        return _answer(result)

    async def _list(self, session: AsyncSession, actor: Actor) -> list[ToolDefinition] | None:
        token = await self._token(session, actor, None)
        if isinstance(token, Answer):
            return None
        try:
            async with self._client(token) as client:
                found = await client.list_tools()
        except Exception as exc:  # as in `call`: this turn goes on without them
            log.warning("integration_listing_failed", reason=type(exc).__name__)
            return None
        return [self._definition(t) for t in found.tools]

    def _definition(self, tool: Any) -> ToolDefinition:
        held = tool.name in self.tools.outgoing
        note = (HELD + (HELD_UPLOAD if "upload" in tool.name else "")) if held else ""
        name = self.tools.offered(tool.name)
        return ToolDefinition(
            name=name,
            description=(tool.description or "") + note,
            parameters_json_schema=tool.input_schema,
            # One call at a time: they share the turn's database session for the token.
            sequential=True,
            metadata={
                "service": self.tools.service,
                "group": self.tools.group_of(name),
                "held": held,
            },
        )

    async def _token(
        self, session: AsyncSession, actor: Actor, rejected: str | None
    ) -> "str | Answer":
        try:
            return await integration_service.access_token(
                session,
                actor,
                service=self.tools.service,
                settings=self.owner.settings,
                box=self.owner.box,
                rejected=rejected,
            )
        except ReconnectNeeded as exc:
            self.status = RECONNECT_NEEDED
            return Answer(False, error=f"{exc.detail} {self.settings_link}")
        except CRMError as exc:
            return Answer(False, error=exc.detail)

    def _client(self, token: str) -> AbstractAsyncContextManager["Client"]:
        return self.tools.connect(
            token, settings=self.owner.settings, http=self.owner.http, limits=self.owner.limits
        )

    # Confirmation -------------------------------------------------------------------------
    async def _hold(self, deps: TurnDeps, name: str, arguments: dict[str, Any]) -> Any:
        """Hold a write for the user's yes, with its preview; too big a write is refused (it
        would wait in the conversation's row)."""
        size = len(json.dumps(arguments))
        if size > HELD_LIMIT:
            return Answer(
                False,
                error=f"Too large to send from the chat ({size // 1024} KB; at most "
                f"{HELD_LIMIT // 1024} KB): tell the user to upload or send it in "
                f"{self.tools.name} itself. Nothing was held or sent.",
            ).for_model()
        shown = dict(arguments)
        if name == "sharepoint_share_document":
            shown["file_name"] = await self._file_name(deps, arguments)
        summary = self.tools.outgoing[name].preview(self.account, shown, deps.time_zone)
        call = {
            "tool": name,
            "arguments": dict(arguments),
            "name": self.tools.name,
            "summary": summary,
            "service": self.tools.service,
        }
        return hold(deps, call, Action(name, "held", None, None, summary))

    async def _file_name(self, deps: TurnDeps, arguments: dict[str, Any]) -> str | None:
        """The shared file's name for the preview (the model passes only its id)."""
        wanted = {k: arguments[k] for k in ("site_id", "item_id", "drive_id") if arguments.get(k)}
        answer = await self.call(deps, "sharepoint_get_document", wanted)
        found = answer.content if answer.ok and isinstance(answer.content, dict) else {}
        return found.get("name")

    async def run_confirmed(self, deps: TurnDeps, call: dict[str, Any]) -> Action:
        """Run one held call after the user's yes; note what went out, in the turn's actions
        and the activity log of the contacts it reached."""
        name, arguments = call["tool"], call["arguments"]
        outgoing = self.tools.outgoing[name]
        answer = await self.call(deps, name, arguments)
        if not answer.ok:
            action = Action(name, "failed", None, None, answer.error or "")
            deps.actions.append(action)
            return action
        first_line = call["summary"].split("\n", 1)[0]
        contacts = list(
            await contact_service.with_emails(
                deps.session, deps.actor, emails=outgoing.recipients(arguments)
            )
        )
        if outgoing.done is not None:
            what = outgoing.done(arguments, first_line, deps.time_zone)
        else:  # "Share x with y (view)" -> "Shared x with y (view)"
            verb, _, rest = first_line.partition(" ")
            what = f"{PAST.get(verb, verb)} {rest}"
        if outgoing.verb:
            for contact in contacts:
                await activity_service.record(
                    deps.session,
                    deps.actor,
                    entity_type="contact",
                    entity_id=contact.id,
                    owner_id=contact.owner_id,
                    action=outgoing.verb,  # type: ignore[arg-type]
                    changes={"summary": what},
                )
        first = contacts[0] if contacts else None
        action = Action(
            name, "done", "contact" if first else None, first.id if first else None, what
        )
        deps.actions.append(action)
        return action


def which_mailbox(
    deps: TurnDeps, tools: ServiceTools, name: str, prompt: Any
) -> dict[str, Any] | None:
    """With both mailboxes connected, a send the user's message does not place (by the
    mailbox's name or the account's address) is asked about first: "Outlook or Gmail?"."""
    if name not in tools.sends:
        return None
    mailboxes = [t for t in deps.toolsets if t.tools.sends and t.status == CONNECTED]
    if len(mailboxes) < 2:
        return None
    said = prompt if isinstance(prompt, str) else ""
    for toolset in mailboxes:
        address = toolset.connection.account_email
        if toolset.tools.names_it.search(said) or (
            address and address.casefold() in said.casefold()
        ):
            return None
    names = " or ".join(t.tools.mailbox for t in mailboxes)
    return {
        "ok": False,
        "error": f"Not sent and not held: both {names} are connected and the user did not say "
        f"which to send from. Ask the user “{names}?” and send once they answer.",
        "ask": f"{names}?",
    }


def instructions_for(toolsets: Sequence[ConnectedToolset]) -> str | None:
    """The turn's instructions about its connected services: which account each acts as (or
    that it must be renewed), and to ask which mailbox when both are connected."""
    lines = [t.instructions() for t in toolsets]
    mailboxes = [t.tools.mailbox for t in toolsets if t.tools.sends and t.status == CONNECTED]
    if len(mailboxes) > 1:
        names = " or ".join(mailboxes)
        lines.append(
            f"Both {names} are connected: when the user asks to send an e-mail without saying "
            f"from which, ask “{names}?” before calling a send tool."
        )
    return "\n".join(lines) or None


async def confirm_held(deps: TurnDeps, pending: Pending) -> list[Action]:
    """Run the held calls to connected services that the user has just confirmed."""
    done: list[Action] = []
    for call in pending.calls:
        service = call.get("service")
        if service is None:
            continue
        toolset = next((t for t in deps.toolsets if t.tools.service == service), None)
        if toolset is None:
            name = SERVICES[service].name if service in SERVICES else service
            action = Action(
                call["tool"],
                "failed",
                None,
                None,
                f"{name} is no longer connected; nothing was sent.",
            )
            deps.actions.append(action)
        else:
            action = await toolset.run_confirmed(deps, call)
        done.append(action)
    return done


def _answer(result: "CallToolResult") -> Answer:
    text = "\n".join(c.text for c in result.content if c.type == "text")
    if result.is_error:
        return Answer(False, error=text or "The service did not answer.")
    try:
        return Answer(True, json.loads(text))
    except ValueError:
        return Answer(True, text)


def _account(connection: IntegrationConnection) -> str:
    name, email = connection.account_name, connection.account_email
    if name and email:
        return f"{name} <{email}>"
    return email or name or "the connected account"


def _stamp(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""

"""The tools of the user's connected integrations (Microsoft 365; Google joins with one more
`ServiceTools`) for the assistant: a pydantic-ai toolset per connected service, over the
service's MCP server, acting with the chatting user's own access token.

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
- Each tool carries its group (mail, files, meetings) in its metadata, so a tool budget can
  offer a group by need (`toolset.filtered(...)`).

Why not pydantic-ai's `MCPToolset`: it runs on fastmcp's client, which is not installed; this
toolset is the small part of it the CRM needs over the official `mcp.Client`
(docs/assistant.md, "Integrations")."""

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pydantic_core
import structlog
from mcp import Client
from mcp_types import CallToolResult, TextContent
from pydantic_ai import RunContext
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.toolsets import AbstractToolset
from pydantic_ai.toolsets.abstract import ToolsetTool
from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity.service import activity as activity_service
from crm.assistant.tools import Action, Pending, TurnDeps, hold
from crm.auth.actor import Actor
from crm.config import Settings
from crm.contacts.service import contact as contact_service
from crm.errors import CRMError
from crm.integrations.http import new_http_client
from crm.integrations.ms365 import mcp_server as ms365_server
from crm.integrations.service import (
    CONNECTED,
    RECONNECT_NEEDED,
    SETTINGS_PAGE,
    ReconnectNeeded,
)
from crm.integrations.service import integration as integration_service
from crm.integrations.toolkit import refused_token
from crm.kit.crypto import SecretBox
from crm.kit.ratelimit import RateLimits
from crm.models import IntegrationConnection

log = structlog.get_logger()
# (token, settings, http, limits) -> a connected MCP client acting as that token's account
Connect = Callable[..., AbstractAsyncContextManager[Client]]
ARGUMENTS = pydantic_core.SchemaValidator(
    pydantic_core.core_schema.dict_schema(
        pydantic_core.core_schema.str_schema(), pydantic_core.core_schema.any_schema()
    )
)
LISTINGS_KEPT = 1024  # connections whose tool listing a process keeps
HELD = (
    " It acts outside the CRM, so the user is asked to confirm first: call it once with the "
    "exact content; they see a preview and answer yes or no."
)


@dataclass(frozen=True)
class Outgoing:
    """A write that leaves the CRM: what the user is shown before (`preview`), who it reaches
    (`recipients`, for the contacts' activity log) and the log's verb ("Ada emailed this
    contact")."""

    preview: Callable[[str, dict[str, Any]], str]  # (account, arguments) -> sentence
    recipients: Callable[[dict[str, Any]], list[str]] = lambda _: []
    verb: str | None = None
    done: str = "Done"  # the action's summary starts so once it succeeded


@dataclass(frozen=True)
class ServiceTools:
    """How the assistant reaches one service's MCP server."""

    service: str  # the connection's slug: ms365
    name: str  # as users know it: Microsoft 365
    connect: Connect
    groups: tuple[tuple[str, str], ...]  # (tool name prefix, group), the first match wins
    outgoing: Mapping[str, Outgoing]

    def group_of(self, tool: str) -> str:
        return next(group for prefix, group in self.groups if tool.startswith(prefix))


def _people(arguments: dict[str, Any], *keys: str) -> list[str]:
    return [str(a) for key in keys for a in arguments.get(key) or []]


def _listed(addresses: list[str]) -> str:
    return ", ".join(addresses) or "nobody"


def _mail_preview(account: str, a: dict[str, Any]) -> str:
    lines = [f"Send this e-mail from {account}", f"To: {_listed(_people(a, 'to'))}"]
    if a.get("cc"):
        lines.append(f"Cc: {_listed(_people(a, 'cc'))}")
    if a.get("bcc"):
        lines.append(f"Bcc: {_listed(_people(a, 'bcc'))}")
    lines += [f"Subject: {a.get('subject', '')}", "", str(a.get("body", ""))]
    return "\n".join(lines)


def _share_preview(account: str, a: dict[str, Any]) -> str:
    access = "edit" if a.get("access") == "edit" else "view"
    target = a.get("file_name") or f"the file {a.get('item_id')}"
    if a.get("recipients"):
        text = f"Share {target} from {account} with {_listed(_people(a, 'recipients'))} ({access})"
    else:
        anyone = a.get("link_scope") == "anonymous"
        scope = "anyone with the link" if anyone else "your organisation"
        text = f"Make a sharing link to {target} for {scope} ({access})"
    return text + (f", with the message: {a['message']}" if a.get("message") else "")


def _upload_preview(where: str) -> Callable[[str, dict[str, Any]], str]:
    def preview(account: str, a: dict[str, Any]) -> str:
        size = len(a.get("content_text") or "") or len(a.get("content_base64") or "") * 3 // 4
        folder = f" in the folder {a['folder_path']}" if a.get("folder_path") else ""
        return f"Upload {a.get('file_name')} ({size} bytes) to {where} of {account}{folder}"

    return preview


def _meeting_preview(account: str, a: dict[str, Any]) -> str:
    text = (
        f"Create a Teams meeting “{a.get('subject')}” from {account} at {a.get('start')} for "
        f"{a.get('duration_minutes', 30)} minutes, inviting {_listed(_people(a, 'attendees'))}"
    )
    return text + (f"; agenda: {a['agenda']}" if a.get("agenda") else "")


def _invite_preview(account: str, a: dict[str, Any]) -> str:
    return f"Invite {_listed(_people(a, 'attendees'))} to the Teams meeting {a.get('event_id')}"


MICROSOFT365 = ServiceTools(
    service="ms365",
    name="Microsoft 365",
    connect=ms365_server.connect,
    groups=(
        ("outlook_get_calendar_events", "meetings"),
        ("teams_", "meetings"),
        ("sharepoint_", "files"),
        ("onedrive_", "files"),
        ("", "mail"),  # outlook_*, auth_status
    ),
    outgoing={
        "outlook_send_email": Outgoing(
            _mail_preview, lambda a: _people(a, "to", "cc", "bcc"), "emailed", "Sent"
        ),
        "sharepoint_share_document": Outgoing(
            _share_preview, lambda a: _people(a, "recipients"), "shared a file with", "Shared"
        ),
        "sharepoint_upload_document": Outgoing(_upload_preview("SharePoint"), done="Uploaded"),
        "onedrive_upload_document": Outgoing(_upload_preview("the OneDrive"), done="Uploaded"),
        "teams_create_meeting": Outgoing(
            _meeting_preview, lambda a: _people(a, "attendees"), "invited", "Created"
        ),
        "teams_add_meeting_attendees": Outgoing(
            _invite_preview, lambda a: _people(a, "attendees"), "invited", "Invited"
        ),
    },
)
SERVICES: dict[str, ServiceTools] = {s.service: s for s in (MICROSOFT365,)}


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
        return [
            ConnectedToolset(self, SERVICES[s.provider.service], s.connection)
            for s in statuses
            if s.connection is not None
            and s.status in (CONNECTED, RECONNECT_NEEDED)
            and s.provider.service in SERVICES
        ]

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

    async def get_instructions(self, ctx: RunContext[TurnDeps]) -> str:
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
            "e-mail, sharing or uploading a file and creating or adding people to a meeting wait "
            "for the user's confirmation: call the tool once with the exact content, then tell "
            "the user what will be sent and ask for yes or no."
        )

    @property
    def unavailable(self) -> str:
        return f"{self.tools.name}'s tools did not answer; try again in a moment."

    @property
    def settings_link(self) -> str:
        return self.owner.settings.crm_base_url.rstrip("/") + SETTINGS_PAGE

    async def get_tools(self, ctx: RunContext[TurnDeps]) -> dict[str, ToolsetTool[TurnDeps]]:
        definitions = self.owner.listing(self.key)
        if definitions is None and self.status != CONNECTED:
            return {}  # nothing to list them with: the instructions say why
        if definitions is None:
            definitions = await self._list(ctx.deps)
            if definitions is None:
                return {}  # no token now: the instructions and the next turn say why
            self.owner.keep_listing(self.key, definitions)
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
        outgoing = self.tools.outgoing.get(name)
        if outgoing is not None:
            return await self._hold(deps, name, tool_args, outgoing)
        answer = await self.call(deps, name, tool_args)
        if not answer.ok and self.status == RECONNECT_NEEDED:
            deps.actions.append(Action(name, "failed", None, None, answer.error or ""))
        return answer.for_model()

    # Calls --------------------------------------------------------------------------------
    async def call(self, deps: TurnDeps, name: str, arguments: dict[str, Any]) -> Answer:
        """Call one tool as the user; a refused token is refreshed and the call tried once
        more. Failures are answers with a sentence, never exceptions."""
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

    async def _list(self, deps: TurnDeps) -> list[ToolDefinition] | None:
        token = await self._token(deps.session, deps.actor, None)
        if isinstance(token, Answer):
            return None
        try:
            async with self._client(token) as client:
                listed = await client.list_tools()
        except Exception as exc:  # as in `call`: this turn goes on without them
            log.warning("integration_listing_failed", reason=type(exc).__name__)
            return None
        return [self._definition(t) for t in listed.tools]

    def _definition(self, tool: Any) -> ToolDefinition:
        held = tool.name in self.tools.outgoing
        return ToolDefinition(
            name=tool.name,
            description=(tool.description or "") + (HELD if held else ""),
            parameters_json_schema=tool.input_schema,
            # One call at a time: they share the turn's database session for the token.
            sequential=True,
            metadata={
                "service": self.tools.service,
                "group": self.tools.group_of(tool.name),
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

    def _client(self, token: str) -> AbstractAsyncContextManager[Client]:
        return self.tools.connect(
            token, settings=self.owner.settings, http=self.owner.http, limits=self.owner.limits
        )

    # Confirmation -------------------------------------------------------------------------
    async def _hold(
        self, deps: TurnDeps, name: str, arguments: dict[str, Any], outgoing: Outgoing
    ) -> str:
        shown = dict(arguments)
        if name == "sharepoint_share_document":
            shown["file_name"] = await self._file_name(deps, arguments)
        summary = outgoing.preview(self.account, shown)
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
        recipients = outgoing.recipients(arguments)
        contacts = list(
            await contact_service.with_emails(deps.session, deps.actor, emails=recipients)
        )
        what = _what(outgoing.done, name, arguments, first_line)
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


def _what(done: str, name: str, arguments: dict[str, Any], preview: str) -> str:
    """What went out, in a line: "Sent the e-mail “Proposal” to jane@acme.com from Outlook"."""
    if name == "outlook_send_email":
        people = _listed(_people(arguments, "to", "cc", "bcc"))
        return f"Sent the e-mail “{arguments.get('subject')}” to {people} from Outlook"
    if name == "teams_create_meeting":
        people = _listed(_people(arguments, "attendees"))
        return (
            f"Created the Teams meeting “{arguments.get('subject')}” at {arguments.get('start')} "
            f"with {people}"
        )
    # "Share x with y (view)" -> "Shared: share x with y (view)", said plainly
    return f"{done}: {preview[0].lower()}{preview[1:]}"


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


def _answer(result: CallToolResult) -> Answer:
    text = "\n".join(c.text for c in result.content if isinstance(c, TextContent))
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

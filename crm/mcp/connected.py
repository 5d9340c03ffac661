"""The tools of the user's connected services (Microsoft 365, Google) on /mcp beside the CRM's
own, so one MCP entry gives an agent the CRM and the user's mail, files and meetings.

- Only the token's own user: the connections are read under that user's row-level-security
  context, and each call takes that user's current access token (refreshed under a row lock)
  onto that call's connection to the service's MCP server, through the assistant's
  `ConnectedToolset` (crm/assistant/integrations.py). The MCP client never sees it.
- The listing is the service's own (names, schemas, annotations), the same for every user,
  so a process fetches it once per service. A name the CRM or another service already serves
  (both services have `auth_status`) is served as `<service>_<name>`.
- What the assistant holds for the user's yes (sending, sharing, uploading, meetings) and
  what the service marks destructive is confirmed like the CRM's deletes (crm/mcp/server.py),
  showing the assistant's preview; once it went out, the contacts it reached have it in
  their activity log (channel mcp, the token's name)."""

import json
from dataclasses import dataclass
from typing import Any

import mcp_types as types
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from crm.assistant.connected_services import SERVICES, ServiceTools
from crm.assistant.integrations import Answer, ConnectedToolset
from crm.assistant.tools import TurnDeps
from crm.auth.actor import Actor
from crm.auth.service import user_zone
from crm.errors import CRMError
from crm.integrations.service import CONNECTED, RECONNECT_NEEDED
from crm.integrations.service import integration as integration_service
from crm.models import IntegrationConnection

log = structlog.get_logger()


class Remembering(ConnectedToolset):
    """The assistant's toolset, keeping its last answer: after a confirmed write the MCP
    client gets what the service answered (a sharing link, a message id)."""

    answered: Answer | None = None

    async def call(self, deps: TurnDeps, name: str, arguments: dict[str, Any]) -> Answer:
        self.answered = await super().call(deps, name, arguments)
        return self.answered


@dataclass(frozen=True)
class Served:
    """One tool of a connected service, as /mcp serves it to one user."""

    toolset: "Remembering"
    tool: types.Tool  # the service's own listing
    name: str  # the name /mcp serves it under

    @property
    def read_only(self) -> bool:
        return bool(self.tool.annotations and self.tool.annotations.read_only_hint)

    @property
    def outgoing(self) -> Any:
        """How the assistant previews this write that leaves the CRM, if it is one."""
        return self.toolset.tools.outgoing.get(self.tool.name)

    @property
    def confirmed_first(self) -> bool:
        hints = self.tool.annotations
        return self.outgoing is not None or bool(hints and hints.destructive_hint)

    def preview(self, arguments: dict[str, Any], zone: str) -> str:
        """What the user confirms, times in their zone: the assistant's preview, or the call."""
        account = self.toolset.account
        if self.outgoing is not None:
            return self.outgoing.preview(account, arguments, zone)
        title = self.tool.title or self.tool.name
        return f"{title} in {self.toolset.tools.name} as {account}: {json.dumps(arguments)}"


class ConnectedTools:
    """The connected services' side of /mcp, one per app; `state` is the app's (its
    `integrations` holds the sealing box, the HTTP pool and the rate limits)."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self._listings: dict[str, list[types.Tool]] = {}

    async def served(
        self, session: AsyncSession, actor: Actor, taken: set[str]
    ) -> dict[str, Served]:
        """The actor's connected services' tools by the name each is served under."""
        served: dict[str, Served] = {}
        for toolset in await self._toolsets(session, actor):
            for tool in await self._listing(session, actor, toolset):
                name = toolset.tools.offered(tool.name)
                if name in taken or name in served:
                    name = f"{toolset.tools.service}_{name}"
                served[name] = Served(toolset, tool, name)
        return served

    async def call(
        self, session: AsyncSession, actor: Actor, served: Served, arguments: dict[str, Any]
    ) -> Answer:
        """Call the tool as the actor (a write that leaves the CRM noted as the assistant
        notes it); failures are answers with a sentence."""
        deps = TurnDeps(session, actor, time_zone=(await user_zone(session, actor)).key)
        toolset, name = served.toolset, served.tool.name
        if served.outgoing is None:
            return await toolset.call(deps, name, arguments)
        summary = served.preview(arguments, deps.time_zone)
        held = {"tool": name, "arguments": arguments, "summary": summary}
        action = await toolset.run_confirmed(deps, held)
        return toolset.answered or Answer(False, error=action.summary)

    async def _toolsets(self, session: AsyncSession, actor: Actor) -> list["Remembering"]:
        integrations = self.state.integrations
        return [
            Remembering(integrations, tools, connection)
            for tools, connection in await connections(session, actor, integrations.settings)
        ]

    async def _listing(
        self, session: AsyncSession, actor: Actor, toolset: "Remembering"
    ) -> list[types.Tool]:
        """The service's tools, listed once per process with the first user's token."""
        service = toolset.tools.service
        if service in self._listings:
            return self._listings[service]
        owner = toolset.owner
        try:
            token = await integration_service.access_token(
                session, actor, service=service, settings=owner.settings, box=owner.box
            )
            connecting = toolset.tools.connect(
                token, settings=owner.settings, http=owner.http, limits=owner.limits
            )
            async with connecting as client:
                listed = (await client.list_tools()).tools
        except CRMError:
            return []  # not usable now (reconnect needed...): its calls would say so
        except Exception as exc:  # the service's MCP server unreachable: the CRM's tools go on
            log.warning("integration_listing_failed", service=service, reason=type(exc).__name__)
            return []
        self._listings[service] = listed
        return listed


async def connections(
    session: AsyncSession, actor: Actor, settings: Any
) -> list[tuple[ServiceTools, IntegrationConnection]]:
    """The actor's connections whose tools /mcp serves (connected, or to be renewed)."""
    statuses = await integration_service.list(session, actor, settings=settings)
    return [
        (SERVICES[s.provider.service], s.connection)
        for s in statuses
        if s.connection is not None
        and s.status in (CONNECTED, RECONNECT_NEEDED)
        and s.provider.service in SERVICES
    ]

"""/mcp on the app: the MCP server over streamable HTTP, stateless (any instance answers any
request), behind the SDK's bearer middleware; and the OAuth routes the MCP authorization spec
asks for (protected-resource and authorization-server metadata, registration, authorize,
token, revoke), all from the `mcp` SDK with the CRM's provider (crm/mcp/oauth.py); registration,
open to anyone, is counted per client address and its body capped."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.routes import (
    build_resource_metadata_url,
    create_auth_routes,
    create_protected_resource_routes,
)
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm.auth.api_tokens import PREFIX
from crm.auth.api_tokens import api_token as api_token_service
from crm.config import Settings
from crm.errors import TooManyRequests, Unauthorized
from crm.kit.crypto import SecretBox
from crm.mcp.oauth import SCOPES, OAuthProvider, scopes_of
from crm.mcp.server import CRMServer

PATH = "/mcp"
ISSUER_PATH = "/oauth"
METADATA = "/.well-known/oauth-authorization-server"
REGISTER = "/register"
MAX_REGISTRATION_BYTES = 16 * 1024  # a client's metadata is a few hundred bytes


class TokenVerifier:
    """Verifies a bearer token on /mcp: a personal access token, or an OAuth grant's access
    token bound to this resource. One lookup by hash (`crm_token_actor`)."""

    def __init__(self, state: Any, resource_url: str) -> None:
        self.state, self.resource_url = state, resource_url

    async def verify_token(self, token: str) -> AccessToken | None:
        if not token.startswith(PREFIX):
            return None
        try:
            async with self.state.db.sessions() as session, session.begin():
                grant = await api_token_service.grant(session, token, channel="mcp")
        except Unauthorized:
            return None
        if grant.resource is not None and grant.resource.rstrip("/") != self.resource_url:
            return None
        actor = grant.actor
        return AccessToken(
            token=token,
            client_id=grant.client_id or "personal",
            scopes=scopes_of(grant.scope),
            expires_at=int(grant.expires_at.timestamp()) if grant.expires_at else None,
            resource=grant.resource,
            subject=str(actor.user_id),
            claims={
                "workspace_id": str(actor.workspace_id),
                "role": actor.role.value,
                "name": actor.client,
                "token_id": str(grant.token_id),
            },
        )


class MCPEndpoint:
    """The routes of /mcp and of its OAuth, and the session manager the lifespan runs."""

    def __init__(self, settings: Settings, state: Any, box: SecretBox) -> None:
        self.state = state
        self.base_url = settings.crm_base_url.rstrip("/")
        self.resource_url = self.base_url + PATH
        self.issuer_url = self.base_url + ISSUER_PATH
        self.server = CRMServer(state)
        self.provider = OAuthProvider(state, box, self.base_url, self.resource_url)
        self.verifier = TokenVerifier(state, self.resource_url)
        self.manager = StreamableHTTPSessionManager(
            app=self.server.server,
            stateless=True,
            json_response=True,
            # The app checks the Host header (TrustedHostMiddleware), and /mcp takes no cookie,
            # only a bearer token, so a rebound DNS name in a browser gains nothing.
            security_settings=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The session manager's task group, for the app's lifespan. It lives in a task of
        its own: anyio's task group must end in the task that began it, and a lifespan may
        start and end in two (the tests' session-wide app does)."""
        started, stop = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with self.manager.run():
                started.set()
                await stop.wait()

        task = asyncio.create_task(hold())
        waiting = asyncio.create_task(started.wait())
        await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if task.done():
            task.result()  # it failed to start: raise its error
        try:
            yield
        finally:
            stop.set()
            await task

    def routes(self) -> list[BaseRoute]:
        issuer, resource = AnyHttpUrl(self.issuer_url), AnyHttpUrl(self.resource_url)
        endpoint = AuthenticationMiddleware(
            AuthContextMiddleware(
                RequireAuthMiddleware(
                    StreamableHTTPASGIApp(self.manager), [], build_resource_metadata_url(resource)
                )
            ),
            backend=BearerAuthBackend(self.verifier),
        )
        authorization = create_auth_routes(
            self.provider,
            issuer,
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=SCOPES, default_scopes=SCOPES
            ),
            revocation_options=RevocationOptions(enabled=True),
        )
        return [
            Route(PATH, endpoint=endpoint, include_in_schema=False),
            *create_protected_resource_routes(
                resource, [issuer], scopes_supported=SCOPES, resource_name="CRM"
            ),
            *(
                _under_issuer(route, self.state)
                for route in authorization
                if isinstance(route, Route)
            ),
        ]


class RegistrationGuard:
    """ASGI, before the SDK's registration handler: a registration is counted per client
    address (RATE_LIMIT_OAUTH_REGISTRATION) and its body read up to MAX_REGISTRATION_BYTES."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        try:
            await self.state.rate_limits.hit_registration(client[0] if client else "unknown")
        except TooManyRequests as exc:
            wait = exc.headers.get("Retry-After", "60")
            refusal = _refusal(
                429, f"Too many client registrations from this address; try again in {wait} s."
            )
            await refusal(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_REGISTRATION_BYTES:
                refusal = _refusal(
                    413, f"A client registration is at most {MAX_REGISTRATION_BYTES} bytes."
                )
                await refusal(scope, receive, send)
                return

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _refusal(status: int, sentence: str) -> JSONResponse:
    error = "invalid_client_metadata" if status == 413 else "too_many_requests"
    return JSONResponse({"error": error, "error_description": sentence}, status_code=status)


def _under_issuer(route: Route, state: Any) -> Route:
    """The SDK's authorization routes live at the root (/authorize, /register...), where the
    CRM's own pages are (/register is the sign-up page); with the issuer at /oauth they move
    under it, and the metadata to where RFC 8414 puts an issuer with a path. Registration gets
    its guard."""
    if route.path == METADATA:
        path = METADATA + ISSUER_PATH
    else:
        path = ISSUER_PATH + route.path
    endpoint = route.endpoint
    if route.path == REGISTER:
        endpoint = RegistrationGuard(route.app, state)
    return Route(path, endpoint=endpoint, methods=route.methods, include_in_schema=False)

"""The CRM as the OAuth authorization server of its MCP endpoint (the MCP authorization spec):
the `mcp` SDK serves the metadata, dynamic client registration, /authorize, /token and /revoke
and checks PKCE; this provider stores clients, codes and grants in PostgreSQL and sends the
user to the consent page (crm/mcp/pages.py). A grant is an `ApiToken` named after the client,
listed and revoked with the user's personal tokens; its access token lasts an hour, is bound to
the /mcp resource, and rotates with its refresh token, which lapses after 90 days unused."""

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    RegistrationError,
    TokenError,
    construct_redirect_uri,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.api_tokens import GRANT_IDLE, forget_spent, new_token
from crm.auth.tokens import hash_token
from crm.db import Database, set_context
from crm.errors import BadRequest
from crm.kit.crypto import SecretBox, UndecryptableSecret
from crm.models import ApiToken, OAuthClient, OAuthCode, TokenScope

SCOPES = ["read", "write"]
ACCESS_LIFETIME = timedelta(hours=1)
CODE_LIFETIME = timedelta(minutes=10)
CONSENT_LIFETIME = 600  # seconds a consent page stays valid
# What a registration may hold: the grant is named after the client (200 characters), a code
# keeps its redirect URI (2,000); the request's body is capped too (crm/mcp/http.py).
MAX_CLIENT_NAME, MAX_REDIRECT_URIS, MAX_REDIRECT_URI = 200, 10, 2000
ACCESS_PREFIX, REFRESH_PREFIX, CODE_PREFIX = "crm_oat_", "crm_ort_", "crm_oac_"
_SECRET_CONTEXT = "oauth client secret"  # noqa: S105 (a sealing context, not a secret)
_REQUEST_CONTEXT = "oauth consent request"


# A grant's refresh token works while the grant was used within GRANT_IDLE (its access token,
# an hour long, renewed at each refresh, ended less than that ago).
_NOT_IDLE = ApiToken.access_expires_at > func.now() - GRANT_IDLE


def scopes_of(scope: str) -> list[str]:
    return SCOPES if scope == TokenScope.write else ["read"]


@dataclass(frozen=True)
class ConsentRequest:
    """An authorization request waiting for the user's answer, carried sealed in the consent
    page's address (so any instance can show it, and nobody can alter it)."""

    client_id: str
    redirect_uri: str
    redirect_uri_provided_explicitly: bool
    code_challenge: str
    state: str | None
    scopes: list[str]
    resource: str
    expires: int

    def redirect(self, **params: str | None) -> str:
        return construct_redirect_uri(self.redirect_uri, state=self.state, **params)


class OAuthProvider:
    """The SDK's `OAuthAuthorizationServerProvider` over the CRM's tables. `state` is the app's
    (its database is opened by the lifespan, after the routes are made)."""

    def __init__(self, state: Any, box: SecretBox, base_url: str, resource_url: str) -> None:
        self.state, self.box = state, box
        self.base_url, self.resource_url = base_url, resource_url

    @property
    def db(self) -> Database:
        return self.state.db

    # Clients (dynamic registration)

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        async with self.db.transaction(client_id=client_id) as session:
            client = await session.get(OAuthClient, client_id)
        if client is None:
            return None
        try:
            secret = (
                self.box.decrypt(client.secret_sealed, context=_SECRET_CONTEXT)
                if client.secret_sealed
                else None
            )
        except UndecryptableSecret:
            return None  # sealed with a key since removed: the client registers again
        return OAuthClientInformationFull.model_validate(
            {**client.metadata_, "client_id": client_id, "client_secret": secret}
        )

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        _check_registration(client_info)
        metadata = client_info.model_dump(mode="json", exclude={"client_id", "client_secret"})
        sealed = (
            self.box.encrypt(client_info.client_secret, context=_SECRET_CONTEXT)
            if client_info.client_secret
            else None
        )
        # The row's id in the context: the insert reads back its defaults under the policy.
        async with self.db.transaction(client_id=client_info.client_id) as session:
            session.add(
                OAuthClient(
                    client_id=client_info.client_id, metadata_=metadata, secret_sealed=sealed
                )
            )

    # Authorization: the user consents in the CRM

    async def authorize(
        self, client: OAuthClientInformationFull, params: AuthorizationParams
    ) -> str:
        resource = params.resource or self.resource_url
        if resource.rstrip("/") != self.resource_url:
            raise AuthorizeError("invalid_target", "This server grants access to its /mcp only.")
        request = ConsentRequest(
            client_id=str(client.client_id),
            redirect_uri=str(params.redirect_uri),
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            code_challenge=params.code_challenge,
            state=params.state,
            scopes=[s for s in (params.scopes or SCOPES) if s in SCOPES] or SCOPES,
            resource=self.resource_url,
            expires=int(time.time()) + CONSENT_LIFETIME,
        )
        sealed = self.box.encrypt(json.dumps(request.__dict__), context=_REQUEST_CONTEXT)
        return f"{self.base_url}/oauth/consent?{urlencode({'request': sealed})}"

    def consent_request(self, sealed: str) -> ConsentRequest:
        """The request a consent page carries; an altered or stale one is refused."""
        try:
            request = ConsentRequest(
                **json.loads(self.box.decrypt(sealed, context=_REQUEST_CONTEXT))
            )
        except (UndecryptableSecret, ValueError, TypeError) as exc:
            raise BadRequest(
                "This authorization request is not valid; start again from the app."
            ) from exc
        if request.expires < time.time():
            raise BadRequest("This authorization request has expired; start again from the app.")
        return request

    async def approve(
        self, session: AsyncSession, actor: Actor, request: ConsentRequest, *, scope: TokenScope
    ) -> str:
        """The user said yes: a single-use code for the client, in the redirect to it."""
        if scope == TokenScope.write and "write" not in request.scopes:
            scope = TokenScope.read
        await forget_spent(session, actor.user_id)
        code, digest = new_token(CODE_PREFIX)
        session.add(
            OAuthCode(
                code_hash=digest,
                client_id=request.client_id,
                user_id=actor.user_id,
                workspace_id=actor.workspace_id,
                scope=scope.value,
                code_challenge=request.code_challenge,
                redirect_uri=request.redirect_uri,
                redirect_uri_provided_explicitly=request.redirect_uri_provided_explicitly,
                resource=request.resource,
                expires_at=datetime.now(UTC) + CODE_LIFETIME,
            )
        )
        await session.flush()
        return request.redirect(code=code)

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        async with self.db.transaction(token_hash=hash_token(authorization_code)) as session:
            row = await session.scalar(
                select(OAuthCode).where(
                    OAuthCode.code_hash == hash_token(authorization_code),
                    OAuthCode.used_at.is_(None),
                )
            )
        if row is None:
            return None
        return AuthorizationCode(
            code=authorization_code,
            scopes=scopes_of(row.scope),
            expires_at=row.expires_at.timestamp(),
            client_id=row.client_id,
            code_challenge=row.code_challenge,
            redirect_uri=row.redirect_uri,  # type: ignore[arg-type]
            redirect_uri_provided_explicitly=row.redirect_uri_provided_explicitly,
            resource=row.resource,
            subject=str(row.user_id),
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        digest = hash_token(authorization_code.code)
        async with self.db.transaction(token_hash=digest) as session:
            # A conditional update: two exchanges of one code cannot both win.
            used = (
                await session.execute(
                    update(OAuthCode)
                    .where(OAuthCode.code_hash == digest, OAuthCode.used_at.is_(None))
                    .values(used_at=datetime.now(UTC))
                    .returning(OAuthCode.user_id, OAuthCode.workspace_id, OAuthCode.scope)
                )
            ).first()
            if used is None:
                raise TokenError("invalid_grant", "The authorization code was already used.")
            user_id, workspace_id, scope = used
            await set_context(session, user_id=user_id, workspace_id=workspace_id)
            access, refresh = new_token(ACCESS_PREFIX), new_token(REFRESH_PREFIX)
            session.add(
                ApiToken(
                    user_id=user_id,
                    workspace_id=workspace_id,
                    name=client.client_name or "An MCP client",
                    scope=scope,
                    token_hash=access[1],
                    refresh_hash=refresh[1],
                    client_id=client.client_id,
                    resource=authorization_code.resource or self.resource_url,
                    access_expires_at=datetime.now(UTC) + ACCESS_LIFETIME,
                    created_at=datetime.now(UTC),
                )
            )
        return self._token(access[0], refresh[0], scope)

    # Refresh and revocation

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> RefreshToken | None:
        grant = await self._grant(refresh_token, ApiToken.refresh_hash, _NOT_IDLE)
        if grant is None:
            return None
        return RefreshToken(
            token=refresh_token,
            client_id=grant.client_id or "",
            scopes=scopes_of(grant.scope),
            resource=grant.resource,
            subject=str(grant.user_id),
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        digest = hash_token(refresh_token.token)
        access, refresh = new_token(ACCESS_PREFIX), new_token(REFRESH_PREFIX)
        scope = TokenScope.write if "write" in scopes else TokenScope.read
        async with self.db.transaction(token_hash=digest) as session:
            grant = await session.scalar(
                select(ApiToken).where(
                    ApiToken.refresh_hash == digest, ApiToken.revoked_at.is_(None), _NOT_IDLE
                )
            )
            if grant is None:
                raise TokenError("invalid_grant", "The refresh token is not valid any more.")
            await set_context(session, user_id=grant.user_id, workspace_id=grant.workspace_id)
            await session.execute(
                update(ApiToken)
                .where(ApiToken.id == grant.id)
                .values(
                    token_hash=access[1],
                    refresh_hash=refresh[1],
                    scope=scope.value,
                    access_expires_at=datetime.now(UTC) + ACCESS_LIFETIME,
                )
            )
        return self._token(access[0], refresh[0], scope.value)

    async def load_access_token(self, token: str) -> AccessToken | None:
        grant = await self._grant(token, ApiToken.token_hash)
        if grant is None:
            return None
        return AccessToken(
            token=token,
            client_id=grant.client_id or "",
            scopes=scopes_of(grant.scope),
            resource=grant.resource,
            subject=str(grant.user_id),
        )

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        """Revoke the whole grant, whichever of its two tokens the client presents."""
        digest = hash_token(token.token)
        async with self.db.transaction(token_hash=digest) as session:
            grant = await session.scalar(
                select(ApiToken).where(
                    (ApiToken.token_hash == digest) | (ApiToken.refresh_hash == digest)
                )
            )
            if grant is None:
                return
            await set_context(session, user_id=grant.user_id, workspace_id=grant.workspace_id)
            await session.execute(
                update(ApiToken).where(ApiToken.id == grant.id).values(revoked_at=datetime.now(UTC))
            )

    async def _grant(self, token: str, column: Any, *more: Any) -> ApiToken | None:
        digest = hash_token(token)
        async with self.db.transaction(token_hash=digest) as session:
            return await session.scalar(
                select(ApiToken).where(
                    column == digest,
                    ApiToken.client_id.is_not(None),
                    ApiToken.revoked_at.is_(None),
                    *more,
                )
            )

    def _token(self, access: str, refresh: str, scope: str) -> OAuthToken:
        return OAuthToken(
            access_token=access,
            token_type="Bearer",  # noqa: S106 (the OAuth token type)
            expires_in=int(ACCESS_LIFETIME.total_seconds()),
            scope=" ".join(scopes_of(scope)),
            refresh_token=refresh,
        )

    async def client_name(self, client_id: str) -> str:
        client = await self.get_client(client_id)
        return (client.client_name if client else None) or "An MCP client"


def _check_registration(client: OAuthClientInformationFull) -> None:
    """Refuse a registration larger than what the CRM keeps of it."""
    uris = [str(uri) for uri in client.redirect_uris or []]
    if len(client.client_name or "") > MAX_CLIENT_NAME:
        problem = f"client_name is longer than {MAX_CLIENT_NAME} characters"
    elif len(uris) > MAX_REDIRECT_URIS:
        problem = f"more than {MAX_REDIRECT_URIS} redirect_uris"
    elif any(len(uri) > MAX_REDIRECT_URI for uri in uris):
        problem = f"a redirect URI is longer than {MAX_REDIRECT_URI} characters"
    else:
        return
    raise RegistrationError("invalid_client_metadata", problem)

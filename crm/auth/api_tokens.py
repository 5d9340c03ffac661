"""Bearer tokens for other programs: personal access tokens a user makes, and the grants a user
gives OAuth clients (crm/mcp/oauth.py), listed and revoked together. Tokens carry a prefix, so
the request path tells them from the CRM's own JWTs without a lookup, and are stored as their
SHA-256; presenting one is one round trip (`crm_token_actor`, migration 0015)."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from secrets import token_urlsafe

from sqlalchemy import Uuid, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor, Channel
from crm.auth.schemas import ApiTokenInput, ApiTokenOut
from crm.auth.tokens import hash_token
from crm.errors import Forbidden, Invalid, NotFound, Unauthorized
from crm.kit.ratelimit import RateLimits
from crm.models import ApiToken, OAuthCode, Role, TokenScope

EXPIRED_KEPT = timedelta(days=30)  # an expired personal token stays listed (as expired) so long
GRANT_IDLE = timedelta(days=90)  # an app grant whose refresh token goes unused so long lapses
PREFIX = "crm_"
PERSONAL = "crm_pat_"
_TOKEN_ACTOR = text(
    "SELECT token_id, user_id, workspace_id, role, scope, name, client_id, resource, expires_at "
    "FROM crm_token_actor(:presented)"
).columns(token_id=Uuid, user_id=Uuid, workspace_id=Uuid)


def new_token(prefix: str) -> tuple[str, str]:
    """A random token with its kind's prefix, and the SHA-256 the server keeps of it."""
    token = prefix + token_urlsafe(32)
    return token, hash_token(token)


@dataclass(frozen=True)
class Grant:
    """What a presented token allows: its actor (named after the token), its scope, and for an
    OAuth grant the client and the resource its access token is bound to."""

    actor: Actor
    token_id: uuid.UUID
    scope: TokenScope
    client_id: str | None
    resource: str | None
    expires_at: datetime | None

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.write


def out(token: ApiToken) -> ApiTokenOut:
    return ApiTokenOut(
        id=token.id,
        name=token.name,
        scope=TokenScope(token.scope),
        kind="app" if token.client_id else "personal",
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
    )


class ApiTokenService:
    async def create(
        self, session: AsyncSession, actor: Actor, *, body: ApiTokenInput
    ) -> tuple[ApiToken, str]:
        """Make a personal access token; answers the row and the secret (shown once)."""
        _signed_in(actor)
        if body.expires_at is not None:
            if body.expires_at.tzinfo is None:
                raise Invalid("expires_at", "give a time zone offset")
            if body.expires_at <= datetime.now(UTC):
                raise Invalid("expires_at", "must be in the future")
        await forget_spent(session, actor.user_id)
        secret, digest = new_token(PERSONAL)
        token = ApiToken(
            user_id=actor.user_id,
            workspace_id=actor.workspace_id,
            name=body.name,
            scope=body.scope.value,
            token_hash=digest,
            expires_at=body.expires_at,
            created_at=datetime.now(UTC),
        )
        session.add(token)
        await session.flush()
        return token, secret

    async def list(self, session: AsyncSession, actor: Actor) -> list[ApiToken]:
        """The user's tokens and app grants that are not revoked, newest first."""
        statement = (
            select(ApiToken)
            .where(ApiToken.user_id == actor.user_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id)
        )
        return list((await session.scalars(statement)).all())

    async def revoke(self, session: AsyncSession, actor: Actor, *, token_id: uuid.UUID) -> None:
        """Revoke one of the user's tokens or app grants: it stops working at once."""
        _signed_in(actor)
        revoked = await session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                ApiToken.user_id == actor.user_id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=datetime.now(UTC))
            .returning(ApiToken.id)
        )
        if revoked.first() is None:
            raise NotFound("No such token.")

    async def grant(self, session: AsyncSession, token: str, *, channel: Channel) -> Grant:
        """The grant of a presented token; sets the transaction's RLS context to its user."""
        row = (await session.execute(_TOKEN_ACTOR, {"presented": hash_token(token)})).one_or_none()
        if row is None:
            raise Unauthorized("The token is unknown, expired or revoked.")
        actor = Actor(row.user_id, row.workspace_id, Role(row.role), channel, client=row.name)
        return Grant(
            actor, row.token_id, TokenScope(row.scope), row.client_id, row.resource, row.expires_at
        )


async def api_actor(
    session: AsyncSession, limits: RateLimits, token: str, *, writes: bool
) -> Actor:
    """The REST API's actor of a presented token: a read token may not write, and an OAuth
    grant's token is bound to the MCP server (RFC 8707), so it is refused here."""
    grant = await api_token.grant(session, token, channel="api")
    if grant.resource is not None:
        raise Unauthorized("This token was issued for the MCP server only.")
    await limits.hit_api(str(grant.actor.user_id))
    if writes and not grant.can_write:
        raise Forbidden("This token can only read; make a write token to change records.")
    return grant.actor


async def forget_spent(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Delete a user's spent credentials: authorization codes used or expired, tokens and
    grants revoked, personal tokens expired EXPIRED_KEPT ago, app grants idle GRANT_IDLE.
    Done on use (a new token, a consent), under the user's own row-level-security context:
    nothing else may see them."""
    await session.execute(
        delete(OAuthCode).where(
            OAuthCode.user_id == user_id,
            or_(OAuthCode.used_at.is_not(None), OAuthCode.expires_at < func.now()),
        )
    )
    await session.execute(
        delete(ApiToken).where(
            ApiToken.user_id == user_id,
            or_(
                ApiToken.revoked_at.is_not(None),
                ApiToken.expires_at < func.now() - EXPIRED_KEPT,
                ApiToken.access_expires_at < func.now() - GRANT_IDLE,
            ),
        )
    )


def _signed_in(actor: Actor) -> None:
    # A token cannot make or revoke tokens: that takes the signed-in user.
    if actor.client is not None:
        raise Forbidden("Tokens are managed by the signed-in user, not with a token.")


api_token = ApiTokenService()

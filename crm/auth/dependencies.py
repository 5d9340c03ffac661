"""Request dependencies: the unit of work, the actor, the rate limits. Endpoint signatures read
`session: SessionDep, actor: ActorDep`."""

import hmac
from collections.abc import AsyncIterator
from typing import Annotated

import structlog
from fastapi import Depends, Request
from sqlalchemy import Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth import api_tokens, cookies
from crm.auth.actor import Actor, Channel
from crm.auth.service import TokenIssuer
from crm.auth.tokens import AccessClaims
from crm.db import Database, core
from crm.errors import CRMError, Forbidden, Unauthorized
from crm.kit.crypto import SecretBox
from crm.kit.ratelimit import RateLimits
from crm.models import Role

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_ACTOR = text(
    "SELECT role, password_changed_at FROM crm_actor(:user_id, :workspace_id)"
).bindparams(bindparam("user_id", type_=Uuid), bindparam("workspace_id", type_=Uuid))


async def unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response is sent, rolled back on
    an error (unless the error must keep its changes, such as a revoked token family)."""
    db: Database = request.app.state.db
    async with db.sessions() as session:
        await session.begin()
        try:
            yield session
        except CRMError as exc:
            await (session.commit() if exc.keeps_changes else session.rollback())
            raise
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


SessionDep = Annotated[AsyncSession, Depends(unit_of_work, scope="function")]


# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def` in a
# worker thread, which costs more than the work itself.
async def issuer(request: Request) -> TokenIssuer:
    return request.app.state.issuer


async def rate_limits(request: Request) -> RateLimits:
    return request.app.state.rate_limits


IssuerDep = Annotated[TokenIssuer, Depends(issuer)]
RateLimitsDep = Annotated[RateLimits, Depends(rate_limits)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def current_actor(request: Request, session: SessionDep) -> Actor:
    """The authenticated caller, from a Bearer token (API) or the session cookie (web pages,
    which must also send the CSRF token on every state-changing request)."""
    # The issuer and the limits straight from the app's state: every API request solves this
    # dependency, and each sub-dependency is a solving pass of its own.
    state = request.app.state
    issuer: TokenIssuer = state.issuer
    limits: RateLimits = state.rate_limits
    header = request.headers.get("authorization", "")
    scheme, _, bearer = header.partition(" ")
    if bearer and scheme.lower() == "bearer":
        token, channel = bearer.strip(), "api"
        if token.startswith(api_tokens.PREFIX):  # a personal access token: one lookup by hash
            writes = request.method not in SAFE_METHODS
            return await api_tokens.api_actor(session, limits, token, writes=writes)
    elif (cookie := request.cookies.get(cookies.ACCESS)) is not None:
        token, channel = cookie, "web"
        if request.method not in SAFE_METHODS:
            await check_csrf(request)
    else:
        raise Unauthorized("Sign in first: send a Bearer access token.")
    claims = issuer.signer.verify_access(token)
    return await actor_for(session, limits, claims, channel)


async def actor_for(
    session: AsyncSession, limits: RateLimits, claims: AccessClaims, channel: Channel
) -> Actor:
    """The actor of a verified token: counts the per-user rate limit, sets the transaction's
    RLS context and loads the current role (a removed member is refused at once, and so is a
    token issued before the user's last password change)."""
    await limits.hit_api(str(claims.user_id))
    # One round trip sets the context and reads the membership (migration 0012).
    ids = {"user_id": claims.user_id, "workspace_id": claims.workspace_id}
    row = (await (await core(session)).execute(_ACTOR, ids)).one_or_none()
    if row is None:
        raise Unauthorized("You are no longer a member of this workspace.")
    role, password_changed_at = row
    if claims.issued_at < int(password_changed_at.timestamp()):
        raise Unauthorized("Your password was changed; sign in again.")
    # Every log line of the request names who made it (crm.kit.logging).
    structlog.contextvars.bind_contextvars(
        user_id=str(claims.user_id), workspace_id=str(claims.workspace_id)
    )
    return Actor(claims.user_id, claims.workspace_id, Role(role), channel)


async def check_csrf(request: Request) -> None:
    """Double-submit check: the CSRF cookie must equal the X-CSRF-Token header (scripts, HTMX)
    or, for a plain HTML form, its hidden `csrf_token` field."""
    expected = request.cookies.get(cookies.CSRF, "")
    given = request.headers.get(cookies.CSRF_HEADER)
    if given is None and _is_form(request):
        # Starlette caches the parsed form, so the endpoint's Form(...) fields still read it.
        value = (await request.form()).get(cookies.CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not expected or not hmac.compare_digest(expected, given or ""):
        raise Forbidden("Missing or wrong CSRF token; reload the page and try again.")


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in ("application/x-www-form-urlencoded", "multipart/form-data")


ActorDep = Annotated[Actor, Depends(current_actor)]


async def secret_box(request: Request) -> SecretBox:
    """The app's box for secrets at rest, made once from CRM_SECRET_KEY."""
    state = request.app.state
    if getattr(state, "secret_box", None) is None:
        state.secret_box = SecretBox.from_settings(state.settings)
    return state.secret_box


SecretBoxDep = Annotated[SecretBox, Depends(secret_box)]

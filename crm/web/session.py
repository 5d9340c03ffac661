"""The pages' session: the same cookies as `POST /api/v1/auth/session`, read by page routes.
A page whose access cookie has expired rotates the session with the refresh cookie on its own;
a request with no usable session is sent to /login?next=<where it was going>."""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth import cookies
from crm.auth.actor import Actor
from crm.auth.dependencies import (
    SAFE_METHODS,
    IssuerDep,
    RateLimitsDep,
    SessionDep,
    actor_for,
    check_csrf,
)
from crm.auth.service import Tokens
from crm.auth.service import auth as auth_service
from crm.auth.tokens import AccessClaims
from crm.db import Database
from crm.errors import CRMError, Unauthorized
from crm.models import UserAccount, Workspace
from crm.notifications.service import notification as notification_service
from crm.workspaces.service import workspace as workspace_service

# Set-Cookie headers a page route wants sent with whatever response it ends up giving;
# crm.web.security.PageHeaders adds them.
SESSION_COOKIES = "crm_session_cookies"
CSRF_STATE = "crm_csrf"


class SignInRequired(Unauthorized):
    """A page needs a signed-in user; answered with a redirect to the sign-in page."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "Sign in to continue.")


def safe_next(value: str | None, default: str = "/settings") -> str:
    """A same-site relative path to go to after signing in, or `default`."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return default
    if value.startswith(("//", "/\\")) or any(c in value for c in "\\\r\n\t"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def login_url(next_path: str | None) -> str:
    target = safe_next(next_path, default="")
    return "/login" + (f"?{urlencode({'next': target})}" if target else "")


def request_path(request: Request) -> str:
    """Where the user was: the page for an HTMX request (HX-Current-URL), else this URL."""
    current = request.headers.get("hx-current-url") if is_htmx(request) else None
    url = urlsplit(current) if current else request.url
    return url.path + (f"?{url.query}" if url.query else "")


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def secure_cookies(request: Request) -> bool:
    return request.app.state.settings.crm_base_url.startswith("https://")


def set_session(request: Request, tokens: Tokens, *, keep_csrf: bool = False) -> str:
    """Start (or continue) the cookie session with `tokens` on this request's response; answers
    the CSRF token the rendered page must carry."""
    scratch = Response()
    csrf = cookies.start_session(
        scratch,
        tokens,
        secure=secure_cookies(request),
        refresh_days=request.app.state.settings.refresh_token_days,
        csrf=request.cookies.get(cookies.CSRF) if keep_csrf else None,
    )
    setattr(request.state, SESSION_COOKIES, scratch.headers.getlist("set-cookie"))
    setattr(request.state, CSRF_STATE, csrf)
    return csrf


def csrf_token(request: Request) -> str:
    """The CSRF token the page must send back: the one just set, else the cookie's."""
    return getattr(request.state, CSRF_STATE, None) or request.cookies.get(cookies.CSRF, "")


async def _claims(request: Request, issuer: IssuerDep) -> AccessClaims:
    if access := request.cookies.get(cookies.ACCESS):
        try:
            return issuer.signer.verify_access(access)
        except Unauthorized:
            pass  # expired or from an old key: try the refresh cookie
    refresh = request.cookies.get(cookies.REFRESH)
    if not refresh:
        raise SignInRequired()
    # Rotate in a transaction of its own, so the new tokens exist whatever the page then does
    # (and a replayed token's family revocation sticks).
    db: Database = request.app.state.db
    async with db.sessions() as rotation:
        await rotation.begin()
        try:
            tokens = await auth_service.refresh(rotation, issuer, token=refresh)
        except CRMError as exc:
            await (rotation.commit() if exc.keeps_changes else rotation.rollback())
            raise SignInRequired(exc.detail) from exc
        await rotation.commit()
    set_session(request, tokens, keep_csrf=True)
    return issuer.signer.verify_access(tokens.access_token)


async def page_actor(
    request: Request, session: SessionDep, issuer: IssuerDep, limits: RateLimitsDep
) -> Actor:
    """The signed-in user of a page request (cookie session; CSRF checked on unsafe methods)."""
    claims = await _claims(request, issuer)
    if request.method not in SAFE_METHODS:
        await check_csrf(request)
    return await actor_for(session, limits, claims, "web")


PageActorDep = Annotated[Actor, Depends(page_actor)]


@dataclass(frozen=True)
class Shell:
    """What every signed-in page shows around its content: who, where, and the logo."""

    actor: Actor
    user: UserAccount
    workspace: Workspace
    logo_version: int | None
    unread: int = 0


async def load_shell(session: AsyncSession, actor: Actor) -> Shell:
    user = await auth_service.get_me(session, actor)
    workspace = await workspace_service.get(session, actor)
    logo = await workspace_service.logo(session, actor)
    version = int(logo.updated_at.timestamp()) if logo is not None else None
    unread = await notification_service.unread(session, actor)
    return Shell(actor, user, workspace, version, unread)


async def page_shell(session: SessionDep, actor: PageActorDep) -> Shell:
    return await load_shell(session, actor)


ShellDep = Annotated[Shell, Depends(page_shell)]

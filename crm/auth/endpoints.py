"""REST endpoints of accounts and authentication (DESIGN.md section 4)."""

from fastapi import Request, Response, status

from crm.auth import cookies
from crm.auth.dependencies import (
    ActorDep,
    IssuerDep,
    RateLimitsDep,
    SessionDep,
    check_csrf,
    client_ip,
)
from crm.auth.schemas import (
    AcceptInviteInput,
    ChangePasswordInput,
    LoginInput,
    MeOut,
    RefreshInput,
    RegisterInput,
    SessionOut,
    TokensOut,
    UpdateMeInput,
    UserOut,
)
from crm.auth.service import Tokens
from crm.auth.service import auth as auth_service
from crm.errors import Unauthorized
from crm.kit.routing import Router
from crm.workspaces.service import workspace as workspace_service

router = Router(prefix="/api/v1", tags=["auth"])


def _tokens_out(tokens: Tokens) -> TokensOut:
    return TokensOut(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        user=UserOut.model_validate(tokens.user),
    )


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
async def register(
    body: RegisterInput,
    request: Request,
    session: SessionDep,
    issuer: IssuerDep,
    limits: RateLimitsDep,
) -> TokensOut:
    """Create an account with its own workspace, and sign in."""
    await limits.hit_auth(client_ip(request), body.email)
    tokens = await auth_service.register(
        session,
        issuer,
        email=body.email,
        password=body.password,
        name=body.name,
        time_zone=body.time_zone,
        clock=body.clock,
    )
    return _tokens_out(tokens)


@router.post("/auth/login")
async def login(
    body: LoginInput,
    request: Request,
    session: SessionDep,
    issuer: IssuerDep,
    limits: RateLimitsDep,
) -> TokensOut:
    """Sign in with e-mail and password."""
    await limits.hit_auth(client_ip(request), body.email)
    tokens = await auth_service.login(session, issuer, email=body.email, password=body.password)
    return _tokens_out(tokens)


@router.post("/auth/refresh")
async def refresh(body: RefreshInput, session: SessionDep, issuer: IssuerDep) -> TokensOut:
    """Exchange a refresh token for new tokens; the old one stops working."""
    return _tokens_out(await auth_service.refresh(session, issuer, token=body.refresh_token))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshInput, session: SessionDep) -> None:
    """Revoke the refresh token and every token rotated from the same login."""
    await auth_service.logout(session, token=body.refresh_token)


@router.post("/auth/invites/accept", status_code=status.HTTP_201_CREATED)
async def accept_invite(
    body: AcceptInviteInput,
    request: Request,
    session: SessionDep,
    issuer: IssuerDep,
    limits: RateLimitsDep,
) -> TokensOut:
    """Create the invited account in the inviting workspace, and sign in."""
    await limits.hit_auth(client_ip(request), body.token)
    user, workspace_id = await workspace_service.accept_invite(
        session, token=body.token, name=body.name, password=body.password
    )
    return _tokens_out(await issuer.issue(session, user, workspace_id))


# The web pages' cookie session: the same service calls, with tokens kept in HttpOnly cookies.


@router.post("/auth/session")
async def start_session(
    body: LoginInput,
    request: Request,
    response: Response,
    session: SessionDep,
    issuer: IssuerDep,
    limits: RateLimitsDep,
) -> SessionOut:
    """Sign in for the web pages: sets the session cookies and answers the CSRF token."""
    await limits.hit_auth(client_ip(request), body.email)
    tokens = await auth_service.login(session, issuer, email=body.email, password=body.password)
    csrf = cookies.start_session(
        response, tokens, secure=_secure(request), refresh_days=_refresh_days(request)
    )
    return SessionOut(user=UserOut.model_validate(tokens.user), csrf_token=csrf)


@router.post("/auth/session/refresh")
async def refresh_session(
    request: Request, response: Response, session: SessionDep, issuer: IssuerDep
) -> SessionOut:
    """Rotate the cookie session's tokens."""
    await check_csrf(request)
    token = request.cookies.get(cookies.REFRESH)
    if not token:
        raise Unauthorized("No session to refresh; sign in again.")
    tokens = await auth_service.refresh(session, issuer, token=token)
    csrf = cookies.start_session(
        response, tokens, secure=_secure(request), refresh_days=_refresh_days(request)
    )
    return SessionOut(user=UserOut.model_validate(tokens.user), csrf_token=csrf)


@router.delete("/auth/session", status_code=status.HTTP_204_NO_CONTENT)
async def end_session(request: Request, response: Response, session: SessionDep) -> None:
    """Sign out of the web pages."""
    await check_csrf(request)
    if token := request.cookies.get(cookies.REFRESH):
        await auth_service.logout(session, token=token)
    cookies.end_session(response, secure=_secure(request))


@router.get("/me")
async def me(session: SessionDep, actor: ActorDep) -> MeOut:
    """The signed-in user."""
    return _me_out(await auth_service.get_me(session, actor), actor)


@router.patch("/me")
async def update_me(body: UpdateMeInput, session: SessionDep, actor: ActorDep) -> MeOut:
    """Change your name, time zone or clock."""
    user = await auth_service.update_me(
        session, actor, name=body.name, time_zone=body.time_zone, clock=body.clock
    )
    return _me_out(user, actor)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: ChangePasswordInput, session: SessionDep, actor: ActorDep) -> None:
    """Change your password; every refresh token of yours stops working."""
    await auth_service.change_password(
        session, actor, current_password=body.current_password, new_password=body.new_password
    )


def _me_out(user, actor) -> MeOut:  # type: ignore[no-untyped-def]
    return MeOut(
        id=user.id,
        email=user.email,
        name=user.name,
        time_zone=user.time_zone,
        clock=user.clock,
        workspace_id=actor.workspace_id,
        role=actor.role.value,
    )


def _secure(request: Request) -> bool:
    return request.app.state.settings.crm_base_url.startswith("https://")


def _refresh_days(request: Request) -> int:
    return request.app.state.settings.refresh_token_days

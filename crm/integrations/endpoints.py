"""REST endpoints of the integrations: list, connect (OAuth 2.0 with PKCE), the provider's
callback (reached by the browser, on the cookie session) and disconnect."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request, status
from fastapi.responses import RedirectResponse

from crm.auth.dependencies import ActorDep, IssuerDep, RateLimitsDep, SecretBoxDep, SessionDep
from crm.integrations.schemas import (
    AccountOut,
    ConnectInput,
    ConnectOut,
    IntegrationList,
    IntegrationOut,
)
from crm.integrations.service import SETTINGS_PAGE, CallbackRefused, IntegrationStatus
from crm.integrations.service import integration as integration_service
from crm.kit.openapi import problems
from crm.kit.routing import Router
from crm.web.session import SignInRequired, login_url, page_actor

router = Router(prefix="/api/v1/integrations", tags=["integrations"], responses=problems(401))
QueryText = Annotated[str | None, Query(max_length=2000)]


def integration_out(item: IntegrationStatus) -> IntegrationOut:
    row = item.connection if item.status != "not_configured" else None
    return IntegrationOut(
        service=item.provider.service,
        name=item.provider.name,
        status=item.status,  # type: ignore[arg-type]
        account=AccountOut(email=row.account_email, name=row.account_name) if row else None,
        scopes=list(row.scopes) if row else [],
        connected_at=row.connected_at if row else None,
        last_sync_at=row.last_sync_at if row else None,
        last_error=row.last_error if row else None,
    )


@router.get("")
async def list_integrations(
    request: Request, session: SessionDep, actor: ActorDep
) -> IntegrationList:
    """The services you can connect (Microsoft 365, …) and your connection to each."""
    items = await integration_service.list(session, actor, settings=request.app.state.settings)
    return IntegrationList(items=[integration_out(i) for i in items])


@router.post("/connect", responses=problems(409, 422))
async def connect(
    body: ConnectInput, request: Request, session: SessionDep, actor: ActorDep, box: SecretBoxDep
) -> ConnectOut:
    """Start connecting a service: open `authorization_url` in the browser, where you sign in
    and consent; the provider then sends you back to the callback (within ten minutes)."""
    url = await integration_service.connect(
        session, actor, service=body.service, settings=request.app.state.settings, box=box
    )
    return ConnectOut(authorization_url=url)


@router.get(
    "/{service}/callback",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    responses={303: {"description": "To Settings → Integrations (with `?error=` on failure)"}},
)
async def callback(
    service: str,
    request: Request,
    session: SessionDep,
    issuer: IssuerDep,
    limits: RateLimitsDep,
    box: SecretBoxDep,
    code: QueryText = None,
    state: QueryText = None,
    error: QueryText = None,
) -> RedirectResponse:
    """Where the provider sends the browser back: completes the grant and answers 303 to
    Settings → Integrations, with `?error=<reason>` when nobody was connected."""
    try:
        actor = await page_actor(request, session, issuer, limits)
    except SignInRequired:
        return RedirectResponse(login_url(str(request.url.path) + "?" + request.url.query), 303)
    try:
        await integration_service.complete(
            session,
            actor,
            service=service,
            settings=request.app.state.settings,
            box=box,
            state=state,
            code=code,
            error=error,
        )
    except CallbackRefused as refused:
        # The spent state stays spent: this request's transaction still commits.
        target = f"{SETTINGS_PAGE}?{urlencode({'error': refused.reason, 'service': service})}"
        return RedirectResponse(target, status.HTTP_303_SEE_OTHER)
    return RedirectResponse(
        f"{SETTINGS_PAGE}?{urlencode({'connected': service})}", status.HTTP_303_SEE_OTHER
    )


@router.delete("/{service}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(422))
async def disconnect(service: str, session: SessionDep, actor: ActorDep) -> None:
    """Disconnect a service: its tokens are deleted (nothing happens when it is not connected)."""
    await integration_service.disconnect(session, actor, service=service)

"""Settings → Integrations: a card per service the server knows (crm.integrations.providers)
with the user's connection, Connect / Reconnect / Disconnect (confirmed on a second screen, so
it also works without JavaScript), and the outcome of the provider's callback in words."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.dependencies import SecretBoxDep, SessionDep
from crm.errors import CRMError
from crm.integrations.providers import PROVIDERS
from crm.integrations.service import CALLBACK_ERRORS, redirect_uri
from crm.integrations.service import integration as integration_service
from crm.web.session import Shell, ShellDep, is_htmx
from crm.web.settings import SettingsTab, render_settings
from crm.web.templating import toast

router = APIRouter(include_in_schema=False)
TAB = "integrations"
STATUS_LABELS = {
    "not_configured": ("Not set up", "tone-gray"),
    "disconnected": ("Not connected", "tone-gray"),
    "connected": ("Connected", "tone-green"),
    "reconnect_needed": ("Reconnect needed", "tone-amber"),
}


async def _no_more(session: AsyncSession, shell: Shell) -> dict[str, Any]:
    # What the tab shows depends on the server's settings and the address's query, which a
    # tab loader does not get: every render goes through `_render` below, which passes it.
    return {}


integrations_tab = SettingsTab(TAB, "Integrations", "link", "settings/_integrations.html", _no_more)


async def _render(
    request: Request,
    session: AsyncSession,
    shell: Shell,
    *,
    done: str | None = None,
    failed: str | None = None,
    confirm: str | None = None,
) -> HTMLResponse:
    settings = request.app.state.settings
    items = await integration_service.list(session, shell.actor, settings=settings)
    toasts = [toast(done)] if done else [toast(failed, "error")] if failed else None
    return await render_settings(
        request,
        session,
        shell,
        TAB,
        toasts=toasts,
        extra={
            "integrations": items,
            "status_labels": STATUS_LABELS,
            "redirect_uris": {s: redirect_uri(settings, s) for s in PROVIDERS},
            "confirm_disconnect": confirm if confirm in PROVIDERS else None,
            **_callback_outcome(request),
        },
    )


def _callback_outcome(request: Request) -> dict[str, Any]:
    """What the provider's callback said (`?error=` or `?connected=`), in words."""
    query = request.query_params
    provider = PROVIDERS.get(query.get("service") or query.get("connected") or "")
    name = provider.name if provider else "The service"
    error = query.get("error")
    if error:
        return {"callback_error": CALLBACK_ERRORS.get(error, CALLBACK_ERRORS["provider_error"])}
    if provider and query.get("connected"):
        return {"callback_done": f"{name} is connected."}
    return {}


# Registered before crm.web.settings_tabs' `/settings/{slug}` (see crm/app.py ROUTERS).
@router.get("/settings/integrations")
async def integrations_page(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    return await _render(request, session, shell, confirm=request.query_params.get("disconnect"))


@router.post("/settings/integrations/{service}/connect")
async def connect(
    service: str, request: Request, session: SessionDep, shell: ShellDep, box: SecretBoxDep
) -> Response:
    """Off to the provider's sign-in page (htmx follows HX-Redirect with a full page load)."""
    try:
        url = await integration_service.connect(
            session, shell.actor, service=service, settings=request.app.state.settings, box=box
        )
    except CRMError as exc:
        return await _render(request, session, shell, failed=exc.detail)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


@router.post("/settings/integrations/{service}/disconnect")
async def disconnect(
    service: str, request: Request, session: SessionDep, shell: ShellDep
) -> Response:
    provider = PROVIDERS.get(service)
    if provider is None:
        return await _render(request, session, shell, failed=CALLBACK_ERRORS["unknown_service"])
    await integration_service.disconnect(session, shell.actor, service=service)
    return await _render(
        request, session, shell, done=f"{provider.name} is disconnected; its tokens are deleted."
    )

"""Settings → Integrations: a card per service the server knows (crm.integrations.providers)
with the user's connection, Connect / Reconnect / Disconnect (confirmed on a second screen, so
it also works without JavaScript), and the outcome of the provider's callback in words."""

import uuid
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.dependencies import SecretBoxDep, SessionDep
from crm.calendar.sources import sources as source_service
from crm.calendar.sync import sync as sync_service
from crm.errors import CRMError
from crm.integrations.calendars import CALENDARS
from crm.integrations.providers import PROVIDERS
from crm.integrations.service import CALLBACK_ERRORS, redirect_uri
from crm.integrations.service import integration as integration_service
from crm.kit.routing import Router
from crm.web.session import Shell, ShellDep, is_htmx
from crm.web.settings import SettingsTab, render_settings
from crm.web.templating import toast

router = Router(include_in_schema=False)
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
    offered: dict[str, Any] | None = None,
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
            "calendar_runs": await sync_service.runs(session, shell.actor, limit=10),
            "calendar_sources": await source_service.shown(session, shell.actor),
            "calendar_connected": any(
                i.status == "connected" and i.provider.service in CALENDARS for i in items
            ),
            "offered_calendars": offered or {},
            "held_calendars": [
                c for c in await sync_service.calendars(session, shell.actor) if c.held_deletions
            ],
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


@router.post("/settings/integrations/calendar/sync")
async def sync_calendars(
    request: Request, session: SessionDep, shell: ShellDep, box: SecretBoxDep
) -> Response:
    """Sync every connected calendar now; each one's outcome shows among the last runs."""
    settings = request.app.state.settings
    try:
        results = await sync_service.sync_all(session, shell.actor, settings=settings, box=box)
    except CRMError as exc:
        return await _render(request, session, shell, failed=exc.detail)
    failed = [r.error for r in results if r.error]
    if failed:
        return await _render(request, session, shell, failed=failed[0])
    return await _render(request, session, shell, done="Your calendars are synced.")


@router.post("/settings/integrations/calendar/{source}/confirm-deletions")
async def confirm_deletions(
    source: str, request: Request, session: SessionDep, shell: ShellDep, box: SecretBoxDep
) -> Response:
    """The user confirms the deletions a sync held: the next sync (now) applies them."""
    try:
        count = await sync_service.confirm_deletions(session, shell.actor, source=source)
        settings = request.app.state.settings
        await sync_service.sync_all(session, shell.actor, settings=settings, box=box)
    except CRMError as exc:
        return await _render(request, session, shell, failed=exc.detail)
    return await _render(request, session, shell, done=f"{count} deleted events removed here too.")


@router.post("/settings/integrations/calendar/{service}/offer")
async def offer_calendars(
    service: str, request: Request, session: SessionDep, shell: ShellDep, box: SecretBoxDep
) -> Response:
    """The account's calendars, asked now, to pick one more to show."""
    settings = request.app.state.settings
    try:
        found = await source_service.available(
            session, shell.actor, service=service, settings=settings, box=box
        )
    except CRMError as exc:
        return await _render(request, session, shell, failed=exc.detail)
    shown = {s.calendar_url for s in await source_service.shown(session, shell.actor)}
    choices = [(c.url, c.name) for c in found if c.url not in shown]
    return await _render(request, session, shell, offered={"service": service, "choices": choices})


@router.post("/settings/integrations/calendar/{service}/show")
async def show_calendar(
    service: str, request: Request, session: SessionDep, shell: ShellDep, box: SecretBoxDep
) -> Response:
    form = await request.form()
    settings = request.app.state.settings
    try:
        source = await source_service.add(
            session,
            shell.actor,
            service=service,
            calendar_url=str(form.get("calendar_url") or ""),
            settings=settings,
            box=box,
        )
    except CRMError as exc:
        return await _render(request, session, shell, failed=exc.detail)
    done = f"{source.calendar_name} is shown from the next sync."
    return await _render(request, session, shell, done=done)


@router.post("/settings/integrations/calendar/sources/{source_id}/receive")
async def receive_in(
    source_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
) -> Response:
    try:
        source = await source_service.receive_in(session, shell.actor, source_id=source_id)
    except CRMError as exc:
        return await _render(request, session, shell, failed=exc.detail)
    done = f"Events made in the CRM now go to {source.calendar_name}."
    return await _render(request, session, shell, done=done)


@router.post("/settings/integrations/calendar/sources/{source_id}/hide")
async def hide_calendar(
    source_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
) -> Response:
    try:
        await source_service.remove(session, shell.actor, source_id=source_id)
    except CRMError as exc:
        return await _render(request, session, shell, failed=exc.detail)
    return await _render(request, session, shell, done="That calendar is no longer shown here.")

"""/oauth/consent: where an MCP client's authorization request asks the signed-in user ("Claude
wants to read and change your contacts…", and the services they connected), read only or read
and write. A signed-out visitor signs in first and comes back here."""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.dependencies import SessionDep
from crm.kit.routing import Router
from crm.mcp.oauth import ConsentRequest, OAuthProvider
from crm.models import TokenScope
from crm.web.security import FORM_ACTION
from crm.web.session import ShellDep
from crm.web.templating import render

router = Router(include_in_schema=False)


def _provider(request: Request) -> OAuthProvider:
    return request.app.state.mcp.provider


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"


@router.get("/oauth/consent")
async def consent_page(request: Request, session: SessionDep, shell: ShellDep) -> HTMLResponse:
    sealed = request.query_params.get("request", "")
    provider = _provider(request)
    pending: ConsentRequest = provider.consent_request(sealed)
    # The form's answer redirects to the client: the page's policy must allow that origin.
    setattr(request.state, FORM_ACTION, _origin(pending.redirect_uri))
    context = {
        "shell": shell,
        "sealed": sealed,
        "client_name": await provider.client_name(pending.client_id),
        "can_write": "write" in pending.scopes,
        "redirect_host": urlsplit(pending.redirect_uri).netloc or pending.redirect_uri,
        "services": await _connected(request, session, shell.actor),
    }
    return render(request, "mcp/consent.html", context)


async def _connected(request: Request, session: AsyncSession, actor: Actor) -> list[str]:
    """The connected services whose tools the client gets too (crm/mcp/connected.py)."""
    from crm.mcp.connected import connections  # the assistant's toolset: on first use

    found = await connections(session, actor, request.app.state.settings)
    return [tools.name for tools, _ in found]


@router.post("/oauth/consent")
async def consent(
    request: Request,
    session: SessionDep,
    shell: ShellDep,
    sealed: Annotated[str, Form(alias="request")],
    decision: Annotated[str, Form()] = "deny",
    scope: Annotated[TokenScope, Form()] = TokenScope.read,
) -> RedirectResponse:
    provider = _provider(request)
    pending = provider.consent_request(sealed)
    if decision != "allow":
        return RedirectResponse(pending.redirect(error="access_denied"), status_code=303)
    target = await provider.approve(session, shell.actor, pending, scope=scope)
    return RedirectResponse(target, status_code=303)

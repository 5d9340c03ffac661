"""Settings → API and MCP: make, list and revoke personal access tokens (and the apps let in by
OAuth), with the client configurations to paste, filled with the new token."""

import json
import shlex
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.api_tokens import api_token as api_token_service
from crm.auth.dependencies import SessionDep
from crm.auth.schemas import ApiTokenInput
from crm.errors import CRMError
from crm.kit.routing import Router
from crm.web.forms import FormState, parse, read_form
from crm.web.session import Shell, ShellDep
from crm.web.settings import SettingsTab, render_settings
from crm.web.templating import environment, toast

router = Router(include_in_schema=False)
TAB = "api"
LIFETIMES = [("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


def client_configs(base_url: str, token: str) -> dict[str, str]:
    """What to paste into each kind of MCP client."""
    desktop = {
        "mcpServers": {
            "crm": {
                "command": "crm",
                "args": ["mcp"],
                "env": {"CRM_URL": base_url, "CRM_TOKEN": token},
            }
        }
    }
    return {
        "desktop": json.dumps(desktop, indent=2),
        "code": f"claude mcp add crm --env CRM_URL={shlex.quote(base_url)} "
        f"--env CRM_TOKEN={shlex.quote(token)} -- crm mcp",
        "connector": f"{base_url}/mcp",
    }


async def _api_tab(session: AsyncSession, shell: Shell) -> dict[str, Any]:
    return {
        "tokens": await api_token_service.list(session, shell.actor),
        "lifetimes": LIFETIMES,
        "made": None,
    }


api_tab = SettingsTab(TAB, "API and MCP", "lock", "settings/_api.html", _api_tab)


# The tab's template fills the configurations with the app's address and the new token.
environment.globals["mcp_client_configs"] = client_configs


async def _again(
    request: Request, session: AsyncSession, shell: Shell, made: str | None = None, **options: Any
) -> HTMLResponse:
    extra = {"made": made} if made else None
    return await render_settings(request, session, shell, TAB, extra=extra, **options)


@router.post("/settings/api/tokens")
async def make_token(request: Request, session: SessionDep, shell: ShellDep) -> HTMLResponse:
    values = await read_form(request)
    days = values.get("expires_in_days", "")
    fields = {"name": values.get("name", ""), "scope": values.get("scope", "read")}
    if days.isdigit():
        fields["expires_at"] = (datetime.now(UTC) + timedelta(days=int(days))).isoformat()
    try:
        body = parse(ApiTokenInput, fields)
        async with session.begin_nested():
            _, secret = await api_token_service.create(session, shell.actor, body=body)
    except (ValidationError, CRMError) as exc:
        forms = {"token": FormState.failed(values, exc)}
        return await _again(request, session, shell, forms=forms, status=422)
    done = toast("The token is made; copy it now, it is shown only once.")
    return await _again(request, session, shell, made=secret, toasts=[done])


@router.post("/settings/api/tokens/{token_id}/revoke")
async def revoke_token(
    token_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
) -> HTMLResponse:
    await api_token_service.revoke(session, shell.actor, token_id=token_id)
    done = toast("Revoked: it stops working at once.")
    return await _again(request, session, shell, toasts=[done])

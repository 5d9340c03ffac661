"""The AI tab of /settings: the workspace's provider, model, key and base URL (owners and
admins; members see them read-only), your personal key, and a "Test connection" button."""

from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai import providers
from crm.ai.schemas import PersonalKeyInput, UpdateAISettingsInput
from crm.ai.service import ai as ai_service
from crm.ai.views import run_test
from crm.auth.dependencies import SecretBoxDep, SessionDep
from crm.errors import Forbidden, Invalid
from crm.kit.routing import Router
from crm.models import AIProvider
from crm.web.forms import FormState, parse, read_form
from crm.web.session import Shell, ShellDep
from crm.web.settings import SettingsTab, render_settings
from crm.web.templating import toast

router = Router(include_in_schema=False)
TAB = "ai"
HOSTED = (AIProvider.anthropic, AIProvider.openai, AIProvider.gemini)


async def _ai(session: AsyncSession, shell: Shell) -> dict[str, Any]:
    actor = shell.actor
    row = await ai_service.get(session, actor)
    provider = row.provider if row else AIProvider.anthropic
    return {
        "ai": row,
        "ai_provider": provider,
        "ai_model": row.model_name if row else providers.DEFAULT_MODELS[provider],
        "ai_personal": await ai_service.personal(session, actor),
        "ai_labels": providers.PROVIDER_LABELS,
        "ai_defaults": providers.DEFAULT_MODELS,
        "provider_options": [(p.value, providers.PROVIDER_LABELS[p]) for p in AIProvider],
        "personal_options": [(p.value, providers.PROVIDER_LABELS[p]) for p in HOSTED],
    }


ai_tab = SettingsTab("ai", "AI", "sparkles", "settings/_ai.html", _ai)


def _update_input(values: dict[str, str]) -> UpdateAISettingsInput:
    """The form's fields as the API's body: empty means "not given", a checkbox is on or absent."""
    body: dict[str, Any] = {k: v for k, v in values.items() if v.strip() != ""}
    for flag in ("clear_api_key", "anthropic_thinking"):
        body[flag] = flag in values
    return parse(UpdateAISettingsInput, body)


async def _again(
    request: Request,
    session: AsyncSession,
    shell: Shell,
    *,
    forms: dict[str, FormState] | None = None,
    done: str | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HTMLResponse:
    return await render_settings(
        request,
        session,
        shell,
        TAB,
        forms=forms,
        toasts=[toast(done)] if done else None,
        status=status,
        extra=extra,
    )


@router.post("/settings/ai")
async def save(
    request: Request, session: SessionDep, shell: ShellDep, box: SecretBoxDep
) -> Response:
    values = await read_form(request)
    try:
        body = _update_input(values)
        async with session.begin_nested():
            await ai_service.update(session, shell.actor, box=box, data=body)
    except (ValidationError, Invalid, Forbidden) as exc:
        forms = {"ai": FormState.failed(_without_key(values), exc)}
        status = exc.status if isinstance(exc, Forbidden) else 422
        return await _again(request, session, shell, forms=forms, status=status)
    return await _again(request, session, shell, done="The AI settings are saved.")


@router.post("/settings/ai/personal")
async def save_personal(
    request: Request, session: SessionDep, shell: ShellDep, box: SecretBoxDep
) -> Response:
    values = await read_form(request)
    try:
        body = parse(PersonalKeyInput, {k: v for k, v in values.items() if v.strip() != ""})
        await ai_service.set_personal(session, shell.actor, box=box, data=body)
    except ValidationError as exc:
        forms = {"personal": FormState.failed(_without_key(values), exc)}
        return await _again(request, session, shell, forms=forms, status=422)
    return await _again(request, session, shell, done="Your personal key is saved.")


@router.post("/settings/ai/personal/remove")
async def remove_personal(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    await ai_service.remove_personal(session, shell.actor)
    return await _again(
        request, session, shell, done="Your personal key is removed; the workspace's applies."
    )


@router.post("/settings/ai/test")
async def test(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    result = await run_test(session, shell.actor, request.app.state.settings)
    return await _again(request, session, shell, extra={"ai_test": result})


def _without_key(values: dict[str, str]) -> dict[str, str]:
    # A key typed into a form that failed is never sent back into the page.
    return {k: v for k, v in values.items() if k != "api_key"}

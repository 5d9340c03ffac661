"""REST endpoints of the AI settings: the workspace's provider, your personal key, and a test
of the connection. Keys are accepted, never returned."""

from fastapi import Request, status

from crm.ai import providers
from crm.ai.schemas import (
    AISettingsOut,
    PersonalKeyInput,
    PersonalKeyOut,
    TestConnectionOut,
    UpdateAISettingsInput,
)
from crm.ai.service import ai as ai_service
from crm.ai.views import run_test, settings_out
from crm.auth.dependencies import ActorDep, SecretBoxDep, SessionDep
from crm.kit.routing import Router

router = Router(prefix="/api/v1/ai", tags=["ai"])


@router.get("/settings")
async def get_settings(request: Request, session: SessionDep, actor: ActorDep) -> AISettingsOut:
    """The workspace's provider and model, whether a key is set (masked), your personal key's
    hint, and where your requests go now."""
    return await settings_out(session, actor, request.app.state.settings)


@router.put("/settings")
async def update_settings(
    body: UpdateAISettingsInput,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    box: SecretBoxDep,
) -> AISettingsOut:
    """Set the workspace's provider, model, API key and base URL (owners and admins)."""
    await ai_service.update(session, actor, box=box, data=body)
    return await settings_out(session, actor, request.app.state.settings)


@router.put("/settings/personal")
async def set_personal_key(
    body: PersonalKeyInput, session: SessionDep, actor: ActorDep, box: SecretBoxDep
) -> PersonalKeyOut:
    """Save your own key; it overrides the workspace's key for you alone."""
    row = await ai_service.set_personal(session, actor, box=box, data=body)
    return PersonalKeyOut(
        provider=row.provider,
        model_name=row.model_name or providers.DEFAULT_MODELS[row.provider],
        api_key_hint=row.api_key_hint,
        updated_at=row.updated_at,
    )


@router.delete("/settings/personal", status_code=status.HTTP_204_NO_CONTENT)
async def remove_personal_key(session: SessionDep, actor: ActorDep) -> None:
    """Forget your own key; the workspace's applies to you again."""
    await ai_service.remove_personal(session, actor)


@router.post("/test")
async def test_connection(
    request: Request, session: SessionDep, actor: ActorDep
) -> TestConnectionOut:
    """Send one tiny request to the provider your requests go to; answers ok or why not."""
    return await run_test(session, actor, request.app.state.settings)

"""What the AI settings API and the Settings → AI tab both show: the settings as answered
(keys masked) and the test of a connection."""

from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai import providers
from crm.ai.schemas import (
    AISettingsOut,
    AnsweringOut,
    EffectiveOut,
    PersonalKeyOut,
    TestConnectionOut,
)
from crm.ai.service import Choice, offline_reason
from crm.ai.service import ai as ai_service
from crm.auth.actor import Actor
from crm.config import Settings
from crm.models import AIProvider, AISetting


async def settings_out(session: AsyncSession, actor: Actor, settings: Settings) -> AISettingsOut:
    """The AI settings as this actor may see them."""
    row = await ai_service.get(session, actor)
    personal = await ai_service.personal(session, actor)
    choice = await ai_service.effective(session, actor, settings=settings)
    provider = row.provider if row else AIProvider.anthropic
    return AISettingsOut(
        workspace_configured=row is not None,
        provider=provider,
        model_name=row.model_name if row else providers.DEFAULT_MODELS[provider],
        base_url=row.base_url if row else None,
        api_key_set=bool(row and row.api_key_sealed),
        api_key_hint=row.api_key_hint if row else None,
        anthropic_thinking=row.anthropic_thinking if row else False,
        anthropic_thinking_budget=row.anthropic_thinking_budget if row else 2048,
        can_edit=actor.is_admin,
        default_models=providers.DEFAULT_MODELS,
        personal=PersonalKeyOut(
            provider=personal.provider,
            model_name=personal.model_name or providers.DEFAULT_MODELS[personal.provider],
            api_key_hint=personal.api_key_hint,
            updated_at=personal.updated_at,
        )
        if personal
        else None,
        effective=EffectiveOut(
            provider=choice.provider, model_name=choice.model_name, source=choice.source
        )
        if choice
        else None,
        answering=answering(choice, row),
    )


def answering(choice: Choice | None, workspace: AISetting | None) -> AnsweringOut:
    """Who answers the actor's requests, and why."""
    if choice is None:
        return AnsweringOut(
            source="offline", label="offline assistant", reason=offline_reason(workspace)
        )
    label = f"{providers.PROVIDER_LABELS[choice.provider]} {choice.model_name}".strip()
    return AnsweringOut(source=choice.source, label=label, reason=choice.reason)


async def run_test(session: AsyncSession, actor: Actor, settings: Settings) -> TestConnectionOut:
    """One tiny request to the provider the actor's requests go to."""
    choice = await ai_service.effective(session, actor, settings=settings)
    if choice is None:
        return TestConnectionOut(
            ok=False,
            provider=None,
            model_name=None,
            source=None,
            kind="not_configured",
            message="No provider is configured: the assistant uses its offline interpreter. "
            "An admin can set a provider and key in Settings → AI.",
        )
    failure = await providers.check_connection(
        choice.provider, choice.model_name, choice.api_key, choice.base_url
    )
    label = providers.PROVIDER_LABELS[choice.provider]
    answered = f"{label} answered with {choice.model_name}. {choice.reason}".strip()
    return TestConnectionOut(
        ok=failure is None,
        provider=choice.provider,
        model_name=choice.model_name,
        source=choice.source,
        kind=failure.kind if failure else None,
        message=f"{failure.message} ({choice.reason})" if failure else answered,
    )

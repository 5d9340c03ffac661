"""The AI settings: the workspace's provider, model and key (owners and admins), each user's
personal key, and which of them a user's requests go to."""

import uuid
from dataclasses import dataclass, field

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.providers import DEFAULT_MODELS, PROVIDER_LABELS, ResolvedModel, Source, build_model
from crm.ai.schemas import PersonalKeyInput, UpdateAISettingsInput
from crm.auth.actor import Actor
from crm.config import Settings
from crm.errors import Forbidden, Invalid
from crm.kit.crypto import SecretBox, UndecryptableSecret, mask
from crm.models import AIPersonalKey, AIProvider, AISetting

log = structlog.get_logger()

# When a workspace has chosen nothing, the first of these the server has a key for.
ENVIRONMENT_ORDER = (AIProvider.anthropic, AIProvider.openai, AIProvider.gemini)


@dataclass(frozen=True)
class Choice:
    """The provider, model and key a user's requests go to (the key in clear: keep it in
    memory, never log it)."""

    provider: AIProvider
    model_name: str
    source: Source
    api_key: str | None = field(repr=False)
    base_url: str | None = None
    thinking_budget: int | None = None
    reason: str = ""  # why this one answers, in a sentence for people


# The server's environment variable that supplies each provider (OPENAI_BASE_URL names a server).
ENVIRONMENT_VARIABLES = {
    AIProvider.anthropic: "ANTHROPIC_API_KEY",
    AIProvider.openai: "OPENAI_API_KEY",
    AIProvider.gemini: "GEMINI_API_KEY",
    AIProvider.openai_compatible: "OPENAI_BASE_URL",
}


def workspace_context(workspace_id: uuid.UUID) -> str:
    return f"ai_setting.api_key:{workspace_id}"


def personal_context(workspace_id: uuid.UUID, user_id: uuid.UUID) -> str:
    return f"ai_personal_key.api_key:{workspace_id}:{user_id}"


def environment_key(settings: Settings, provider: AIProvider) -> str | None:
    secret = {
        AIProvider.anthropic: settings.anthropic_api_key,
        AIProvider.openai: settings.openai_api_key,
        AIProvider.gemini: settings.gemini_api_key,
    }.get(provider)
    return secret.get_secret_value() if secret is not None else None


def environment_choice(settings: Settings) -> Choice | None:
    """The server's fallback when a workspace has chosen nothing: OPENAI_BASE_URL (an
    OpenAI-compatible server), else the first provider with a key; ASSISTANT_MODEL names the
    model (else the provider's default)."""
    if settings.openai_base_url:
        key = environment_key(settings, AIProvider.openai)
        return Choice(
            AIProvider.openai_compatible,
            settings.assistant_model or "",
            "environment",
            key,
            settings.openai_base_url,
            reason=_unchosen(AIProvider.openai_compatible),
        )
    for provider in ENVIRONMENT_ORDER:
        if key := environment_key(settings, provider):
            model = settings.assistant_model or DEFAULT_MODELS[provider]
            return Choice(provider, model, "environment", key, reason=_unchosen(provider))
    return None


def _unchosen(provider: AIProvider) -> str:
    return (
        "The workspace has chosen no provider, so the server's "
        f"{ENVIRONMENT_VARIABLES[provider]} answers."
    )


def offline_reason(workspace: AISetting | None) -> str:
    """Why nobody but the offline interpreter answers."""
    if workspace is not None:
        label = PROVIDER_LABELS[workspace.provider]
        variable = ENVIRONMENT_VARIABLES[workspace.provider]
        return (
            f"The workspace chose {label} without a key, and the server has no {variable}: "
            "the offline assistant answers. An admin adds the key in Settings → AI."
        )
    return (
        "No provider is set up (no workspace key, personal key or server key): the offline "
        "assistant answers. An admin sets one in Settings → AI."
    )


class AIService:
    async def get(self, session: AsyncSession, actor: Actor) -> AISetting | None:
        """The workspace's AI settings, or None when it uses the defaults."""
        return await session.get(AISetting, actor.workspace_id)

    async def update(
        self, session: AsyncSession, actor: Actor, *, box: SecretBox, data: UpdateAISettingsInput
    ) -> AISetting:
        """Set the workspace's provider, model, key and base URL (owners and admins)."""
        if not actor.is_admin:
            raise Forbidden("Only the workspace's owners and admins change its AI settings.")
        if data.provider is AIProvider.openai_compatible:
            if not data.base_url:
                raise Invalid("base_url", "is needed for an OpenAI-compatible server")
            if not data.model_name:
                raise Invalid("model_name", "is needed: name a model the server has loaded")
        row = await self.get(session, actor)
        if row is None:
            row = AISetting(workspace_id=actor.workspace_id, provider=data.provider)
            session.add(row)
        elif row.provider is not data.provider:
            # A key belongs to one provider: switching provider drops it.
            row.api_key_sealed = row.api_key_hint = None
        row.provider = data.provider
        row.model_name = data.model_name or DEFAULT_MODELS[data.provider]
        row.base_url = data.base_url
        row.anthropic_thinking = data.anthropic_thinking
        row.anthropic_thinking_budget = data.anthropic_thinking_budget
        row.updated_by_id = actor.user_id
        if data.clear_api_key:
            row.api_key_sealed = row.api_key_hint = None
        if data.api_key is not None:
            key = data.api_key.get_secret_value()
            row.api_key_sealed = box.encrypt(key, context=workspace_context(actor.workspace_id))
            row.api_key_hint = mask(key)
        await session.flush()
        await session.refresh(row, ["updated_at"])
        log.info("ai_settings_updated", provider=row.provider.value, model=row.model_name)
        return row

    async def personal(self, session: AsyncSession, actor: Actor) -> AIPersonalKey | None:
        """The actor's own key, or None."""
        return await session.get(AIPersonalKey, (actor.workspace_id, actor.user_id))

    async def set_personal(
        self, session: AsyncSession, actor: Actor, *, box: SecretBox, data: PersonalKeyInput
    ) -> AIPersonalKey:
        """Save the actor's own key for a provider (anyone)."""
        row = await self.personal(session, actor)
        if row is None:
            row = AIPersonalKey(workspace_id=actor.workspace_id, user_id=actor.user_id)
            session.add(row)
        key = data.api_key.get_secret_value()
        row.provider = AIProvider(data.provider)
        row.model_name = data.model_name or None
        row.base_url = None
        row.api_key_sealed = box.encrypt(
            key, context=personal_context(actor.workspace_id, actor.user_id)
        )
        row.api_key_hint = mask(key)
        await session.flush()
        await session.refresh(row, ["updated_at"])
        return row

    async def remove_personal(self, session: AsyncSession, actor: Actor) -> None:
        """Forget the actor's own key; the workspace's applies again."""
        if (row := await self.personal(session, actor)) is not None:
            await session.delete(row)
            await session.flush()

    async def effective(
        self, session: AsyncSession, actor: Actor, *, settings: Settings
    ) -> Choice | None:
        """Where the actor's requests go: personal key, workspace key, the environment's key,
        or None (no provider: the offline interpreter)."""
        box = SecretBox.from_settings(settings)
        workspace = await self.get(session, actor)
        personal = await self.personal(session, actor)
        thinking = (
            workspace.anthropic_thinking_budget
            if workspace is not None and workspace.anthropic_thinking
            else None
        )
        if personal is not None:
            key = _open(box, personal.api_key_sealed, personal_context(*_ids(actor)))
            if key is not None:
                same = workspace is not None and workspace.provider is personal.provider
                model = personal.model_name or (
                    workspace.model_name
                    if same and workspace
                    else DEFAULT_MODELS[personal.provider]
                )
                return Choice(
                    personal.provider,
                    model,
                    "personal",
                    key,
                    None,
                    thinking if personal.provider is AIProvider.anthropic else None,
                    f"Your personal {PROVIDER_LABELS[personal.provider]} key.",
                )
        if workspace is None:
            return environment_choice(settings)
        provider = workspace.provider
        label = PROVIDER_LABELS[provider]
        budget = thinking if provider is AIProvider.anthropic else None
        chosen = (provider, workspace.model_name)
        if workspace.api_key_sealed:
            key = _open(box, workspace.api_key_sealed, workspace_context(actor.workspace_id))
            if key is not None:
                why = f"The workspace's {label} key."
                return Choice(*chosen, "workspace", key, workspace.base_url, budget, why)
        if provider is AIProvider.openai_compatible:
            # Local servers usually want no key at all.
            why = f"The workspace's {label} at {workspace.base_url}."
            return Choice(*chosen, "workspace", None, workspace.base_url, None, why)
        if key := environment_key(settings, provider):
            why = (
                f"The workspace chose {label} without a key of its own, so the server's "
                f"{ENVIRONMENT_VARIABLES[provider]} is used."
            )
            return Choice(*chosen, "environment", key, workspace.base_url, budget, why)
        return None

    async def rotate_keys(self, session: AsyncSession, *, box: SecretBox) -> "Rotation":
        """Re-seal every stored key under the first secret key. Runs as the tables' owner
        (the migrations' role), across workspaces; running it again changes nothing."""
        report = Rotation()
        rows = await session.scalars(
            select(AISetting).where(AISetting.api_key_sealed.is_not(None)).with_for_update()
        )
        for row in rows:
            context = workspace_context(row.workspace_id)
            row.api_key_sealed = report.reseal(box, row.api_key_sealed or "", context)
        for personal in await session.scalars(select(AIPersonalKey).with_for_update()):
            context = personal_context(personal.workspace_id, personal.user_id)
            personal.api_key_sealed = report.reseal(box, personal.api_key_sealed, context)
        await session.flush()
        return report


@dataclass
class Rotation:
    """What `crm keys rotate` did: re-sealed, already current, and unreadable values (sealed
    with a key no longer in CRM_SECRET_KEY; left as they are)."""

    resealed: int = 0
    current: int = 0
    unreadable: int = 0

    def reseal(self, box: SecretBox, sealed: str, context: str) -> str:
        try:
            new = box.reseal(sealed, context=context)
        except UndecryptableSecret:
            self.unreadable += 1
            return sealed
        if new is None:
            self.current += 1
            return sealed
        self.resealed += 1
        return new


def _ids(actor: Actor) -> tuple[uuid.UUID, uuid.UUID]:
    return actor.workspace_id, actor.user_id


def _open(box: SecretBox, sealed: str, context: str) -> str | None:
    try:
        return box.decrypt(sealed, context=context)
    except UndecryptableSecret as exc:
        # The key it was sealed with left CRM_SECRET_KEY: behave as if none were saved.
        log.warning("ai_key_undecryptable", reason=str(exc))
        return None


ai = AIService()


async def resolve(session: AsyncSession, actor: Actor, settings: Settings) -> ResolvedModel | None:
    """The model for this actor: their personal key, else the workspace's key, else the
    server's environment (ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY); None means no
    provider is configured and the offline interpreter answers."""
    choice = await ai.effective(session, actor, settings=settings)
    if choice is None:
        return None
    return ResolvedModel(
        choice.provider,
        choice.model_name,
        choice.source,
        build_model(
            choice.provider,
            choice.model_name,
            choice.api_key,
            choice.base_url,
            thinking_budget=choice.thinking_budget,
        ),
    )

"""Which model answers a user's turn: `crm.ai.service.resolve` (the user's personal key, else
the workspace's key, else the server's environment), or none: the offline interpreter."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai import providers
from crm.ai.service import resolve
from crm.auth.actor import Actor
from crm.config import Settings
from crm.models.ai import AIProvider

# pydantic-ai is imported on the first chat turn, not when the web app starts (about a second).
if TYPE_CHECKING:
    from pydantic_ai.models import Model

# The providers as the chat answer, `crm eval` and the AI settings all spell them.
PROVIDERS = ("offline", *(p.value for p in AIProvider))
# Tests and evals replace the choice on app.state.choose_model: settings -> (model, provider).
Override: TypeAlias = "Callable[[Settings], tuple[Model | None, str]]"


@dataclass(frozen=True)
class ModelChoice:
    """The model of a turn (None: the offline interpreter), its provider as the chat answer
    names it, and a label for notices ("Anthropic claude-sonnet-5-5")."""

    model: "Model | None"
    provider: str
    label: str


OFFLINE = ModelChoice(None, "offline", "offline assistant")


def build_model(
    provider: str,
    *,
    api_key: str | None,
    model_name: str | None = None,
    base_url: str | None = None,
) -> "Model":
    """A pydantic-ai model of `provider` (one of PROVIDERS but offline) through crm.ai's
    adapters, with their default model names and retries."""
    kind = AIProvider(provider.replace("-", "_"))  # "openai-compatible" of earlier versions
    name = model_name or providers.DEFAULT_MODELS[kind]
    if not name:
        raise ValueError("an OpenAI-compatible server needs a model name (ASSISTANT_MODEL)")
    if kind is AIProvider.openai_compatible and not base_url:
        raise ValueError("an OpenAI-compatible provider needs a base URL")
    return providers.build_model(kind, name, api_key, base_url)


async def choose_model(session: AsyncSession, actor: Actor, app: FastAPI) -> ModelChoice:
    """The model for this actor's turn; the app's override first (tests, evals)."""
    override: Override | None = getattr(app.state, "choose_model", None)
    if override is not None:
        model, provider = override(app.state.settings)
        return ModelChoice(model, provider, f"{provider} model")
    resolved = await resolve(session, actor, app.state.settings)
    if resolved is None:
        return OFFLINE
    return ModelChoice(resolved.model, resolved.provider.value, resolved.label)

"""Which model answers: the environment's fallback keys (DESIGN.md section 5), else none (the
offline interpreter). Workspace and personal keys (crm.ai.providers.resolve) are not read yet."""

from pydantic_ai.models import Model

from crm.config import Settings
from crm.models.ai import AIProvider

PROVIDERS = ("offline", "anthropic", "openai", "gemini", "openai-compatible")


def build_model(
    provider: str,
    *,
    api_key: str | None,
    model_name: str | None = None,
    base_url: str | None = None,
) -> Model:
    """A pydantic-ai model of `provider` (spelled as `crm eval` takes it) through crm.ai's
    adapters, with their default model names and retries."""
    from crm.ai import providers

    kind = AIProvider(provider.replace("-", "_"))
    name = model_name or providers.DEFAULT_MODELS[kind]
    if not name:
        raise ValueError("an OpenAI-compatible server needs a model name (ASSISTANT_MODEL)")
    if kind is AIProvider.openai_compatible and not base_url:
        raise ValueError("an OpenAI-compatible provider needs a base URL")
    return providers.build_model(kind, name, api_key, base_url)


def choose_model(settings: Settings) -> tuple[Model | None, str]:
    """The model to use and its provider's name; (None, "offline") when no key is set."""
    model_name = settings.assistant_model
    if settings.openai_base_url:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        model = build_model(
            "openai-compatible",
            api_key=key,
            model_name=model_name,
            base_url=settings.openai_base_url,
        )
        return model, "openai-compatible"
    for provider, secret in (
        ("anthropic", settings.anthropic_api_key),
        ("openai", settings.openai_api_key),
        ("gemini", settings.gemini_api_key),
    ):
        if secret is not None and secret.get_secret_value():
            return build_model(
                provider, api_key=secret.get_secret_value(), model_name=model_name
            ), provider
    return None, "offline"

"""Which model answers: the environment's fallback keys (DESIGN.md section 5), else none (the
offline interpreter). Workspace and personal keys plug in here when crm.ai provides them."""

from pydantic_ai.models import Model

from crm.config import Settings

DEFAULT_MODELS = {
    "anthropic": "claude-sonnet-4-6",
    "openai": "gpt-5.6-sol",
    "gemini": "gemini-3.8-flash",
}
PROVIDERS = ("offline", "anthropic", "openai", "gemini", "openai-compatible")


def build_model(
    provider: str,
    *,
    api_key: str | None,
    model_name: str | None = None,
    base_url: str | None = None,
) -> Model:
    """A pydantic-ai model of `provider` (imports of the SDKs only when one is used)."""
    if provider == "anthropic":
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider

        return AnthropicModel(
            model_name or DEFAULT_MODELS["anthropic"], provider=AnthropicProvider(api_key=api_key)
        )
    if provider in ("openai", "openai-compatible"):
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider

        if provider == "openai-compatible" and not base_url:
            raise ValueError("an OpenAI-compatible provider needs a base URL")
        return OpenAIChatModel(
            model_name or DEFAULT_MODELS["openai"],
            provider=OpenAIProvider(base_url=base_url, api_key=api_key or "none"),
        )
    if provider == "gemini":
        from pydantic_ai.models.google import GoogleModel
        from pydantic_ai.providers.google import GoogleProvider

        return GoogleModel(
            model_name or DEFAULT_MODELS["gemini"], provider=GoogleProvider(api_key=api_key)
        )
    raise ValueError(f"unknown provider {provider!r}")


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

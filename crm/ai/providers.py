"""Model providers behind one door: build a pydantic-ai model for a provider, resolve which one
a user's requests go to, and say in plain words why a provider failed.

The assistant calls three things:
- `await crm.ai.service.resolve(session, actor, settings)` answers a `ResolvedModel` (its
  `.model` goes to the agent) or None, which means "no provider configured: use the offline
  interpreter".
- `build_model(provider, model_name, api_key, base_url)` builds a model directly.
- `classify_failure(exc)` turns whatever a model request raised into a `ProviderFailure`
  (a kind and a message that tells the user what to do).

Retries live in the HTTP transport (`RetryingTransport`): on 429, 503, 529 and other 5xx it
waits for the provider's Retry-After (or backs off exponentially), with bounded attempts and
total time; the SDKs' own retries are switched off so that requests are not retried twice.
"""

import asyncio
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from crm.ai.retry import DEFAULT_RETRY, RetryPolicy
from crm.models import AIProvider

# pydantic-ai, httpx2 and the SDKs are imported when a model is built or a failure classified:
# the web app starts without them (about two seconds).
if TYPE_CHECKING:
    import httpx2
    from pydantic_ai.models import Model
    from pydantic_ai.settings import ModelSettings

# Current models in the installed pydantic-ai's known names (pydantic_ai/models/
# _known_model_names.py): the balanced model of each family, not the largest.
DEFAULT_MODELS: dict[AIProvider, str] = {
    AIProvider.anthropic: "claude-sonnet-5-5",
    AIProvider.openai: "gpt-6.1-sol",
    AIProvider.gemini: "gemini-3.8-flash",
    # A local server serves whatever was pulled into it; there is no sensible default.
    AIProvider.openai_compatible: "",
}
PROVIDER_LABELS: dict[AIProvider, str] = {
    AIProvider.anthropic: "Anthropic",
    AIProvider.openai: "OpenAI",
    AIProvider.gemini: "Google Gemini",
    AIProvider.openai_compatible: "OpenAI-compatible server",
}
# Local servers (Ollama, vLLM, LM Studio) take any key; the SDK insists on one.
NO_KEY = "not-needed"


def build_model(
    provider: AIProvider | str,
    model_name: str,
    api_key: str | None,
    base_url: str | None = None,
    *,
    thinking_budget: int | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    transport: "httpx2.AsyncBaseTransport | None" = None,
) -> "Model":
    """A pydantic-ai model talking to `provider` with `api_key` (and `base_url` when given).

    `thinking_budget` turns on Anthropic's extended thinking with that many tokens (ignored by
    the other providers). `transport` replaces the network (tests)."""
    from crm.ai.transport import http_client  # httpx2: start-up cost, see above

    provider = AIProvider(provider)
    client = http_client(retry, transport)
    # The transport retries; the SDKs' own retries would multiply the attempts.
    settings: ModelSettings = {"max_retries": 0}
    if provider is AIProvider.anthropic:
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider

        anthropic = AnthropicProvider(api_key=api_key, base_url=base_url, http_client=client)
        if thinking_budget:
            profile = AnthropicModel(model_name, provider=anthropic).profile
            settings = _with_thinking(profile, settings, thinking_budget)
        return AnthropicModel(model_name, provider=anthropic, settings=settings)
    if provider is AIProvider.gemini:
        from pydantic_ai.models.google import GoogleModel
        from pydantic_ai.providers.google import GoogleProvider

        return GoogleModel(
            model_name,
            provider=GoogleProvider(api_key=api_key, base_url=base_url, http_client=client),
            settings=settings,
        )
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    if provider is AIProvider.openai_compatible and not base_url:
        raise ValueError("an OpenAI-compatible provider needs a base URL")
    return OpenAIChatModel(
        model_name,
        provider=OpenAIProvider(base_url=base_url, api_key=api_key or NO_KEY, http_client=client),
        settings=settings,
    )


def _with_thinking(profile: Any, settings: "ModelSettings", budget: int) -> "ModelSettings":
    # Older Claude models take a token budget; the newest refuse one and think adaptively.
    if profile.get("anthropic_disallows_budget_thinking", False):
        thinking: dict[str, object] = {"type": "adaptive"}
    else:
        thinking = {"type": "enabled", "budget_tokens": budget}
    return {**settings, "anthropic_thinking": thinking}  # type: ignore[typeddict-item]


Source = Literal["personal", "workspace", "environment"]


@dataclass(frozen=True)
class ResolvedModel:
    """The model a user's requests go to, and where its key came from."""

    provider: AIProvider
    model_name: str
    source: Source
    model: "Model" = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{PROVIDER_LABELS[self.provider]} {self.model_name}"


FailureKind = Literal[
    "bad_key",
    "quota_or_rate_limit",
    "overloaded",
    "outage",
    "timeout",
    "malformed_response",
    "model_not_found",
    "unreachable",
    "rejected",
    "unknown",
]


@dataclass(frozen=True)
class ProviderFailure:
    kind: FailureKind
    message: str
    status: int | None = None
    retry_after: float | None = None


MESSAGES: dict[FailureKind, str] = {
    "bad_key": "The AI provider refused the API key (it is wrong, expired or revoked). "
    "Enter a valid key in Settings → AI.",
    "quota_or_rate_limit": "The AI provider's rate limit or quota for this key is used up. "
    "Wait a minute and try again, or check the plan and billing of the key.",
    "overloaded": "The AI provider is overloaded right now. Try again in a few minutes.",
    "outage": "The AI provider is having an outage or a server error. "
    "Try again later; its status page says when it is back.",
    "timeout": "The AI provider did not answer in time. Try again; "
    "for a local server, check that it is running and the model is loaded.",
    "malformed_response": "The AI provider sent an answer the CRM could not read. "
    "Check the base URL and model; if it persists, try another model.",
    "model_not_found": "The AI provider does not know this model. "
    "Check the model name in Settings → AI.",
    "unreachable": "The CRM could not reach the AI provider. "
    "Check the base URL and that the server is running and reachable.",
    "rejected": "The AI provider rejected the request. Check the model name and settings.",
    "unknown": "The AI provider failed unexpectedly. Try again later.",
}


def classify_failure(exc: BaseException) -> ProviderFailure:
    """What went wrong with a model request, in words that tell the user what to do."""
    import httpx2
    from pydantic_ai import exceptions as ai_errors

    status = getattr(exc, "status_code", None)
    wait = getattr(exc, "retry_after", None)

    def failure(kind: FailureKind) -> ProviderFailure:
        return ProviderFailure(kind, MESSAGES[kind], status, wait)

    if status == 529:  # Anthropic's "overloaded", whatever class an SDK makes of it
        return failure("overloaded")
    # The more specific categories first: some are subclasses of others.
    checks: list[tuple[type[BaseException] | tuple[type[BaseException], ...], FailureKind]] = [
        (ai_errors.ModelAuthenticationError, "bad_key"),
        ((ai_errors.ModelRateLimitError, ai_errors.ModelQuotaExceededError), "quota_or_rate_limit"),
        (ai_errors.ModelOverloadedError, "overloaded"),
        ((ai_errors.ModelUnavailableError, ai_errors.ModelServerError), "outage"),
        (
            (ai_errors.ModelTimeoutError, ai_errors.ModelRequestTimeout, TimeoutError),
            "timeout",
        ),
        (ai_errors.ModelConnectionError, "unreachable"),
        (ai_errors.ModelNotFoundError, "model_not_found"),
    ]
    for types, kind in checks:
        if isinstance(exc, types):
            return failure(kind)
    if isinstance(status, int):
        return failure(_kind_of_status(status))
    if isinstance(exc, ai_errors.ModelRequestRejectedError):
        return failure("rejected")
    if isinstance(exc, httpx2.TimeoutException):
        return failure("timeout")
    if isinstance(exc, httpx2.TransportError):
        return failure("unreachable")
    if isinstance(
        exc, ai_errors.UnexpectedModelBehavior | json.JSONDecodeError | ValidationError
    ) or _is_sdk_decoding_error(exc):
        return failure("malformed_response")
    if isinstance(exc, ai_errors.ModelAPIError) and exc.__cause__ is not None:
        return classify_failure(exc.__cause__)
    return failure("unknown")


def _kind_of_status(status: int) -> FailureKind:
    if status in (401, 403):
        return "bad_key"
    if status in (402, 429):
        return "quota_or_rate_limit"
    if status == 529:
        return "overloaded"
    if status in (408, 504):
        return "timeout"
    if status == 404:
        return "model_not_found"
    if status >= 500:
        return "outage"
    return "rejected"


def _is_sdk_decoding_error(exc: BaseException) -> bool:
    # The SDKs' own "the body is not what the API promised" errors, without importing them all.
    return type(exc).__name__ in {"APIResponseValidationError", "ResponseValidationError"}


async def check_connection(
    provider: AIProvider,
    model_name: str,
    api_key: str | None,
    base_url: str | None,
    *,
    transport: "httpx2.AsyncBaseTransport | None" = None,
) -> ProviderFailure | None:
    """One tiny real request through the adapter: None when it answered, else the failure."""
    from pydantic_ai.direct import model_request
    from pydantic_ai.messages import ModelRequest

    # Few attempts and little waiting: someone is looking at the button.
    policy = RetryPolicy(attempts=2, total_seconds=10.0, max_wait=5.0)
    try:
        model = build_model(
            provider, model_name, api_key, base_url, retry=policy, transport=transport
        )
        await asyncio.wait_for(
            model_request(
                model,
                [ModelRequest.user_text_prompt("Reply with the word OK.")],
                model_settings={"max_tokens": 16},
            ),
            timeout=45,
        )
    except Exception as exc:
        return classify_failure(exc)
    return None

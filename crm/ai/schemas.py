"""Bodies of the AI settings API. API keys go in and never come out: answers carry a masked
hint (`sk-…3f9a`) and whether a key is set."""

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, SecretStr, StringConstraints

from crm.ai.providers import FailureKind
from crm.kit.schemas import Input, Output
from crm.models import AIProvider

ModelName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^\s]*$")
]


def _api_key(value: SecretStr) -> SecretStr:
    key = value.get_secret_value().strip()
    if len(key) < 8:
        raise ValueError("is too short to be an API key")
    if len(key) > 500:
        raise ValueError("is too long to be an API key")
    if any(c.isspace() or not c.isprintable() for c in key):
        raise ValueError("must not contain spaces or control characters")
    return SecretStr(key)


def _base_url(value: str) -> str:
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// address, like http://localhost:11434/v1")
    if parts.username or parts.password or parts.fragment:
        raise ValueError("must not carry a user name, password or #fragment")
    return value


APIKey = Annotated[SecretStr, AfterValidator(_api_key)]
BaseURL = Annotated[str, Field(max_length=500), AfterValidator(_base_url)]
ThinkingBudget = Annotated[int, Field(ge=1024, le=64000)]


class UpdateAISettingsInput(Input):
    """The workspace's provider. Leave `api_key` out to keep the saved key (it is dropped when
    the provider changes); `clear_api_key` removes it. An empty `model_name` means the
    provider's default."""

    provider: AIProvider = AIProvider.anthropic
    model_name: ModelName = ""
    api_key: APIKey | None = None
    clear_api_key: bool = False
    base_url: BaseURL | None = None
    anthropic_thinking: bool = False
    anthropic_thinking_budget: ThinkingBudget = 2048


class PersonalKeyInput(Input):
    """Your own key for a hosted provider; it overrides the workspace's key for you alone."""

    provider: Literal[AIProvider.anthropic, AIProvider.openai, AIProvider.gemini]
    api_key: APIKey
    model_name: ModelName = ""


class PersonalKeyOut(Output):
    provider: AIProvider
    model_name: str
    api_key_hint: str
    updated_at: datetime


class EffectiveOut(Output):
    """Where this user's requests go now, or null: the offline interpreter answers."""

    provider: AIProvider
    model_name: str
    source: Literal["personal", "workspace", "environment"]


class AnsweringOut(Output):
    """Who answers this user's requests now and why, in words for people."""

    source: Literal["personal", "workspace", "environment", "offline"]
    label: Annotated[str, Field(description='e.g. "Anthropic claude-sonnet-5-5"')]
    reason: str


class AISettingsOut(Output):
    """The workspace's AI settings (`provider` and `model_name` are the defaults until
    `workspace_configured`), your personal key, and where your requests go (`effective`: null
    for the offline interpreter; `answering`: the same, with the reason)."""

    workspace_configured: bool
    provider: AIProvider
    model_name: str
    base_url: str | None
    api_key_set: bool
    api_key_hint: str | None
    anthropic_thinking: bool
    anthropic_thinking_budget: int
    can_edit: bool
    default_models: dict[AIProvider, str]
    personal: PersonalKeyOut | None
    effective: EffectiveOut | None
    answering: AnsweringOut


class TestConnectionOut(Output):
    ok: bool
    provider: AIProvider | None
    model_name: str | None
    source: Literal["personal", "workspace", "environment"] | None
    kind: FailureKind | Literal["not_configured"] | None
    message: str

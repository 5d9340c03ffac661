"""Settings from the environment (and a `.env` file when present); see DESIGN.md section 5."""

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: SecretStr | None = None
    database_admin_url: SecretStr | None = None
    crm_data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("crm")))
    crm_secret_key: SecretStr | None = None
    crm_base_url: str = "http://127.0.0.1:8000"
    crm_allowed_hosts: Annotated[list[str], NoDecode] = []
    redis_url: str | None = None
    # With DATABASE_URL: upgrade the schema (as DATABASE_ADMIN_URL) when a process starts,
    # instead of `crm migrate` as a release step (docs/deploy.md).
    crm_migrate_on_start: bool = False
    metrics_token: SecretStr | None = None  # Bearer token for /metrics from off the loopback

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "crm@localhost"
    smtp_starttls: bool = True

    # Model providers: the fallbacks when a workspace has set no key (DESIGN.md section 5).
    anthropic_api_key: SecretStr | None = None
    openai_api_key: SecretStr | None = None
    gemini_api_key: SecretStr | None = None
    openai_base_url: str | None = None  # an OpenAI-compatible server (Ollama, vLLM, LM Studio)
    assistant_model: str | None = None  # the provider's model; its default when unset

    # Integrations (docs/integrations.md): no client id, no connect button for that service.
    microsoft_client_id: str | None = None
    microsoft_client_secret: SecretStr | None = None
    microsoft_tenant_id: str = "common"
    microsoft_authority_url: str = "https://login.microsoftonline.com"
    microsoft_graph_url: str = "https://graph.microsoft.com/v1.0"
    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    google_auth_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL)
    google_api_url: str = "https://www.googleapis.com"

    # Background jobs (crm.jobs): `crm serve` sets CRM_WORKER_IN_PROCESS unless --no-worker.
    crm_worker_in_process: bool = False
    worker_concurrency: int = 10
    worker_polling_seconds: float = 1.0
    worker_stalled_seconds: float = 30.0

    # The Microsoft 365 MCP server's address when it runs as its own process (unset: in-process).
    mcp_microsoft365_url: str | None = None
    # The Google Workspace MCP server's address when it runs as its own process.
    mcp_google_url: str | None = None
    # Calls to the Microsoft 365 and Google MCP servers' tools, per connected account.
    rate_limit_integrations: str = "120/minute"

    rate_limit_auth: str = "10/minute"
    rate_limit_api: str = "600/minute"
    # Open OAuth client registrations (MCP clients signing in), per client address.
    rate_limit_oauth_registration: str = "20/hour"
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    invite_days: int = 7
    max_body_bytes: int = 1_000_000
    log_level: str = "INFO"

    @property
    def invite_lifetime(self) -> timedelta:
        return timedelta(days=self.invite_days)

    @field_validator("crm_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip() for host in value.split(",") if host.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""What the connection foundation needs to know of a service (Microsoft 365, Google): a
`Provider` per service, so adding one is one more entry in crm.integrations.providers and
domain code never imports a vendor module."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from crm.config import Settings

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class OAuthEndpoints:
    """Where and as whom the CRM asks for tokens, from the server's settings."""

    authorize_url: str
    token_url: str
    client_id: str
    client_secret: str | None


@dataclass(frozen=True)
class Account:
    """The connected account as the service names it."""

    email: str | None
    name: str | None


class Provider(Protocol):
    """One OAuth 2.0 service the users can connect."""

    service: str  # the slug in URLs and rows: ms365, google
    name: str  # as users know it: "Microsoft 365"
    scopes: tuple[str, ...]
    abilities: tuple[str, ...]  # what the CRM may do, in words, for the Settings card
    settings_names: tuple[str, ...]  # the variables an administrator sets to enable it
    docs_anchor: str  # the section of docs/integrations.md that explains its setup

    def endpoints(self, settings: Settings) -> OAuthEndpoints | None:
        """The OAuth endpoints and client, or None when the server has no client id."""
        ...

    def authorize_params(self, *, has_refresh_token: bool) -> dict[str, str]:
        """Extra parameters of the authorize request (Google's `access_type`, `prompt`)."""
        ...

    def refusal(self, description: str) -> str:
        """In words, for the user, why the provider refused the refresh token (`invalid_grant`
        with this `error_description`) and what renews it."""
        ...

    def consent_gaps(self, granted: tuple[str, ...]) -> str | None:
        """In words, what the CRM cannot do because the user left a scope unticked at
        consent; None when everything asked for was granted."""
        ...

    async def read_account(
        self, http: "httpx.AsyncClient", settings: Settings, access_token: str
    ) -> Account:
        """Who the token belongs to."""
        ...

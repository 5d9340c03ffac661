"""Microsoft 365's OAuth details: the Microsoft identity platform (v2.0 endpoints under
MICROSOFT_AUTHORITY_URL and the tenant), the delegated Graph scopes the tools need, and the
account read from Graph's `GET /me`. The Graph client itself is crm.integrations.ms365's."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crm.config import Settings
from crm.integrations.base import Account, OAuthEndpoints

if TYPE_CHECKING:
    import httpx

# The least the Microsoft 365 tools need; docs/integrations.md says why each.
SCOPES = (
    "offline_access",
    "User.Read",
    "Mail.ReadWrite",
    "Mail.Send",
    "Calendars.ReadWrite",
    "Files.ReadWrite.All",
    "Sites.ReadWrite.All",
    "OnlineMeetings.ReadWrite",
    "Team.ReadBasic.All",
    "Channel.ReadBasic.All",
    "OnlineMeetingTranscript.Read.All",
)


@dataclass(frozen=True)
class Microsoft365:
    service: str = "ms365"
    name: str = "Microsoft 365"
    scopes: tuple[str, ...] = SCOPES
    abilities: tuple[str, ...] = (
        "read, draft and send mail from Outlook",
        "read and change your Outlook calendar",
        "read, write and share files in OneDrive and SharePoint",
        "list your Teams and channels, create Teams meetings and read their transcripts",
    )
    settings_names: tuple[str, ...] = (
        "MICROSOFT_CLIENT_ID",
        "MICROSOFT_CLIENT_SECRET",
        "MICROSOFT_TENANT_ID",
    )
    docs_anchor: str = "microsoft-365"

    def endpoints(self, settings: Settings) -> OAuthEndpoints | None:
        if not settings.microsoft_client_id:
            return None
        base = f"{settings.microsoft_authority_url.rstrip('/')}/{settings.microsoft_tenant_id}"
        secret = settings.microsoft_client_secret
        return OAuthEndpoints(
            authorize_url=f"{base}/oauth2/v2.0/authorize",
            token_url=f"{base}/oauth2/v2.0/token",
            client_id=settings.microsoft_client_id,
            client_secret=secret.get_secret_value() if secret else None,
        )

    def authorize_params(self, *, has_refresh_token: bool) -> dict[str, str]:
        # Let the user pick the account each time (a browser may be signed in to several).
        return {"prompt": "select_account"}

    def refusal(self, description: str) -> str:
        return (
            f"{self.name} no longer accepts the CRM's access (it was revoked, expired or the "
            "password changed). Reconnect to renew it."
        )

    def consent_gaps(self, granted: tuple[str, ...]) -> str | None:
        # Microsoft's consent is all or nothing (an admin may consent for the organization).
        return None

    async def read_account(
        self, http: "httpx.AsyncClient", settings: Settings, access_token: str
    ) -> Account:
        response = await http.get(
            f"{settings.microsoft_graph_url.rstrip('/')}/me",
            params={"$select": "displayName,mail,userPrincipalName"},
            headers={"Authorization": f"Bearer {access_token}"},
        )
        response.raise_for_status()
        me = response.json()
        return Account(
            email=me.get("mail") or me.get("userPrincipalName"), name=me.get("displayName")
        )


microsoft365 = Microsoft365()

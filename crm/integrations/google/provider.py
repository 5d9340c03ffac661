"""Google Workspace's OAuth details: Google's OAuth 2.0 endpoints (GOOGLE_AUTH_URL,
GOOGLE_TOKEN_URL), offline access with consent asked only while no refresh token is held, the
least scopes the Gmail, Calendar and Drive tools need, the account from `/oauth2/v3/userinfo`,
and Google's own ways of refusing a grant, in words. The REST client is
crm.integrations.google.api."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crm.config import Settings
from crm.integrations.base import Account, OAuthEndpoints

if TYPE_CHECKING:
    import httpx

AUTH = "https://www.googleapis.com/auth/"
# The least the tools need, with what each lets the CRM do; docs/integrations.md says why each.
SCOPE_ABILITIES = {
    "openid": None,
    f"{AUTH}userinfo.email": None,  # which account is connected
    f"{AUTH}userinfo.profile": None,
    f"{AUTH}gmail.readonly": "search and read your Gmail",
    f"{AUTH}gmail.compose": "draft and send mail from Gmail",
    f"{AUTH}calendar.calendarlist.readonly": "list your Google calendars",
    f"{AUTH}calendar.events": "read and change events in your Google Calendar",
    f"{AUTH}drive": "read, upload and share files in your Google Drive",
}
SCOPES = tuple(SCOPE_ABILITIES)
DOCS = "docs/integrations.md#google-workspace"


@dataclass(frozen=True)
class GoogleWorkspace:
    service: str = "google"
    name: str = "Google Workspace"
    scopes: tuple[str, ...] = SCOPES
    abilities: tuple[str, ...] = (
        "search, read, draft and send mail from Gmail",
        "read and change your Google Calendar, with Google Meet links",
        "read, upload and share files in Google Drive, Docs, Sheets and Slides as text",
    )
    settings_names: tuple[str, ...] = ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET")
    docs_anchor: str = "google-workspace"

    def endpoints(self, settings: Settings) -> OAuthEndpoints | None:
        if not settings.google_client_id:
            return None
        secret = settings.google_client_secret
        return OAuthEndpoints(
            authorize_url=settings.google_auth_url,
            token_url=settings.google_token_url,
            client_id=settings.google_client_id,
            client_secret=secret.get_secret_value() if secret else None,
        )

    def authorize_params(self, *, has_refresh_token: bool) -> dict[str, str]:
        # Google hands out a refresh token only at consent: ask for it again only while the
        # CRM holds none (asking every time would make the user consent on each reconnect).
        params = {"access_type": "offline"}
        if not has_refresh_token:
            params["prompt"] = "consent"
        return params

    def refusal(self, description: str) -> str:
        if "invalid_rapt" in description:
            return (
                "Your Google Workspace administrator requires you to sign in again "
                "(re-authentication policy), so Google stopped accepting the CRM's access. "
                "Reconnect to renew it."
            )
        return (
            "Google no longer accepts the CRM's access: it was revoked, your password changed, "
            "or it expired. If this happens about a week after every connect, the app's OAuth "
            "consent screen is still in Testing, where Google lets refresh tokens live 7 days: "
            f"an administrator publishes it ({DOCS}). Reconnect to renew it."
        )

    def consent_gaps(self, granted: tuple[str, ...]) -> str | None:
        missing = [
            ability
            for scope, ability in SCOPE_ABILITIES.items()
            if ability and scope not in granted
        ]
        if not missing:
            return None
        return (
            f"At Google's consent screen some permissions were left unticked, so the CRM cannot "
            f"{' or '.join(missing)}. Reconnect and tick every box to allow it."
        )

    async def read_account(
        self, http: "httpx.AsyncClient", settings: Settings, access_token: str
    ) -> Account:
        response = await http.get(
            f"{settings.google_api_url.rstrip('/')}/oauth2/v3/userinfo",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        response.raise_for_status()
        me = response.json()
        return Account(email=me.get("email"), name=me.get("name"))


google_workspace = GoogleWorkspace()

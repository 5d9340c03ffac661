"""OAuth 2.0 authorization code with PKCE (S256) through authlib's httpx client: the authorize
URL, the code exchange and the refresh. Failures come back as two exceptions the service turns
into words: the grant is gone for good (`GrantRevoked`), or the provider failed this once."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from crm.integrations.base import OAuthEndpoints, Provider

# authlib (with joserfc and httpx2) is imported on the first OAuth request, not with the web
# app: about a tenth of its start-up, for a request most processes never make.
TIMEOUT = 15.0  # seconds
# A token without `expires_in` is treated as living an hour (Microsoft's and Google's usual).
DEFAULT_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class Grant:
    """What a token endpoint answered."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scopes: tuple[str, ...]


class GrantRevoked(Exception):
    """The provider answered `invalid_grant`: the refresh token (or code) is no longer valid;
    only the user can connect again."""


class ProviderFailed(Exception):
    """The provider could not be reached or refused the request for another reason."""


def new_secret() -> str:
    """A `state` or PKCE `code_verifier` (RFC 7636: 43 to 128 characters)."""
    return secrets.token_urlsafe(48)


@cache
def _http_errors() -> tuple[type[Exception], ...]:
    """authlib's client speaks httpx2 when it is installed (pydantic-ai and mcp bring it),
    httpx otherwise: a transport failure may come from either."""
    import httpx

    try:
        import httpx2
    except ImportError:  # pragma: no cover
        return (httpx.HTTPError,)
    return (httpx.HTTPError, httpx2.HTTPError)


def _client(provider: Provider, endpoints: OAuthEndpoints, redirect_uri: str | None = None):  # type: ignore[no-untyped-def]
    from authlib.integrations.httpx_client import AsyncOAuth2Client

    return AsyncOAuth2Client(
        client_id=endpoints.client_id,
        client_secret=endpoints.client_secret,
        # Microsoft's and Google's documented form: the secret in the POST body.
        token_endpoint_auth_method="client_secret_post" if endpoints.client_secret else "none",
        scope=" ".join(provider.scopes),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    )


def authorization_url(
    provider: Provider,
    endpoints: OAuthEndpoints,
    *,
    redirect_uri: str,
    state: str,
    code_verifier: str,
    params: dict[str, str],
) -> str:
    """Where the browser goes to sign in and consent."""
    client = _client(provider, endpoints, redirect_uri)
    url, _ = client.create_authorization_url(
        endpoints.authorize_url, state=state, code_verifier=code_verifier, **params
    )
    return str(url)


async def exchange_code(
    provider: Provider,
    endpoints: OAuthEndpoints,
    *,
    redirect_uri: str,
    code: str,
    code_verifier: str,
) -> Grant:
    """Trade the authorization code (with its PKCE verifier) for tokens."""
    async with _client(provider, endpoints, redirect_uri) as client:
        return await _grant(
            client.fetch_token(
                endpoints.token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            ),
            fallback_scopes=provider.scopes,
        )


async def refresh(provider: Provider, endpoints: OAuthEndpoints, *, refresh_token: str) -> Grant:
    """New tokens for a refresh token; the answer may carry a new (rotated) refresh token."""
    async with _client(provider, endpoints) as client:
        grant = await _grant(
            client.refresh_token(endpoints.token_url, refresh_token=refresh_token),
            fallback_scopes=provider.scopes,
        )
    if grant.refresh_token is None:  # not rotated: the old one stays valid
        grant = Grant(grant.access_token, refresh_token, grant.expires_at, grant.scopes)
    return grant


async def _grant(request, *, fallback_scopes: tuple[str, ...]) -> Grant:  # type: ignore[no-untyped-def]
    from authlib.integrations.httpx_client import OAuthError

    try:
        token = await request
    except OAuthError as exc:
        if exc.error == "invalid_grant":
            raise GrantRevoked(exc.description or exc.error) from exc
        raise ProviderFailed(exc.error) from exc
    except (*_http_errors(), ValueError) as exc:
        raise ProviderFailed(type(exc).__name__) from exc
    if not token.get("access_token"):
        raise ProviderFailed("no access_token in the answer")
    expires_at = token.get("expires_at")
    return Grant(
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token"),
        expires_at=datetime.fromtimestamp(expires_at, UTC)
        if expires_at
        else datetime.now(UTC) + DEFAULT_LIFETIME,
        scopes=tuple(token["scope"].split()) if token.get("scope") else fallback_scopes,
    )

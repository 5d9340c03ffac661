"""A stand-in for the Microsoft identity platform (v2.0 endpoints) and Graph's `GET /me`,
following Microsoft's documented requests and answers:

- `GET /{tenant}/oauth2/v2.0/authorize`: checks the app, the registered redirect URI and the
  PKCE challenge, then "signs in" the account a test chose and redirects back with `code` and
  `state` (or `error=access_denied` when the test has the user decline consent).
- `POST /{tenant}/oauth2/v2.0/token`: `authorization_code` (the client secret, the redirect
  URI of the authorize request, the PKCE S256 verifier; a code is redeemed once) and
  `refresh_token` (each refresh rotates the refresh token: the spent one, like a revoked
  grant, then answers `invalid_grant` with its AADSTS text).
- `GET /v1.0/me`: the signed-in account, or 401 `InvalidAuthenticationToken`.

The Graph stand-in authenticates its requests with `account_for(request)`, so both share one
set of tokens when they are served by one StandInServer."""

import asyncio
import base64
import hashlib
import itertools
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

TENANTS = ("common", "organizations", "consumers")
CODE_LIFETIME = timedelta(minutes=10)
# Graph's app id, as the identity platform names it in WWW-Authenticate.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


@dataclass(frozen=True)
class MicrosoftAccount:
    display_name: str
    mail: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def user_principal_name(self) -> str:
        return self.mail


@dataclass
class _Code:
    account: MicrosoftAccount
    redirect_uri: str
    challenge: str
    scopes: list[str]
    issued_at: datetime
    redeemed: bool = False


@dataclass
class _Grant:
    """One refresh token; `state` is active, spent (rotated away) or revoked."""

    account: MicrosoftAccount
    scopes: list[str]
    state: str = "active"


@dataclass
class _Access:
    account: MicrosoftAccount
    expires_at: datetime


class MicrosoftIdentity:
    def __init__(
        self,
        *,
        client_id: str = "11111111-2222-3333-4444-555555555555",
        client_secret: str | None = None,
        tenant: str = "contoso.onmicrosoft.com",
    ) -> None:
        self.client_id, self.tenant = client_id, tenant
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.redirect_uris: set[str] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        """Forget every account's codes, grants and tokens and what was seen; the app's
        registration (client, secret, redirect URIs) stays."""
        self.access_lifetime = 3599  # seconds, as Microsoft answers
        self.refresh_delay = 0.0  # seconds a refresh takes (to make concurrent ones overlap)
        self.signing_in: MicrosoftAccount | None = None  # who signs in at the next authorize
        self.consents = True  # False: the user declines (error=access_denied)
        self.authorize_requests: list[dict[str, str]] = []
        self.refreshes: list[str] = []  # every refresh token presented
        self._codes: dict[str, _Code] = {}
        self._grants: dict[str, _Grant] = {}
        self._access: dict[str, _Access] = {}

    # What tests set up and look at.

    def crm_settings(self, url: str) -> dict[str, Any]:
        """The CRM's settings that point it at this stand-in served at `url`."""
        return {
            "microsoft_client_id": self.client_id,
            "microsoft_client_secret": self.client_secret,
            "microsoft_tenant_id": self.tenant,
            "microsoft_authority_url": url,
            "microsoft_graph_url": f"{url}/v1.0",
        }

    def crm_environment(self, url: str) -> dict[str, str]:
        """The same as environment variables, for a `crm serve` process."""
        return {k.upper(): str(v) for k, v in self.crm_settings(url).items()}

    def revoke(self, account: MicrosoftAccount) -> None:
        """The user (or their admin) revoked the app's access: every grant of the account."""
        with self._lock:
            for grant in self._grants.values():
                if grant.account == account:
                    grant.state = "revoked"
            self._access = {k: v for k, v in self._access.items() if v.account != account}

    def expire_access_tokens(self) -> None:
        with self._lock:
            for access in self._access.values():
                access.expires_at = datetime.now(UTC) - timedelta(seconds=1)

    def account_for(self, request: Request) -> MicrosoftAccount | Response:
        """The account of the request's Bearer token, or Graph's 401 answer."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return _graph_401("Access token is empty.")
        with self._lock:
            access = self._access.get(token.strip())
        if access is None:
            return _graph_401("IDX14100: JWT is not well formed.")
        if access.expires_at <= datetime.now(UTC):
            return _graph_401("Lifetime validation failed, the token is expired.")
        return access.account

    def routes(self) -> list[Route]:
        return [
            Route("/{tenant}/oauth2/v2.0/authorize", self.authorize, methods=["GET"]),
            Route("/{tenant}/oauth2/v2.0/token", self.token, methods=["POST"]),
            Route("/v1.0/me", self.me, methods=["GET"]),
        ]

    # The endpoints.

    async def authorize(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.authorize_requests.append(query)
        if not self._tenant_ok(request):
            return PlainTextResponse("AADSTS90002: Tenant not found.", 400)
        if query.get("client_id") != self.client_id:
            return PlainTextResponse(
                f"AADSTS700016: Application with identifier '{query.get('client_id')}' was "
                "not found in the directory.",
                400,
            )
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            return PlainTextResponse(
                f"AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does "
                "not match the redirect URIs configured for the application.",
                400,
            )
        state = query.get("state")
        if query.get("response_type") != "code":
            return _back(redirect_uri, state, "unsupported_response_type", "AADSTS70005")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return _back(redirect_uri, state, "invalid_request", "AADSTS501491: PKCE required")
        if not self.consents or self.signing_in is None:
            return _back(
                redirect_uri,
                state,
                "access_denied",
                "AADSTS65004: User declined to consent to access the app.",
            )
        code = f"0.code-{next(self._ids)}-{secrets.token_urlsafe(24)}"
        with self._lock:
            self._codes[code] = _Code(
                account=self.signing_in,
                redirect_uri=redirect_uri,
                challenge=query["code_challenge"],
                scopes=query.get("scope", "").split(),
                issued_at=datetime.now(UTC),
            )
        params = {"code": code, "session_state": str(uuid.uuid4())}
        if state is not None:
            params["state"] = state
        return RedirectResponse(f"{redirect_uri}?{urlencode(params)}", 302)

    async def token(self, request: Request) -> Response:
        if not self._tenant_ok(request):
            return _error(400, "invalid_request", 90002, "Tenant not found.")
        form = dict(await request.form())
        client_id, client_secret = _client_credentials(request, form)
        if client_id != self.client_id:
            return _error(
                400, "unauthorized_client", 700016, f"Application '{client_id}' was not found."
            )
        if client_secret != self.client_secret:
            return _error(401, "invalid_client", 7000215, "Invalid client secret provided.")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._redeem_code(form)
        if grant_type == "refresh_token":
            return await self._refresh(form)
        return _error(400, "unsupported_grant_type", 70003, "The grant type is not supported.")

    async def me(self, request: Request) -> Response:
        account = self.account_for(request)
        if isinstance(account, Response):
            return account
        me = {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
            "businessPhones": [],
            "displayName": account.display_name,
            "givenName": account.display_name.split()[0],
            "surname": account.display_name.split()[-1],
            "jobTitle": None,
            "mail": account.mail,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "en-US",
            "userPrincipalName": account.user_principal_name,
            "id": account.id,
        }
        if select := request.query_params.get("$select"):
            wanted = set(select.split(","))
            me = {k: v for k, v in me.items() if k in wanted or k == "@odata.context"}
        return JSONResponse(me)

    # The grants.

    def _redeem_code(self, form: dict[str, Any]) -> Response:
        with self._lock:
            code = self._codes.get(form.get("code", ""))
            if code is None:
                return _error(400, "invalid_grant", 9002313, "Invalid request. Malformed code.")
            if code.redeemed:
                return _error(
                    400,
                    "invalid_grant",
                    54005,
                    "OAuth2 Authorization code was already redeemed, please retry with a new "
                    "valid code or use an existing refresh token.",
                )
            code.redeemed = True
        if datetime.now(UTC) - code.issued_at > CODE_LIFETIME:
            return _error(
                400, "invalid_grant", 70008, "The provided authorization code has expired."
            )
        if form.get("redirect_uri") != code.redirect_uri:
            return _error(
                400,
                "invalid_grant",
                500112,
                f"The reply address '{form.get('redirect_uri')}' does not match the reply "
                f"address '{code.redirect_uri}' provided when requesting Authorization code.",
            )
        if _s256(form.get("code_verifier", "")) != code.challenge:
            return _error(
                400,
                "invalid_grant",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the "
                "authorization request.",
            )
        return self._issue(code.account, code.scopes)

    async def _refresh(self, form: dict[str, Any]) -> Response:
        presented = form.get("refresh_token", "")
        self.refreshes.append(presented)
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        with self._lock:
            grant = self._grants.get(presented)
            if grant is None or grant.state == "spent":
                return _error(
                    400,
                    "invalid_grant",
                    70008,
                    "The provided authorization code or refresh token has expired due to "
                    "inactivity.",
                )
            if grant.state == "revoked":
                return _error(
                    400,
                    "invalid_grant",
                    50173,
                    "The provided grant has expired due to it being revoked, a fresh auth "
                    "token is needed. The user might have changed or reset their password.",
                )
            grant.state = "spent"
        scopes = form.get("scope", "").split() or grant.scopes
        return self._issue(grant.account, scopes)

    def _issue(self, account: MicrosoftAccount, scopes: list[str]) -> Response:
        access = f"eyJ0eXAi.access-{next(self._ids)}.{secrets.token_urlsafe(24)}"
        refresh = f"0.refresh-{next(self._ids)}.{secrets.token_urlsafe(32)}"
        with self._lock:
            self._access[access] = _Access(
                account, datetime.now(UTC) + timedelta(seconds=self.access_lifetime)
            )
            self._grants[refresh] = _Grant(account, scopes)
        body = {
            "token_type": "Bearer",
            # Microsoft lists the granted scopes without offline_access.
            "scope": " ".join(s for s in scopes if s != "offline_access"),
            "expires_in": self.access_lifetime,
            "ext_expires_in": self.access_lifetime,
            "access_token": access,
        }
        if "offline_access" in scopes:
            body["refresh_token"] = refresh
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _tenant_ok(self, request: Request) -> bool:
        return request.path_params["tenant"] in (*TENANTS, self.tenant)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _client_credentials(request: Request, form: dict[str, Any]) -> tuple[str, str]:
    """client_secret_post, or client_secret_basic (both accepted by Microsoft)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user, password
    return form.get("client_id", ""), form.get("client_secret", "")


def _back(redirect_uri: str, state: str | None, error: str, description: str) -> Response:
    params = {"error": error, "error_description": description}
    if state is not None:
        params["state"] = state
    return RedirectResponse(f"{redirect_uri}?{urlencode(params)}", 302)


def _error(status: int, error: str, code: int, text: str) -> JSONResponse:
    """The token endpoint's error body, as documented."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    return JSONResponse(
        {
            "error": error,
            "error_description": f"AADSTS{code}: {text} Trace ID: {trace} "
            f"Correlation ID: {correlation} Timestamp: {now}",
            "error_codes": [code],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        },
        status_code=status,
    )


def _graph_401(message: str) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": "InvalidAuthenticationToken",
                "message": message,
                "innerError": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": str(uuid.uuid4()),
                    "client-request-id": str(uuid.uuid4()),
                },
            }
        },
        status_code=401,
        headers={
            "WWW-Authenticate": 'Bearer realm="", authorization_uri='
            '"https://login.microsoftonline.com/common/oauth2/authorize", '
            f'client_id="{GRAPH_APP_ID}"'
        },
    )

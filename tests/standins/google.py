"""A stand-in for Google's OAuth 2.0 endpoints and `/oauth2/v3/userinfo`, following Google's
documented requests and answers:

- `GET /o/oauth2/v2/auth`: checks the client, the registered redirect URI and the PKCE S256
  challenge, then "signs in" the account a test chose and redirects back with `code`, `state`
  and the granted `scope` (the user may untick scopes: granular consent), or
  `error=access_denied`. A refresh token is issued only with `access_type=offline`, and only
  at the account's first consent or with `prompt=consent` (as Google does).
- `POST /token`: `authorization_code` (client secret in the body, redirect URI, PKCE verifier;
  a code is redeemed once) and `refresh_token` (not rotated; answers `invalid_grant` "Token has
  been expired or revoked." once revoked, or with `error_subtype` `invalid_rapt` when the
  Workspace admin requires re-authentication).
- `GET /oauth2/v3/userinfo`: the account, or 401.

The Gmail, Calendar and Drive stand-in (tests.standins.google_apis) authenticates its requests
with `account_for(request)`."""

import base64
import hashlib
import itertools
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route


@dataclass(frozen=True)
class GoogleAccount:
    name: str
    email: str
    sub: str = field(default_factory=lambda: str(secrets.randbelow(10**21)))


@dataclass
class _Code:
    account: GoogleAccount
    redirect_uri: str
    challenge: str
    scopes: list[str]
    offline: bool
    redeemed: bool = False


@dataclass
class _Grant:
    account: GoogleAccount
    scopes: list[str]
    state: str = "active"  # active, revoked, rapt


@dataclass
class _Access:
    account: GoogleAccount
    scopes: list[str]
    expires_at: datetime


class GoogleIdentity:
    def __init__(self, *, client_id: str = "1234567890-abc.apps.googleusercontent.com") -> None:
        self.client_id = client_id
        self.client_secret = "GOCSPX-" + secrets.token_urlsafe(20)
        self.redirect_uris: set[str] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        self.access_lifetime = 3599
        self.signing_in: GoogleAccount | None = None
        self.consents = True
        self.unticked: set[str] = set()  # scopes the user unticks at consent
        self.authorize_requests: list[dict[str, str]] = []
        self.refreshes: list[str] = []
        self._codes: dict[str, _Code] = {}
        self._grants: dict[str, _Grant] = {}
        self._access: dict[str, _Access] = {}
        self._consented: set[str] = set()  # accounts that consented once (by sub)

    def crm_settings(self, url: str) -> dict[str, Any]:
        return {
            "google_client_id": self.client_id,
            "google_client_secret": self.client_secret,
            "google_auth_url": f"{url}/o/oauth2/v2/auth",
            "google_token_url": f"{url}/token",
            "google_api_url": url,
        }

    def token_for(self, account: GoogleAccount, scopes: list[str] | None = None) -> str:
        """An access token for `account` as if it had connected (for the MCP server's tests)."""
        token = f"ya29.{next(self._ids)}-{secrets.token_urlsafe(24)}"
        with self._lock:
            self._access[token] = _Access(
                account, scopes or [], datetime.now(UTC) + timedelta(hours=1)
            )
        return token

    def revoke(self, account: GoogleAccount, *, state: str = "revoked") -> None:
        """The grant is refused from now on: revoked (or the 7 days of a Testing app passed),
        or `rapt` (the Workspace admin requires re-authentication)."""
        with self._lock:
            for grant in self._grants.values():
                if grant.account == account:
                    grant.state = state
            self._access = {k: v for k, v in self._access.items() if v.account != account}

    def expire_access_tokens(self) -> None:
        with self._lock:
            for access in self._access.values():
                access.expires_at = datetime.now(UTC) - timedelta(seconds=1)

    def account_for(self, request: Request) -> GoogleAccount | Response:
        """The account of the request's Bearer token, or Google's 401 answer."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            access = self._access.get(token.strip()) if scheme.lower() == "bearer" else None
        if access is None or access.expires_at <= datetime.now(UTC):
            return api_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
                "UNAUTHENTICATED",
                "authError",
            )
        return access.account

    def routes(self) -> list[Route]:
        return [
            Route("/o/oauth2/v2/auth", self.authorize, methods=["GET"]),
            Route("/token", self.token, methods=["POST"]),
            Route("/oauth2/v3/userinfo", self.userinfo, methods=["GET"]),
        ]

    async def authorize(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.authorize_requests.append(query)
        if query.get("client_id") != self.client_id:
            return PlainTextResponse(
                "Error 401: invalid_client. The OAuth client was not found.", 401
            )
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            return PlainTextResponse(
                "Error 400: redirect_uri_mismatch. You can't sign in to this app because it "
                "doesn't comply with Google's OAuth 2.0 policy.",
                400,
            )
        state = query.get("state")
        if query.get("response_type") != "code":
            return _back(redirect_uri, state, {"error": "unsupported_response_type"})
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return _back(redirect_uri, state, {"error": "invalid_request"})
        if not self.consents or self.signing_in is None:
            return _back(redirect_uri, state, {"error": "access_denied"})
        scopes = [s for s in query.get("scope", "").split() if s not in self.unticked]
        code = f"4/0A{next(self._ids)}{secrets.token_urlsafe(30)}"
        with self._lock:
            self._codes[code] = _Code(
                self.signing_in,
                redirect_uri,
                query["code_challenge"],
                scopes,
                offline=query.get("access_type") == "offline"
                and (
                    query.get("prompt") == "consent" or self.signing_in.sub not in self._consented
                ),
            )
            self._consented.add(self.signing_in.sub)
        return _back(redirect_uri, state, {"code": code, "scope": " ".join(scopes)})

    async def token(self, request: Request) -> Response:
        form = dict(await request.form())
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return _error(401, "invalid_client", "Unauthorized")
        if form.get("grant_type") == "authorization_code":
            return self._redeem(form)
        if form.get("grant_type") == "refresh_token":
            return self._refresh(form)
        return _error(400, "unsupported_grant_type", "Invalid grant_type: ")

    async def userinfo(self, request: Request) -> Response:
        account = self.account_for(request)
        if isinstance(account, Response):
            return account
        first, _, last = account.name.partition(" ")
        return JSONResponse(
            {
                "sub": account.sub,
                "name": account.name,
                "given_name": first,
                "family_name": last,
                "picture": "https://lh3.googleusercontent.com/a/default-user",
                "email": account.email,
                "email_verified": True,
                "hd": account.email.split("@")[1],
            }
        )

    def _redeem(self, form: dict[str, Any]) -> Response:
        with self._lock:
            code = self._codes.get(form.get("code", ""))
            if code is None or code.redeemed:
                return _error(400, "invalid_grant", "Bad Request")
            code.redeemed = True
        if form.get("redirect_uri") != code.redirect_uri:
            return _error(400, "redirect_uri_mismatch", "Bad Request")
        if _s256(form.get("code_verifier", "")) != code.challenge:
            return _error(400, "invalid_grant", "Missing code verifier.")
        return self._issue(code.account, code.scopes, refresh=code.offline)

    def _refresh(self, form: dict[str, Any]) -> Response:
        presented = form.get("refresh_token", "")
        self.refreshes.append(presented)
        with self._lock:
            grant = self._grants.get(presented)
        if grant is None or grant.state == "revoked":
            return _error(400, "invalid_grant", "Token has been expired or revoked.")
        if grant.state == "rapt":
            return _error(
                400,
                "invalid_grant",
                "reauth related error (invalid_rapt)",
                error_uri="https://support.google.com/a/answer/9368756",
                error_subtype="invalid_rapt",
            )
        return self._issue(grant.account, grant.scopes, refresh=False)

    def _issue(self, account: GoogleAccount, scopes: list[str], *, refresh: bool) -> Response:
        access = f"ya29.a0{next(self._ids)}{secrets.token_urlsafe(30)}"
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": self.access_lifetime,
            "scope": " ".join(scopes),
            "token_type": "Bearer",
            "id_token": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
        }
        with self._lock:
            self._access[access] = _Access(
                account, scopes, datetime.now(UTC) + timedelta(seconds=self.access_lifetime)
            )
            if refresh:
                token = f"1//0g{next(self._ids)}{secrets.token_urlsafe(40)}"
                self._grants[token] = _Grant(account, scopes)
                body["refresh_token"] = token
        return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _back(redirect_uri: str, state: str | None, params: dict[str, str]) -> Response:
    if state is not None:
        params = {**params, "state": state}
    return RedirectResponse(f"{redirect_uri}?{urlencode(params)}", 302)


def _error(status: int, error: str, description: str, **extra: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description, **extra}, status_code=status
    )


def api_error(status: int, message: str, reason_status: str, reason: str) -> JSONResponse:
    """Google APIs' error body (Gmail, Calendar, Drive)."""
    headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}
    return JSONResponse(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": reason}],
                "status": reason_status,
            }
        },
        status_code=status,
        headers=headers if status == 401 else None,
    )

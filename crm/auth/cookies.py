"""The web pages' session: HttpOnly, SameSite cookies holding the same tokens the API uses,
plus a CSRF token readable by the page's script (double-submit)."""

import secrets

from fastapi import Response

from crm.auth.service import Tokens

ACCESS = "crm_access"
REFRESH = "crm_refresh"
CSRF = "crm_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
# The refresh cookie goes to every path, so a page request whose access cookie has expired can
# rotate the session itself (crm/web/session.py); SameSite=Strict keeps it off cross-site requests.
REFRESH_PATH = "/"
# Where earlier versions kept the refresh cookie; signing out clears it there too.
LEGACY_REFRESH_PATH = "/api/v1/auth/session"


def start_session(
    response: Response,
    tokens: Tokens,
    *,
    secure: bool,
    refresh_days: int,
    csrf: str | None = None,
) -> str:
    """Set the session cookies; answers the CSRF token the page must send back. A page that
    rotates its session passes its current `csrf`, so forms already on screen stay valid."""
    csrf = csrf or secrets.token_urlsafe(32)
    response.set_cookie(
        ACCESS,
        tokens.access_token,
        max_age=tokens.expires_in,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )
    response.set_cookie(
        REFRESH,
        tokens.refresh_token,
        max_age=refresh_days * 86400,
        httponly=True,
        secure=secure,
        samesite="strict",
        path=REFRESH_PATH,
    )
    response.set_cookie(
        CSRF,
        csrf,
        max_age=refresh_days * 86400,
        httponly=False,
        secure=secure,
        samesite="strict",
        path="/",
    )
    return csrf


def end_session(response: Response, *, secure: bool) -> None:
    response.delete_cookie(ACCESS, path="/", secure=secure, httponly=True, samesite="lax")
    for path in (REFRESH_PATH, LEGACY_REFRESH_PATH):
        response.delete_cookie(REFRESH, path=path, secure=secure, httponly=True, samesite="strict")
    response.delete_cookie(CSRF, path="/", secure=secure, samesite="strict")

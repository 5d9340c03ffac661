"""The web pages' session: HttpOnly, SameSite cookies holding the same tokens the API uses,
plus a CSRF token readable by the page's script (double-submit)."""

import secrets

from fastapi import Response

from crm.auth.service import Tokens

ACCESS = "crm_access"
REFRESH = "crm_refresh"
CSRF = "crm_csrf"
CSRF_HEADER = "x-csrf-token"
REFRESH_PATH = "/api/v1/auth/session"


def start_session(response: Response, tokens: Tokens, *, secure: bool, refresh_days: int) -> str:
    """Set the session cookies; answers the CSRF token the page must send back."""
    csrf = secrets.token_urlsafe(32)
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
    response.delete_cookie(
        REFRESH, path=REFRESH_PATH, secure=secure, httponly=True, samesite="strict"
    )
    response.delete_cookie(CSRF, path="/", secure=secure, samesite="strict")

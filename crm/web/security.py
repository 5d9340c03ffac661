"""Headers of the pages: a Content-Security-Policy that allows only the app's own scripts and
styles, and the session cookies a page route asked for (crm.web.session.set_session)."""

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm.web.session import SESSION_COOKIES

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# A page whose form leads to another site (an OAuth client's redirect URI after consent)
# names that origin here; browsers apply form-action to the redirect a form post answers.
FORM_ACTION = "csp_form_action"
_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*:(//[A-Za-z0-9.:\[\]-]+)?$")
# The interactive API docs load their own scripts and styles; the API answers JSON.
_WITHOUT_PAGE_CSP = ("/docs", "/redoc", "/api/")


class PageHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        page = not scope["path"].startswith(_WITHOUT_PAGE_CSP)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if page:
                    headers.append((b"content-security-policy", _policy(state).encode()))
                for cookie in state.get(SESSION_COOKIES, ()):
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _policy(state: dict[str, object]) -> str:
    origin = state.get(FORM_ACTION)
    if isinstance(origin, str) and _ORIGIN.match(origin):
        return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin}")
    return CONTENT_SECURITY_POLICY

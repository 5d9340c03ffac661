"""Headers of the pages: a Content-Security-Policy that allows only the app's own scripts and
styles, and the session cookies a page route asked for (crm.web.session.set_session)."""

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
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                for cookie in state.get(SESSION_COOKIES, ()):
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""WebSockets of the signed-in user (chat, notifications): the browser's Origin must be this
site's, and the caller proves who they are with a token or the session cookie."""

from urllib.parse import urlsplit

from fastapi import WebSocket

from crm.auth import cookies
from crm.auth.tokens import AccessClaims
from crm.errors import Unauthorized


def origin_allowed(websocket: WebSocket) -> bool:
    """A browser's Origin must be this site's (CRM_BASE_URL or an allowed host)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser; it must then authenticate with a token
    settings = websocket.app.state.settings
    host = urlsplit(origin).hostname or ""
    allowed = {"localhost", "127.0.0.1", "::1", urlsplit(settings.crm_base_url).hostname}
    allowed |= set(settings.crm_allowed_hosts)
    return host in allowed


async def authenticate(websocket: WebSocket) -> AccessClaims:
    signer = websocket.app.state.issuer.signer
    token = websocket.query_params.get("token")
    if token is None and websocket.headers.get("origin") is not None:
        token = websocket.cookies.get(cookies.ACCESS)
    if token is None:
        first = await websocket.receive_json()
        if not isinstance(first, dict) or first.get("type") != "auth":
            raise Unauthorized('Send {"type": "auth", "token": ...} first.')
        token = str(first.get("token", ""))
    return signer.verify_access(token)

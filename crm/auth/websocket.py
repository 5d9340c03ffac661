"""WebSockets of the signed-in user (chat, notifications): the browser's Origin must be this
site's, and the caller proves who they are with a token or the session cookie."""

from urllib.parse import urlsplit

from fastapi import WebSocket

from crm.auth import cookies
from crm.auth.tokens import AccessClaims
from crm.errors import Unauthorized


def origin_allowed(websocket: WebSocket) -> bool:
    """A browser's Origin must be this site: the same host and port as the request (its Host
    header, checked against CRM_ALLOWED_HOSTS by the app) or CRM_BASE_URL's. Another site, or
    another port of the same host (cookies do not tell ports apart), is refused."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser; it must then authenticate with a token
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    base = urlsplit(websocket.app.state.settings.crm_base_url)
    return parts.netloc.lower() in {websocket.headers.get("host", "").lower(), base.netloc.lower()}


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

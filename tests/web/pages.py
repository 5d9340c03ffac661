"""Helpers of the page tests: a browser-like client that signs up through the forms."""

import re
import uuid

import httpx

from tests.conftest import PASSWORD


def csrf(client: httpx.AsyncClient) -> str:
    return client.cookies["crm_csrf"]


async def post_form(
    client: httpx.AsyncClient, url: str, data: dict | None = None, *, htmx: bool = False, **kw
) -> httpx.Response:
    """Post a form as the page does: the CSRF token in a hidden field (plain form) or in the
    X-CSRF-Token header (HTMX)."""
    data = dict(data or {})
    headers = {}
    if htmx:
        headers = {"HX-Request": "true", "X-CSRF-Token": csrf(client)}
    else:
        data.setdefault("csrf_token", csrf(client))
    return await client.post(url, data=data, headers=headers, **kw)


async def sign_up(
    client: httpx.AsyncClient, email: str | None = None, name: str = "Ada Lovelace"
) -> str:
    """Create an account through /register; answers its e-mail."""
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    assert (await client.get("/register")).status_code == 200
    response = await post_form(
        client, "/register", {"name": name, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 303, response.text
    return email


async def invite_link(client: httpx.AsyncClient, email: str, role: str = "member") -> str:
    response = await post_form(client, "/settings/invites", {"email": email, "role": role})
    assert response.status_code == 200, response.text
    match = re.search(r'value="(http://[^"]+/invite/[^"]+)"', response.text)
    assert match, "the page shows the invitation link"
    return match.group(1)

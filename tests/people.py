"""Users for the records tests: each signs up through the API (their own workspace) or joins
another's workspace by invitation, and can act as an Actor in service tests."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from crm.auth.actor import Actor, Channel
from crm.models import Role
from tests.conftest import PASSWORD, bearer, register


@dataclass(frozen=True)
class Person:
    name: str
    user_id: uuid.UUID
    workspace_id: uuid.UUID
    role: Role
    headers: dict[str, str]

    def actor(self, channel: Channel = "api") -> Actor:
        return Actor(self.user_id, self.workspace_id, self.role, channel)

    @property
    def context(self) -> dict[str, uuid.UUID]:
        """The row-level-security context of this person's transactions."""
        return {"user_id": self.user_id, "workspace_id": self.workspace_id}


async def _person(client: httpx.AsyncClient, tokens: dict[str, Any], name: str) -> Person:
    headers = bearer(tokens)
    me = (await client.get("/api/v1/me", headers=headers)).json()
    return Person(
        name, uuid.UUID(me["id"]), uuid.UUID(me["workspace_id"]), Role(me["role"]), headers
    )


async def sign_up(client: httpx.AsyncClient, name: str = "Ada Lovelace") -> Person:
    """A new user in a new workspace of their own."""
    return await _person(client, await register(client, name=name), name)


async def join(client: httpx.AsyncClient, inviter: Person, name: str = "Grace Hopper") -> Person:
    """A new user invited into the inviter's workspace as a member."""
    email = f"member-{uuid.uuid4().hex[:10]}@example.com"
    invite = await client.post(
        "/api/v1/workspace/invites", json={"email": email}, headers=inviter.headers
    )
    assert invite.status_code == 201, invite.text
    token = invite.json()["url"].rsplit("/", 1)[1]
    accepted = await client.post(
        "/api/v1/auth/invites/accept", json={"token": token, "name": name, "password": PASSWORD}
    )
    assert accepted.status_code == 201, accepted.text
    return await _person(client, accepted.json(), name)

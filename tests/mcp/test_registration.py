"""Open OAuth client registration kept within bounds (counted per client address, its size
capped); spent codes and tokens forgotten when their user next makes one; an app grant idle
for 90 days lapses."""

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.types.json import Jsonb

from crm.auth.tokens import hash_token
from crm.mcp.http import MAX_REGISTRATION_BYTES
from tests.conftest import http_client
from tests.people import sign_up

REGISTER = "/oauth/register"
CLIENT = {"client_name": "Claude", "redirect_uris": ["https://claude.ai/api/mcp/auth_callback"]}


async def test_registrations_past_the_limit_from_one_address_are_refused(app, client):
    limit = int(app.state.settings.rate_limit_oauth_registration.split("/")[0])
    crowd, other = http_client(app, ip="203.0.113.7"), http_client(app, ip="203.0.113.8")
    async with crowd, other:
        answers = [await crowd.post(REGISTER, json=CLIENT) for _ in range(limit + 1)]
        elsewhere = await other.post(REGISTER, json=CLIENT)
    await app.state.rate_limits.reset()
    assert [a.status_code for a in answers] == [201] * limit + [429]
    refused = answers[-1].json()
    assert refused["error"] == "too_many_requests"
    assert "Too many client registrations" in refused["error_description"]
    assert elsewhere.status_code == 201


async def test_an_oversized_registration_is_refused_and_nothing_stored(client, admin_url):
    with psycopg.connect(admin_url) as conn:
        before = conn.execute("SELECT count(*) FROM oauth_client").fetchone()[0]
    padded = {**CLIENT, "client_uri": "https://example.com/" + "x" * MAX_REGISTRATION_BYTES}
    too_big = await client.post(REGISTER, json=padded)
    long_name = await client.post(REGISTER, json={**CLIENT, "client_name": "C" * 201})
    many = await client.post(
        REGISTER, json={**CLIENT, "redirect_uris": [f"https://x.test/{i}" for i in range(11)]}
    )
    assert too_big.status_code == 413 and "at most" in too_big.json()["error_description"]
    assert long_name.status_code == 400 and "client_name" in long_name.json()["error_description"]
    assert many.status_code == 400 and "redirect_uris" in many.json()["error_description"]
    with psycopg.connect(admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM oauth_client").fetchone()[0] == before


async def test_spent_codes_and_tokens_are_forgotten_when_the_user_makes_a_token(client, admin_url):
    ada, grace = await sign_up(client), await sign_up(client, "Grace Hopper")
    now = datetime.now(UTC)
    client_id = str(uuid.uuid4())
    with psycopg.connect(admin_url) as conn:
        conn.execute(
            "INSERT INTO oauth_client (client_id, metadata) VALUES (%s, %s)",
            [client_id, Jsonb(CLIENT)],
        )
        codes = {"used": (now + timedelta(minutes=5), now), "expired": (now, None)}
        codes["fresh"] = (now + timedelta(minutes=5), None)
        for person in (ada, grace):
            for name, (expires, used) in codes.items():
                conn.execute(
                    "INSERT INTO oauth_code (id, code_hash, client_id, user_id, workspace_id,"
                    " scope, code_challenge, redirect_uri, redirect_uri_provided_explicitly,"
                    " expires_at, used_at) VALUES (%s, %s, %s, %s, %s, 'write', 'c', "
                    "'https://x.test/cb', true, %s, %s)",
                    [
                        uuid.uuid4(),
                        hash_token(f"{name}-{person.user_id}"),
                        client_id,
                        person.user_id,
                        person.workspace_id,
                        expires,
                        used,
                    ],
                )
            for name, (expires, revoked) in TOKENS.items():
                add_token(conn, person, name, expires=expires, revoked=revoked)
            for name, idle in (("app idle 91 days", 91), ("app idle a day", 1)):
                add_token(
                    conn, person, name, client_id=client_id, access_expires=now - timedelta(idle)
                )
    made = await client.post(
        "/api/v1/tokens", json={"name": "Claude Desktop", "scope": "read"}, headers=ada.headers
    )
    assert made.status_code == 201, made.text

    def left(table: str, column: str, person) -> set[str]:
        with psycopg.connect(admin_url) as conn:
            return {
                row[0]
                for row in conn.execute(
                    f"SELECT {column} FROM {table} WHERE user_id = %s", [person.user_id]
                )
            }

    fresh = hash_token(f"fresh-{ada.user_id}")
    assert left("oauth_code", "code_hash", ada) == {fresh}
    assert left("api_token", "name", ada) == {
        "expired yesterday",
        "live",
        "app idle a day",
        "Claude Desktop",
    }
    # Another user's spent credentials wait for their own next use.
    assert len(left("oauth_code", "code_hash", grace)) == 3
    assert len(left("api_token", "name", grace)) == 6


async def test_an_app_grant_idle_for_90_days_cannot_be_refreshed(app, client, admin_url):
    ada = await sign_up(client)
    now = datetime.now(UTC)
    client_id = str(uuid.uuid4())
    with psycopg.connect(admin_url) as conn:
        conn.execute(
            "INSERT INTO oauth_client (client_id, metadata) VALUES (%s, %s)",
            [client_id, Jsonb(CLIENT)],
        )
        for name, idle in (("idle", 91), ("used", 89)):
            add_token(conn, ada, name, client_id=client_id, access_expires=now - timedelta(idle))
    provider = app.state.mcp.provider
    assert await provider.load_refresh_token(None, f"refresh-idle-{ada.user_id}") is None
    used = await provider.load_refresh_token(None, f"refresh-used-{ada.user_id}")
    assert used is not None and used.subject == str(ada.user_id)


TOKENS = {
    "revoked": (None, datetime.now(UTC)),
    "expired long ago": (datetime.now(UTC) - timedelta(days=31), None),
    "expired yesterday": (datetime.now(UTC) - timedelta(days=1), None),
    "live": (None, None),
}


def add_token(
    conn, person, name, *, expires=None, revoked=None, client_id=None, access_expires=None
):
    """A personal token, or with `client_id` an app grant (refreshed by `refresh-<name>-<id>`)."""
    conn.execute(
        "INSERT INTO api_token (id, user_id, workspace_id, name, scope, token_hash, refresh_hash,"
        " client_id, expires_at, access_expires_at, revoked_at)"
        " VALUES (%s, %s, %s, %s, 'read', %s, %s, %s, %s, %s, %s)",
        [
            uuid.uuid4(),
            person.user_id,
            person.workspace_id,
            name,
            hash_token(f"{name}-{person.user_id}"),
            hash_token(f"refresh-{name}-{person.user_id}") if client_id else None,
            client_id,
            expires,
            access_expires,
            revoked,
        ],
    )

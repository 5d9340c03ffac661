"""Personal access tokens: made, listed and revoked through /api/v1/tokens, accepted as Bearer
on the REST API, a read token refused every write, and the table's row-level security."""

from datetime import UTC, datetime, timedelta

import psycopg

from crm.auth.tokens import hash_token
from tests.people import sign_up
from tests.test_rls import app_connection, select_all


async def make_token(client, person, scope="write", **fields):
    response = await client.post(
        "/api/v1/tokens",
        json={"name": "Claude Desktop", "scope": scope, **fields},
        headers=person.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def token_headers(token: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['token']}"}


async def test_a_token_is_shown_once_and_stored_hashed(client, admin_url):
    ada = await sign_up(client)
    made = await make_token(client, ada)
    assert made["token"].startswith("crm_pat_") and made["scope"] == "write"
    listed = (await client.get("/api/v1/tokens", headers=ada.headers)).json()["items"]
    assert [t["id"] for t in listed] == [made["id"]] and "token" not in listed[0]
    with psycopg.connect(admin_url) as conn:
        stored = conn.execute("SELECT token_hash FROM api_token").fetchone()[0]
    assert stored == hash_token(made["token"]) and made["token"] not in stored


async def test_a_write_token_works_on_the_rest_api_and_records_its_last_use(client):
    ada = await sign_up(client)
    token = await make_token(client, ada)
    created = await client.post(
        "/api/v1/contacts", json={"name": "Grace Hopper"}, headers=token_headers(token)
    )
    assert created.status_code == 201, created.text
    listed = await client.get("/api/v1/contacts", headers=token_headers(token))
    assert [c["name"] for c in listed.json()["items"]] == ["Grace Hopper"]
    tokens = (await client.get("/api/v1/tokens", headers=ada.headers)).json()["items"]
    assert tokens[0]["last_used_at"] is not None


async def test_a_read_token_reads_and_answers_403_to_every_write(client, admin_url):
    ada = await sign_up(client)
    token = await make_token(client, ada, scope="read")
    headers = token_headers(token)
    assert (await client.get("/api/v1/contacts", headers=headers)).status_code == 200
    refused = await client.post("/api/v1/contacts", json={"name": "Grace"}, headers=headers)
    assert refused.status_code == 403
    assert "only read" in refused.json()["detail"]
    with psycopg.connect(admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM contact").fetchone()[0] == 0


async def test_a_revoked_token_is_refused(client):
    ada = await sign_up(client)
    token = await make_token(client, ada)
    revoked = await client.delete(f"/api/v1/tokens/{token['id']}", headers=ada.headers)
    assert revoked.status_code == 204
    refused = await client.get("/api/v1/contacts", headers=token_headers(token))
    assert refused.status_code == 401
    assert (await client.get("/api/v1/tokens", headers=ada.headers)).json()["items"] == []


async def test_an_expired_token_is_refused(client, admin_url):
    ada = await sign_up(client)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    token = await make_token(client, ada, expires_at=later)
    assert (await client.get("/api/v1/contacts", headers=token_headers(token))).status_code == 200
    with psycopg.connect(admin_url) as conn:
        conn.execute("UPDATE api_token SET expires_at = now() - interval '1 second'")
    assert (await client.get("/api/v1/contacts", headers=token_headers(token))).status_code == 401


async def test_an_expiry_in_the_past_is_invalid(client):
    ada = await sign_up(client)
    response = await client.post(
        "/api/v1/tokens",
        json={"name": "x", "expires_at": "2020-01-01T00:00:00+00:00"},
        headers=ada.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expires_at"


async def test_a_token_cannot_make_or_revoke_tokens(client):
    ada = await sign_up(client)
    token = await make_token(client, ada)
    made = await client.post(
        "/api/v1/tokens", json={"name": "another"}, headers=token_headers(token)
    )
    assert made.status_code == 403
    revoked = await client.delete(f"/api/v1/tokens/{token['id']}", headers=token_headers(token))
    assert revoked.status_code == 403


async def test_another_users_token_is_404_to_revoke(client):
    ada, grace = await sign_up(client), await sign_up(client, "Grace Hopper")
    token = await make_token(client, ada)
    response = await client.delete(f"/api/v1/tokens/{token['id']}", headers=grace.headers)
    assert response.status_code == 404
    assert (await client.get("/api/v1/contacts", headers=token_headers(token))).status_code == 200


async def test_app_role_sees_only_its_users_tokens_and_nothing_without_context(client, admin_url):
    ada, grace = await sign_up(client), await sign_up(client, "Grace Hopper")
    await make_token(client, ada)
    await make_token(client, grace)
    with app_connection(admin_url) as conn:
        assert select_all(conn, "api_token") == []
        rows = select_all(conn, "api_token", ada.user_id, ada.workspace_id)
    assert len(rows) == 1 and str(grace.user_id) not in repr(rows)


async def test_an_unknown_token_sees_no_row_and_a_known_one_only_its_own(client, admin_url):
    ada, grace = await sign_up(client), await sign_up(client, "Grace Hopper")
    token = await make_token(client, ada)
    await make_token(client, grace)
    with app_connection(admin_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.token_hash', %s, true)", [hash_token(token["token"])])
        rows = conn.execute("SELECT user_id FROM api_token").fetchall()
    assert rows == [(ada.user_id,)]

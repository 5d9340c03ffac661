"""Row-level security of the OAuth tables, with raw SQL as the application role: a registered
client is read only by presenting its id; a code only by its user or by presenting its hash."""

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.types.json import Jsonb

from crm.auth.tokens import hash_token
from tests.people import sign_up
from tests.test_rls import app_connection, select_all


def seed(admin_url: str, ada, grace) -> str:
    """A client and one code for each user; answers the client's id."""
    client_id = str(uuid.uuid4())
    with psycopg.connect(admin_url) as conn:
        conn.execute(
            "INSERT INTO oauth_client (client_id, metadata) VALUES (%s, %s)",
            [client_id, Jsonb({"client_name": "Claude", "redirect_uris": ["http://x/cb"]})],
        )
        for person in (ada, grace):
            conn.execute(
                "INSERT INTO oauth_code (id, code_hash, client_id, user_id, workspace_id, scope,"
                " code_challenge, redirect_uri, redirect_uri_provided_explicitly, expires_at)"
                " VALUES (%s, %s, %s, %s, %s, 'write', 'c', 'http://x/cb', true, %s)",
                [
                    uuid.uuid4(),
                    hash_token(f"code-of-{person.user_id}"),
                    client_id,
                    person.user_id,
                    person.workspace_id,
                    datetime.now(UTC) + timedelta(minutes=10),
                ],
            )
    return client_id


def read_with(admin_url: str, table: str, key: str, value: str) -> list:
    with app_connection(admin_url) as conn, conn.transaction():
        conn.execute(f"SELECT set_config('app.{key}', %s, true)", [value])
        return conn.execute(f"SELECT * FROM {table}").fetchall()


async def test_a_client_is_read_only_by_presenting_its_id(client, admin_url):
    ada, grace = await sign_up(client), await sign_up(client, "Grace Hopper")
    client_id = seed(admin_url, ada, grace)
    with app_connection(admin_url) as conn:
        assert select_all(conn, "oauth_client") == []
        assert select_all(conn, "oauth_client", ada.user_id, ada.workspace_id) == []
    assert len(read_with(admin_url, "oauth_client", "client_id", client_id)) == 1
    assert read_with(admin_url, "oauth_client", "client_id", str(uuid.uuid4())) == []


async def test_a_code_is_seen_by_its_user_or_by_presenting_it(client, admin_url):
    ada, grace = await sign_up(client), await sign_up(client, "Grace Hopper")
    seed(admin_url, ada, grace)
    with app_connection(admin_url) as conn:
        assert select_all(conn, "oauth_code") == []
        own = select_all(conn, "oauth_code", ada.user_id, ada.workspace_id)
    assert len(own) == 1 and str(grace.user_id) not in repr(own)
    presented = read_with(
        admin_url, "oauth_code", "token_hash", hash_token(f"code-of-{grace.user_id}")
    )
    assert len(presented) == 1 and str(ada.user_id) not in repr(presented)

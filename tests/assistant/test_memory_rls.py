"""The assistant's memory under row-level security, as the application role: a conversation,
its messages and its tracked records are their user's alone."""

import pytest

from tests.people import sign_up
from tests.rows import as_app, count

TABLES = ["conversation", "conversation_message", "conversation_entity"]


@pytest.mark.parametrize("table", TABLES)
async def test_only_the_owner_sees_the_memory(client, admin_url, table):
    ada, eve = await sign_up(client), await sign_up(client, "Eve")
    answer = await client.post(
        "/api/v1/chat", json={"message": "add contact Grace Hopper"}, headers=ada.headers
    )
    assert answer.status_code == 200
    assert count(admin_url, table) >= 1
    query = f"SELECT count(*) FROM {table}"
    assert as_app(admin_url, query, context=ada.context) == [(count(admin_url, table),)]
    assert as_app(admin_url, query, context=eve.context) == [(0,)]
    assert as_app(admin_url, query) == [(0,)]  # no context: nothing
    changed = as_app(admin_url, f"UPDATE {table} SET user_id = user_id", context=eve.context)
    assert changed == [(0,)]

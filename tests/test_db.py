"""The application's connection pool: no round trip to check a connection before each use,
and still no failed request when the database server ended the pool's connections."""

import asyncio

import psycopg

from tests.conftest import bearer, register


async def test_requests_succeed_after_the_server_ends_the_pools_connections(client, app, admin_url):
    tokens = await register(client)
    assert (await client.get("/api/v1/contacts", headers=bearer(tokens))).status_code == 200
    assert app.state.db.engine.pool.checkedin() > 0
    with psycopg.connect(admin_url, autocommit=True) as conn:
        ended = conn.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE usename = 'crm_app' AND datname = current_database() "
            "AND application_name NOT LIKE 'procrastinate%') t"
        ).fetchone()[0]
    assert ended > 0
    await asyncio.sleep(0.2)  # the event loop reads each connection's end

    for _ in range(3):
        response = await client.get("/api/v1/contacts", headers=bearer(tokens))
        assert response.status_code == 200, response.text

import os

from limits.aio.storage import RedisStorage

from tests.conftest import PASSWORD, bearer, http_client, register


async def test_eleventh_login_in_a_minute_from_one_address_is_429(custom_app):
    async with custom_app(rate_limit_auth="10/minute") as app, http_client(app) as client:
        for i in range(10):
            response = await client.post(
                "/api/v1/auth/login", json={"email": f"u{i}@example.com", "password": PASSWORD}
            )
            assert response.status_code == 401
        blocked = await client.post(
            "/api/v1/auth/login", json={"email": "u99@example.com", "password": PASSWORD}
        )
        assert blocked.status_code == 429
        assert 1 <= int(blocked.headers["retry-after"]) <= 60
        assert blocked.headers["content-type"] == "application/problem+json"


async def test_one_email_is_limited_across_addresses(custom_app):
    async with custom_app(rate_limit_auth="3/minute") as app:
        statuses = []
        for i in range(4):
            async with http_client(app, ip=f"10.0.0.{i}") as client:
                response = await client.post(
                    "/api/v1/auth/login",
                    json={"email": "jane@example.com", "password": "wrong one!"},
                )
                statuses.append(response.status_code)
        assert statuses == [401, 401, 401, 429]


async def test_registration_is_limited_too(custom_app):
    async with custom_app(rate_limit_auth="2/minute") as app, http_client(app) as client:
        await register(client)
        await register(client)
        response = await client.post(
            "/api/v1/auth/register",
            json={"email": "third@example.com", "password": PASSWORD, "name": "Third"},
        )
        assert response.status_code == 429


async def test_authenticated_api_is_limited_per_user(custom_app):
    async with custom_app(rate_limit_api="3/minute") as app, http_client(app) as client:
        first, second = await register(client), await register(client)
        statuses = [
            (await client.get("/api/v1/me", headers=bearer(first))).status_code for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        assert (await client.get("/api/v1/me", headers=bearer(second))).status_code == 200


async def test_redis_holds_the_counters_when_configured(app):
    if not os.environ.get("REDIS_URL"):
        assert os.environ.get("CI") != "true", "CI must run with REDIS_URL"
        return
    storage = app.state.rate_limits.storage
    assert isinstance(storage, RedisStorage)
    assert await storage.check()

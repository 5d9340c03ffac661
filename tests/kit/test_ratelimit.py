"""The rate limits' windows in this process's memory (without REDIS_URL)."""

from limits import parse

from crm.kit import ratelimit
from crm.kit.ratelimit import LocalWindows
from tests.conftest import bearer, http_client, register


def test_a_moving_window_allows_its_amount_then_says_when_it_has_room(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    windows, three = LocalWindows(), parse("3/minute")
    assert [windows.hit(three, "ada") for _ in range(3)] == [None, None, None]
    now[0] += 20
    assert windows.hit(three, "ada") == 40  # the first hit leaves the window in 40 s
    assert windows.hit(three, "grace") is None  # each key has its own window
    now[0] += 40
    assert windows.hit(three, "ada") is None


def test_idle_keys_are_swept_away(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(ratelimit, "SWEEP_EVERY", 2)
    windows, limit = LocalWindows(), parse("5/second")
    windows.hit(limit, "old")
    now[0] += 86_401
    windows.hit(limit, "new")
    assert [k.split("/")[1] for k in windows.hits] == ["new"]


async def test_without_redis_the_api_is_limited_per_user_in_memory(custom_app):
    async with (
        custom_app(redis_url=None, rate_limit_api="3/minute") as app,
        http_client(app) as client,
    ):
        assert app.state.rate_limits.storage is None
        first, second = await register(client), await register(client)
        statuses = [
            (await client.get("/api/v1/me", headers=bearer(first))).status_code for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        assert (await client.get("/api/v1/me", headers=bearer(second))).status_code == 200

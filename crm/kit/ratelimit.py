"""Rate limits in the `limits` library's notation: in Redis when REDIS_URL is set (so every host
shares the counters), else in this process's memory.

In memory the counters are `LocalWindows`, not the library's async memory storage: that one
starts a task on every hit which hands each key's list to a worker thread, a thread hop per
key per request (docs/performance.md, "The request path")."""

import math
import time
from collections import deque

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from crm.config import Settings
from crm.errors import TooManyRequests

SWEEP_EVERY = 4096  # hits between two sweeps of the keys whose windows are empty


class LocalWindows:
    """Moving windows in this process: per key, the times of the hits still in its window."""

    def __init__(self) -> None:
        self.hits: dict[str, deque[float]] = {}
        self.count = 0

    def hit(self, item: RateLimitItem, *keys: str) -> float | None:
        """Count a hit: None when allowed, else the seconds until the window has room."""
        now, window = time.monotonic(), item.get_expiry()
        times = self.hits.setdefault(item.key_for(*keys), deque())
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) >= item.amount:
            return times[0] + window - now
        times.append(now)
        self.count += 1
        if self.count % SWEEP_EVERY == 0:
            self._sweep(now)
        return None

    def _sweep(self, now: float) -> None:
        # The longest window any limit has is a day; a key idle for that long holds nothing.
        self.hits = {k: t for k, t in self.hits.items() if t and t[-1] > now - 86_400}


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self.storage = (
            storage_from_string(f"async+{settings.redis_url}") if settings.redis_url else None
        )
        self.limiter = MovingWindowRateLimiter(self.storage) if self.storage else None
        self.local = LocalWindows()
        self.auth = parse(settings.rate_limit_auth)
        self.api = parse(settings.rate_limit_api)
        self.integrations = parse(settings.rate_limit_integrations)
        self.registration = parse(settings.rate_limit_oauth_registration)

    async def hit_auth(self, ip: str, email: str) -> None:
        """Count a login or registration attempt, per client address and per e-mail."""
        await self._hit(self.auth, "auth-ip", ip)
        await self._hit(self.auth, "auth-email", email.strip().lower())

    async def hit_api(self, user_id: str) -> None:
        await self._hit(self.api, "api-user", user_id)

    async def hit_registration(self, ip: str) -> None:
        """Count an OAuth client registration, per client address."""
        await self._hit(self.registration, "oauth-register-ip", ip)

    async def hit_integration(self, service: str, account: str) -> None:
        """Count a call to an integration's MCP tool, per connected account of that service."""
        await self._hit(self.integrations, f"integration-{service}", account)

    async def _hit(self, item: RateLimitItem, *keys: str) -> None:
        if self.limiter is None:
            wait = self.local.hit(item, *keys)
            if wait is not None:
                raise TooManyRequests(max(1, math.ceil(wait)))
            return
        if await self.limiter.hit(item, *keys):
            return
        stats = await self.limiter.get_window_stats(item, *keys)
        raise TooManyRequests(max(1, math.ceil(stats.reset_time - time.time())))

    async def reset(self) -> None:
        if self.storage is not None:
            await self.storage.reset()
        self.local = LocalWindows()

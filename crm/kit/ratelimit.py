"""Rate limits with the `limits` library: in memory by default, in Redis when REDIS_URL is set
(so every host shares the counters)."""

import math
import time

from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from crm.config import Settings
from crm.errors import TooManyRequests


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        uri = f"async+{settings.redis_url}" if settings.redis_url else "async+memory://"
        self.storage = storage_from_string(uri)
        self.limiter = MovingWindowRateLimiter(self.storage)
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

    async def _hit(self, item, *keys: str) -> None:  # type: ignore[no-untyped-def]
        if await self.limiter.hit(item, *keys):
            return
        stats = await self.limiter.get_window_stats(item, *keys)
        raise TooManyRequests(max(1, math.ceil(stats.reset_time - time.time())))

    async def reset(self) -> None:
        await self.storage.reset()

"""The HTTP transport under every provider's SDK: it retries what the provider says to retry.

Kept apart from crm.ai.providers so that importing the web app does not import httpx2 and the
SDKs; build_model imports this when a model is built."""

import asyncio
import random
import time
import weakref
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime

import httpx2

from crm.ai.retry import ATTEMPT_TIMEOUT, DEFAULT_RETRY, RetryPolicy


class RetryingTransport(httpx2.AsyncBaseTransport):
    """Retries a request the provider answered with a retryable status, waiting as long as its
    Retry-After (or retry-after-ms) says, else backing off exponentially with jitter. It stops
    after `attempts`, or sooner when the next wait would pass `total_seconds`; the last answer
    then goes to the SDK, which raises its usual error for it."""

    def __init__(
        self,
        wrapped: httpx2.AsyncBaseTransport | None = None,
        policy: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.wrapped = wrapped or httpx2.AsyncHTTPTransport()
        self.policy = policy
        self.sleep = sleep

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        policy = self.policy
        deadline = time.monotonic() + policy.total_seconds
        attempt = 1
        while True:
            response = await self.wrapped.handle_async_request(request)
            if response.status_code not in policy.statuses or attempt >= policy.attempts:
                return response
            wait = retry_after(response.headers)
            if wait is None:
                wait = policy.base_delay * 2 ** (attempt - 1) * (1 + random.random() / 4)  # noqa: S311
            wait = min(wait, policy.max_wait)
            if time.monotonic() + wait > deadline:
                return response
            await response.aread()
            await response.aclose()
            await self.sleep(wait)
            attempt += 1

    async def aclose(self) -> None:
        await self.wrapped.aclose()


def retry_after(headers: httpx2.Headers) -> float | None:
    """Seconds the provider asked to wait: retry-after-ms, else Retry-After (seconds or date)."""
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(float(ms) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


# One client per event loop and policy: the models built for each chat turn share its
# connection pool instead of each opening (and leaking) their own.
_shared: (
    "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[RetryPolicy, httpx2.AsyncClient]]"
)
_shared = weakref.WeakKeyDictionary()


def http_client(
    policy: RetryPolicy = DEFAULT_RETRY, transport: httpx2.AsyncBaseTransport | None = None
) -> httpx2.AsyncClient:
    """The HTTP client a provider's SDK uses: retrying, with a per-attempt timeout. Without a
    `transport` (tests give one), a client shared within the running event loop."""
    if transport is not None:
        return _new_client(policy, transport)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _new_client(policy, None)
    clients = _shared.setdefault(loop, {})
    client = clients.get(policy)
    if client is None or client.is_closed:
        client = clients[policy] = _new_client(policy, None)
    return client


def _new_client(
    policy: RetryPolicy, transport: httpx2.AsyncBaseTransport | None
) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        transport=RetryingTransport(transport, policy),
        timeout=httpx2.Timeout(ATTEMPT_TIMEOUT, connect=10.0),
    )

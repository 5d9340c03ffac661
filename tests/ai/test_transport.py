"""The retrying transport on its own: how long it waits, and when it gives up."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx2
import pytest

from crm.ai.providers import RetryPolicy
from crm.ai.transport import RetryingTransport, retry_after


class Scripted(httpx2.AsyncBaseTransport):
    def __init__(self, *responses: httpx2.Response) -> None:
        self.responses = list(responses)
        self.calls = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.calls += 1
        return self.responses.pop(0)


def answer(status: int, **headers: str) -> httpx2.Response:
    return httpx2.Response(status, headers=headers, content=b"{}")


async def send(transport: RetryingTransport) -> httpx2.Response:
    async with httpx2.AsyncClient(transport=transport) as client:
        return await client.post("http://provider.test/v1/messages", content=b"{}")


@pytest.fixture
def waits():
    recorded: list[float] = []

    async def sleep(seconds: float) -> None:
        recorded.append(seconds)

    return recorded, sleep


async def test_waits_as_long_as_retry_after_says(waits):
    recorded, sleep = waits
    wrapped = Scripted(answer(429, **{"retry-after": "3"}), answer(200))
    response = await send(RetryingTransport(wrapped, RetryPolicy(), sleep))
    assert response.status_code == 200
    assert recorded == [3.0] and wrapped.calls == 2


async def test_retry_after_ms_wins_and_waits_are_capped(waits):
    recorded, sleep = waits
    wrapped = Scripted(
        answer(529, **{"retry-after-ms": "250", "retry-after": "9"}),
        answer(503, **{"retry-after": "600"}),
        answer(200),
    )
    policy = RetryPolicy(max_wait=5, total_seconds=100)
    assert (await send(RetryingTransport(wrapped, policy, sleep))).status_code == 200
    assert recorded == [0.25, 5]


async def test_gives_up_after_the_attempts_and_answers_the_last_error(waits):
    recorded, sleep = waits
    wrapped = Scripted(*[answer(503)] * 3)
    response = await send(RetryingTransport(wrapped, RetryPolicy(attempts=3), sleep))
    assert response.status_code == 503 and wrapped.calls == 3
    assert len(recorded) == 2 and recorded[1] > recorded[0]  # backing off


async def test_does_not_wait_past_the_total_time(waits):
    recorded, sleep = waits
    wrapped = Scripted(answer(429, **{"retry-after": "20"}), answer(200))
    policy = RetryPolicy(total_seconds=10, max_wait=30)
    response = await send(RetryingTransport(wrapped, policy, sleep))
    assert response.status_code == 429 and wrapped.calls == 1 and recorded == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_answers_that_retrying_cannot_fix_are_not_retried(waits, status):
    recorded, sleep = waits
    wrapped = Scripted(answer(status))
    response = await send(RetryingTransport(wrapped, RetryPolicy(), sleep))
    assert response.status_code == status and wrapped.calls == 1 and recorded == []


def test_retry_after_reads_seconds_dates_and_nonsense():
    assert retry_after(httpx2.Headers({"retry-after": "7"})) == 7.0
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after(httpx2.Headers({"retry-after": soon})) <= 30
    assert retry_after(httpx2.Headers({"retry-after": "soon-ish"})) is None
    assert retry_after(httpx2.Headers({})) is None

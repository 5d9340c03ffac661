"""What counting a request for /metrics adds to each request: `observe_request` (the one call
the request middleware makes) timed over many calls of realistic routes and statuses, and the
per-request CPU of a whole in-process GET /health, with and without it. Prints microseconds.

Usage: python bench/metrics.py [calls]"""

import asyncio
import sys
import time

import httpx
from fastapi import FastAPI

from crm.kit import metrics, middleware
from crm.kit.logging import configure_logging


class Route:
    def __init__(self, path: str) -> None:
        self.path = path


def observe_cost(calls: int) -> float:
    routes = [Route(p) for p in ("/api/v1/contacts", "/api/v1/contacts/{contact_id}", "/health")]
    scopes = [{"method": m, "route": r} for m in ("GET", "POST") for r in routes]
    started = time.process_time()
    for i in range(calls):
        metrics.observe_request(scopes[i % len(scopes)], 200 + (i % 2) * 4, 0.012)
    return (time.process_time() - started) / calls * 1e6


async def request_cost(calls: int, counted: bool) -> float:
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(middleware.RequestContext, max_body_bytes=1_000_000)
    real = middleware.observe_request
    middleware.observe_request = real if counted else (lambda *_: None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        for _ in range(200):
            await client.get("/health")
        started = time.process_time()
        for _ in range(calls):
            await client.get("/health")
        spent = time.process_time() - started
    middleware.observe_request = real
    return spent / calls * 1e6


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    configure_logging("WARNING")  # the access log's cost is not this benchmark's
    print(f"observe_request: {observe_cost(calls):.2f} µs per request ({calls} calls)")
    requests = max(2000, calls // 100)
    runs: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(5):  # interleaved, so a busy machine weighs on both alike
        for counted in (False, True):
            runs[counted].append(asyncio.run(request_cost(requests, counted)))
    without, with_ = min(runs[False]), min(runs[True])
    print(
        f"GET /health in process: {without:.0f} µs CPU without, {with_:.0f} µs with "
        f"({with_ - without:+.1f} µs; best of 5 × {requests} requests each)"
    )


if __name__ == "__main__":
    main()

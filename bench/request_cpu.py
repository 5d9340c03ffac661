"""CPU per request in process: the ASGI app called directly (no HTTP server, no client: the
app's own CPU), `time.process_time` over N requests, best and median of R rounds taken after a
warm-up round, rate limits in memory. Prints the load average and, per request kind, the
rounds' figures. Rounds of the kinds are interleaved, so a minute of a busy machine weighs on
all of them alike.

    python bench/request_cpu.py [--requests 300] [--rounds 7] [--database crm_bench_request_cpu]

BENCH_DATABASE_URL names the server (a superuser connection; default: the local test server);
the benchmark creates the database (--database) on its first run and reuses it after.
"""

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from starlette.types import ASGIApp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm.app import create_app
from crm.config import Settings
from crm.db import app_url, migrate

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "bench password 2026"


def ensure_database(database: str) -> str:
    with psycopg.connect(SERVER, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if exists.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    url = f"postgresql://postgres@{SERVER.split('@', 1)[1].rsplit('/', 1)[0]}/{database}"
    migrate(url)
    return url


async def signed_in(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"bench-{secrets.token_hex(4)}@example.com"
    response = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Bench"}
    )
    assert response.status_code == 201, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


async def call(app: ASGIApp, path: str, headers: dict[str, str]) -> int:
    """One GET through the app as an ASGI server would make it; the response's status."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
        "headers": [(b"host", b"127.0.0.1:8000")]
        + [(k.encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    started: list[int] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            started.append(message["status"])

    await app(scope, receive, send)
    return started[0]


async def cpu_per_request(app: ASGIApp, path: str, headers: dict[str, str], n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        status = await call(app, path, headers)
        assert status < 400, f"{path}: {status}"
    return (time.process_time() - started) / n * 1000


async def run(url: str, requests: int, rounds: int) -> None:
    settings = Settings(
        database_url=app_url(url),
        crm_secret_key=secrets.token_urlsafe(32),
        log_level="WARNING",
        redis_url=None,
        rate_limit_api="1000000/minute",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            headers = await signed_in(client)
            for n in range(50):
                created = await client.post(
                    "/api/v1/contacts", json={"name": f"Person {n:02d}"}, headers=headers
                )
                created.raise_for_status()
        paths = {
            "GET /health": "/health",
            "GET /api/v1/contacts/{id}": f"/api/v1/contacts/{created.json()['id']}",
            "GET /api/v1/contacts (50)": "/api/v1/contacts?sort=name&limit=50",
            # Signed out, a page answers a redirect to the sign-in page: the cost of finding
            # one of the last routes of the table, and of the middleware.
            "GET /calendar, signed out": "/calendar",
        }
        print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
        figures: dict[str, list[float]] = {name: [] for name in paths}
        for round_ in range(rounds + 1):
            for name, path in paths.items():
                took = await cpu_per_request(app, path, headers, requests)
                if round_:  # the first round warms up
                    figures[name].append(took)
        for name, taken in figures.items():
            best, median = min(taken), statistics.median(taken)
            print(f"{name}: best {best:.3f}, median {median:.3f} ms CPU a request")
        print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database", default="crm_bench_request_cpu")
    args = parser.parse_args()
    asyncio.run(run(ensure_database(args.database), args.requests, args.rounds))


if __name__ == "__main__":
    main()

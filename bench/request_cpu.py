"""CPU per API request in process: the ASGI app called through httpx's `ASGITransport` (client
included), `time.process_time` over N requests, best of three rounds, rate limits in memory.
Prints the load average and, per request kind, the three rounds' CPU per request.

    python bench/request_cpu.py [--requests 300] [--database crm_bench_request_cpu]

BENCH_DATABASE_URL names the server (a superuser connection; default: the local test server);
the benchmark creates the database (--database) on its first run and reuses it after.
"""

import argparse
import asyncio
import os
import secrets
import sys
import time
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

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


async def cpu_per_request(client: httpx.AsyncClient, path: str, headers: dict, n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, response.text
    return (time.process_time() - started) / n * 1000


async def run(url: str, requests: int) -> None:
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
            created = await client.post(
                "/api/v1/contacts", json={"name": "Ada Lovelace"}, headers=headers
            )
            created.raise_for_status()
            paths = {
                "GET /health": "/health",
                "GET /api/v1/contacts/{id}": f"/api/v1/contacts/{created.json()['id']}",
            }
            print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
            for name, path in paths.items():
                await cpu_per_request(client, path, headers, requests)  # warm up
                rounds = [await cpu_per_request(client, path, headers, requests) for _ in "123"]
                figures = ", ".join(f"{r:.3f}" for r in rounds)
                print(f"{name}: best {min(rounds):.3f} ms CPU a request ({figures})")
            print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database", default="crm_bench_request_cpu")
    args = parser.parse_args()
    asyncio.run(run(ensure_database(args.database), args.requests))


if __name__ == "__main__":
    main()

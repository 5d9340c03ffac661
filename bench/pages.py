"""The contacts page at scale: one user with 10,000 contacts (filled with COPY, as
bench/records.py does), signed in with the pages' cookie session against a live `crm serve`;
then the server-side render of GET /contacts (the whole first page) and of the search fragment
(an HTMX request with `q`, the results block only). Prints p50/p95 in ms.

    python bench/pages.py [--contacts 10000] [--requests 300] [--concurrency 1] [--reuse]

BENCH_DATABASE_URL names the server (a superuser connection; default: the local test server);
the benchmark creates and uses the database `crm_bench_pages` on it.
"""

import argparse
import asyncio
import random
import signal
import sys
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.records as records

DATABASE = "crm_bench_pages"
TARGETS = {"first page": 100, "search": 150}


def use_own_database() -> None:
    """bench/records.py's fill and server, on a database of this benchmark's own."""
    records.DATABASE = DATABASE
    records.admin_url = lambda database=DATABASE: records.SERVER.rsplit("/", 1)[0] + f"/{database}"


async def signed_in(base: str, email: str) -> httpx.AsyncClient:
    """A client with the pages' cookies, signed in through the /login form."""
    client = httpx.AsyncClient(base_url=base, timeout=60)
    await client.get("/login")
    form = {"email": email, "password": records.PASSWORD, "csrf_token": client.cookies["crm_csrf"]}
    response = await client.post("/login", data=form)
    if response.status_code != 303:
        raise SystemExit(f"sign-in failed: {response.status_code} {response.text[:200]}")
    return client


async def run(base: str, email: str, requests: int, fragments: list[str]) -> None:
    clients = [await signed_in(base, email) for _ in range(records.CONCURRENCY)]

    async def ok(response: httpx.Response) -> None:
        if response.status_code != 200 or "records-table" not in response.text:
            raise SystemExit(f"{response.request.url}: {response.status_code}")

    async def first_page(i: int) -> None:
        await ok(await clients[i % len(clients)].get("/contacts"))

    async def search(i: int) -> None:
        q = fragments[i % len(fragments)]
        client = clients[i % len(clients)]
        await ok(await client.get("/contacts", params={"q": q}, headers={"HX-Request": "true"}))

    print(f"\n{records.CONCURRENCY} concurrent client(s), {requests} requests each\n")
    print(f"{'request':<12} {'p50 ms':>8} {'p95 ms':>8} {'target p95':>11}")
    for name, call in (("first page", first_page), ("search", search)):
        await records.measure(call, min(50, requests))  # warm up
        latencies = await records.measure(call, requests)
        p50, p95 = records.p(latencies, 50), records.p(latencies, 95)
        print(f"{name:<12} {p50:>8.1f} {p95:>8.1f} {TARGETS[name]:>9} ms")
    for client in clients:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    args = parser.parse_args()
    use_own_database()
    records.CONCURRENCY = args.concurrency

    if not args.reuse:
        print(f"creating {DATABASE} and migrating")
        records.create_database()
    server, base = records.start_server()
    try:
        email = "bench-pages@example.com"
        user = records.register(base, email)
        if not args.reuse:
            records.fill(user["user"]["id"], args.contacts, 0, seed=1)
            with psycopg.connect(records.admin_url(), autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
        rng = random.Random(7)
        fragments = [rng.choice(records.SYLLABLES) + rng.choice(records.SYLLABLES)[0]
                     for _ in range(50)]  # fmt: skip
        asyncio.run(run(base, email, args.requests, fragments))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)


if __name__ == "__main__":
    main()

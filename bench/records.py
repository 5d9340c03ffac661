"""Records at scale: one user with 1,000,000 contacts and 100,000 tasks (and two other users
with their own data), filled with COPY; then, with 16 concurrent clients, the API over HTTP
against the same queries through asyncpg alone (same role, same RLS settings) as the floor.
Prints p50/p95 for each operation, the ratio API/floor, the server's CPU time per request (the
server processes' CPU from /proc, uvicorn included, over the requests measured) and the requests
per second per core of the machine.

    python bench/records.py [--contacts 1000000] [--tasks 100000] [--requests 1000] [--reuse]
                            [--clients 16] [--client lean|httpx] [--database crm_bench]
                            [--only "get by id,first page"]

BENCH_DATABASE_URL names the server (a superuser connection; default: the local test server);
the benchmark creates and uses the database `crm_bench` (or --database) on it.
"""

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx
import psycopg
from psycopg import sql
from pydantic_core import to_json

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm.contacts.repository import SORTS
from crm.db import app_url, migrate
from crm.kit.pagination import encode_cursor

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
DATABASE = "crm_bench"
CONCURRENCY = 16  # --clients
CLIENT = "lean"  # --client
PASSWORD = "bench password 2026"
SYLLABLES = [c + v for c in "bdfghklmnprstvz" for v in "aeiou"] + ["an", "el", "or", "is"]
CONTACT_COLUMNS = (
    "id", "workspace_id", "owner_id", "name", "email", "phone", "job_position",
    "organization_id", "organization_name",
)  # fmt: skip


def admin_url(database: str | None = None) -> str:
    return SERVER.rsplit("/", 1)[0] + f"/{database or DATABASE}"


def word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def person(rng: random.Random) -> str:
    return f"{word(rng, rng.randint(2, 3))} {word(rng, rng.randint(2, 4))}"


# ---------------------------------------------------------------------------- data


def create_database() -> None:
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    migrate(admin_url())


def register(base: str, email: str) -> dict:
    response = httpx.post(
        f"{base}/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "name": email.split("@")[0]},
    )
    if response.status_code == 409:
        response = httpx.post(
            f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
    response.raise_for_status()
    return response.json()


def fill(user_id: str, contacts: int, tasks: int, seed: int) -> None:
    """COPY one user's organizations, contacts, projects and tasks (as the owner role)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    with psycopg.connect(admin_url()) as conn:
        workspace_id = conn.execute(
            "SELECT workspace_id FROM membership WHERE user_id = %s", [user_id]
        ).fetchone()[0]
        organizations = [(uuid.uuid4(), f"{word(rng, 3)} {i}") for i in range(1000)]
        with conn.cursor().copy(
            "COPY organization (id, workspace_id, owner_id, name, industry) FROM STDIN"
        ) as copy:
            for org_id, name in organizations:
                copy.write_row((org_id, workspace_id, user_id, name, "Software"))
        columns = ", ".join(CONTACT_COLUMNS)
        with conn.cursor().copy(f"COPY contact ({columns}) FROM STDIN") as copy:
            for i in range(contacts):
                name = person(rng)
                org = organizations[i % len(organizations)] if i % 10 == 0 else (None, None)
                copy.write_row(
                    (
                        uuid.uuid4(),
                        workspace_id,
                        user_id,
                        name,
                        f"{name.replace(' ', '.').lower()}{i}@example.com",
                        f"+1415{i:07d}",
                        "Engineer",
                        org[0],
                        org[1],
                    )
                )
        projects = [uuid.uuid4() for _ in range(max(1, tasks // 200))]
        with conn.cursor().copy(
            "COPY project (id, workspace_id, owner_id, name, status) FROM STDIN"
        ) as copy:
            for i, project_id in enumerate(projects):
                copy.write_row((project_id, workspace_id, user_id, f"Project {i}", "in_progress"))
        statuses, priorities = ["todo", "in_progress", "done", "blocked"], ["low", "medium"]
        with conn.cursor().copy(
            "COPY task (id, workspace_id, project_id, project_owner_id, created_by_id, name, "
            "status, priority, due_date) FROM STDIN"
        ) as copy:
            for i in range(tasks):
                copy.write_row(
                    (
                        uuid.uuid4(),
                        workspace_id,
                        projects[i % len(projects)],
                        user_id,
                        user_id,
                        f"Task {word(rng, 3)}",
                        statuses[i % 4],
                        priorities[i % 2],
                        f"2027-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    )
                )
        conn.commit()
    print(
        f"  filled {contacts:,} contacts and {tasks:,} tasks in "
        f"{time.perf_counter() - started:.0f} s"
    )


# ---------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app_url(admin_url()),
        "CRM_SECRET_KEY": "bench-" + "k" * 40,
        "RATE_LIMIT_API": "10000000/minute",
        "RATE_LIMIT_AUTH": "10000/minute",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "crm.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a loaded machine starts two workers slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/ready").status_code == 200:
                settle(process.pid)
                return process, base
        except httpx.TransportError:
            time.sleep(0.05)
    # SIGINT stops uvicorn's workers with it (a kill would leave them running).
    process.send_signal(signal.SIGINT)
    process.wait(30)
    raise SystemExit("the server did not start")


def settle(root: int, idle: float = 0.05, most: float = 30.0) -> None:
    """Wait until the server has finished starting: what it does after it answers /ready
    (the in-process job workers start in the background) is not a request's cost. Idle
    means under `idle` CPU seconds in half a second."""
    deadline = time.monotonic() + most
    while time.monotonic() < deadline:
        before = server_cpu(root)
        time.sleep(0.5)
        if server_cpu(root) - before < idle:
            return


def server_cpu(root: int) -> float:
    """CPU seconds (user + system) of the server's process and all its descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    tree, grown = {root}, True
    while grown:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grown = bool(found)
    return sum(times.get(pid, 0.0) for pid in tree)


# ---------------------------------------------------------------------------- measuring


async def measure(call: Callable[[int], Awaitable[None]], requests: int) -> list[float]:
    """Run `call` `requests` times from CONCURRENCY concurrent clients; the latencies in ms."""
    latencies: list[float] = []
    counter = iter(range(requests))

    async def client() -> None:
        for i in counter:
            started = time.perf_counter()
            await call(i)
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return latencies


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


class Scenario:
    def __init__(self, user: dict, workspace_id: str, ids: list, cursors: list, fragments: list):
        self.user, self.workspace_id = user, workspace_id
        self.ids, self.cursors, self.fragments = ids, cursors, fragments


class LeanClient:
    """HTTP/1.1 keep-alive requests over asyncio streams, one connection per concurrent
    client: about 0.1 ms of the benchmark's CPU a request where httpx's `AsyncClient` spends
    1.0-1.3 ms (measured against a bare ASGI app). The server shares this machine's cores with
    the benchmark, so a heavy client slows the server it measures (docs/performance.md)."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.headers = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(self, method: str, path: str, json: dict | None = None) -> tuple[int, bytes]:
        body = b"" if json is None else to_json(json)
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.headers}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        message = head.encode() + body
        while self.idle:  # a kept connection the server may have closed (its keep-alive ends)
            reader, writer = self.idle.pop()
            try:
                return await self.exchange(reader, writer, message)
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()
        return await self.exchange(*await asyncio.open_connection(self.host, self.port), message)

    async def exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, message: bytes
    ) -> tuple[int, bytes]:
        writer.write(message)
        status_line, *lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        length = next(
            int(line.split(b":", 1)[1]) for line in lines if line[:15].lower() == b"content-length:"
        )
        content = await reader.readexactly(length)
        self.idle.append((reader, writer))
        return int(status_line.split(b" ", 2)[1]), content

    async def get(self, path: str, params: dict | None = None) -> tuple[int, bytes]:
        return await self.request("GET", path + ("?" + urlencode(params) if params else ""))

    async def post(self, path: str, json: dict) -> tuple[int, bytes]:
        return await self.request("POST", path, json)

    async def patch(self, path: str, json: dict) -> tuple[int, bytes]:
        return await self.request("PATCH", path, json)


class HttpxClient:
    """The same requests through httpx's `AsyncClient` (`--client httpx`), as this benchmark
    made them before the lean client: for comparing with earlier figures."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        limits = httpx.Limits(max_connections=CONCURRENCY)
        self.client = httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60)

    async def get(self, path: str, params: dict | None = None) -> tuple[int, bytes]:
        response = await self.client.get(path, params=params)
        return response.status_code, response.content

    async def post(self, path: str, json: dict) -> tuple[int, bytes]:
        response = await self.client.post(path, json=json)
        return response.status_code, response.content

    async def patch(self, path: str, json: dict) -> tuple[int, bytes]:
        response = await self.client.patch(path, json=json)
        return response.status_code, response.content


async def api_ops(base: str, s: Scenario) -> dict[str, Callable[[int], Awaitable[None]]]:
    headers = {"Authorization": f"Bearer {s.user['access_token']}"}
    client = (HttpxClient if CLIENT == "httpx" else LeanClient)(base, headers)

    async def ok(response: tuple[int, bytes]) -> None:
        if response[0] >= 300:
            raise SystemExit(f"{response[0]} {response[1].decode()}")

    async def get(i: int) -> None:
        await ok(await client.get(f"/api/v1/contacts/{s.ids[i % len(s.ids)]}"))

    async def first_page(i: int) -> None:
        await ok(await client.get("/api/v1/contacts", params={"sort": "name", "limit": 50}))

    async def deep_page(i: int) -> None:
        cursor = s.cursors[i % len(s.cursors)]
        await ok(await client.get("/api/v1/contacts", params={"limit": 50, "cursor": cursor}))

    async def search(i: int) -> None:
        q = s.fragments[i % len(s.fragments)]
        await ok(await client.get("/api/v1/contacts", params={"q": q, "limit": 50}))

    async def task_filter(i: int) -> None:
        # A filter that matches no task (the benchmark's tasks are low or medium).
        await ok(await client.get("/api/v1/tasks", params={"priority": "urgent", "limit": 50}))

    async def create(i: int) -> None:
        body = {"name": f"Bench Person {i}", "email": f"bench{i}@example.com"}
        await ok(await client.post("/api/v1/contacts", json=body))

    async def update(i: int) -> None:
        contact_id = s.ids[(i * 7919) % len(s.ids)]
        await ok(
            await client.patch(f"/api/v1/contacts/{contact_id}", json={"job_position": f"R{i}"})
        )

    return {
        "get by id": get, "first page": first_page, "deep page": deep_page,
        "search": search, "task filter": task_filter, "create": create, "update": update,
    }  # fmt: skip


CONTEXT = "SELECT set_config('app.user_id', $1, true), set_config('app.workspace_id', $2, true)"
SEARCH_PAGE = "SELECT crm_search_page('contact', $1::text[], NULL, NULL, 51)"
CONTACT = (
    "SELECT c.*, o.name AS org_name FROM contact c "
    "LEFT JOIN organization o ON o.id = c.organization_id "
    "WHERE c.workspace_id = $1 AND c.owner_id = $2"
)


async def floor_ops(pool: asyncpg.Pool, s: Scenario) -> dict[str, Callable[[int], Awaitable[None]]]:
    user, ws = uuid.UUID(s.user["user"]["id"]), uuid.UUID(s.workspace_id)
    deep = [SORTS["name"] for _ in s.cursors]
    from crm.kit.pagination import decode_cursor

    bounds = [decode_cursor(key, cursor) for key, cursor in zip(deep, s.cursors, strict=True)]

    async def run(query: str, *args: object) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(CONTEXT, str(user), str(ws))
            await conn.fetch(query, *args)

    async def get(i: int) -> None:
        await run(f"{CONTACT} AND c.id = $3", ws, user, s.ids[i % len(s.ids)])

    async def first_page(i: int) -> None:
        await run(f"{CONTACT} ORDER BY c.sort_name, c.id LIMIT 51", ws, user)

    async def deep_page(i: int) -> None:
        value, last_id = bounds[i % len(bounds)]
        await run(
            f"{CONTACT} AND (c.sort_name, c.id) > ($3, $4) ORDER BY c.sort_name, c.id LIMIT 51",
            ws, user, value, last_id,
        )  # fmt: skip

    async def search(i: int) -> None:
        # What the API does for a search in name order: the page's ids from the search index
        # in that order (crm_search_page), then those contacts.
        q = s.fragments[i % len(s.fragments)]
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(CONTEXT, str(user), str(ws))
            found = await conn.fetchval(SEARCH_PAGE, [f"%{q.lower()}%"])
            await conn.fetch(
                f"{CONTACT} AND c.id = ANY($3) ORDER BY c.sort_name, c.id LIMIT 51", ws, user, found
            )

    async def task_filter(i: int) -> None:
        await run(
            "SELECT * FROM task WHERE workspace_id = $1 AND (project_owner_id = $2 OR project_id "
            "IN (SELECT project_id FROM project_assignee WHERE workspace_id = $1 AND user_id = $2))"
            " AND priority_rank = 4 ORDER BY due_key, id LIMIT 51",
            ws, user,
        )  # fmt: skip

    async def create(i: int) -> None:
        await run(
            "INSERT INTO contact (id, workspace_id, owner_id, name, email) "
            "VALUES ($1, $2, $3, $4, $5) RETURNING *",
            uuid.uuid4(), ws, user, f"Floor Person {i}", f"floor{i}@example.com",
        )  # fmt: skip

    async def update(i: int) -> None:
        await run(
            "UPDATE contact SET job_position = $4, version = version + 1, updated_at = now() "
            "WHERE workspace_id = $1 AND owner_id = $2 AND id = $3 RETURNING *",
            ws, user, s.ids[(i * 104729) % len(s.ids)], f"F{i}",
        )  # fmt: skip

    return {
        "get by id": get, "first page": first_page, "deep page": deep_page,
        "search": search, "task filter": task_filter, "create": create, "update": update,
    }  # fmt: skip


def scenario(user: dict) -> Scenario:
    rng = random.Random(7)
    with psycopg.connect(admin_url()) as conn:
        owner = user["user"]["id"]
        workspace_id = conn.execute(
            "SELECT workspace_id FROM membership WHERE user_id = %s", [owner]
        ).fetchone()[0]
        total = conn.execute("SELECT count(*) FROM contact WHERE owner_id = %s", [owner]).fetchone()
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM contact WHERE owner_id = %s ORDER BY random() LIMIT 2000", [owner]
            )
        ]
        cursors = []
        for _ in range(20):
            offset = rng.randint(total[0] // 2, total[0] - 100)
            value, last = conn.execute(
                "SELECT sort_name, id FROM contact WHERE owner_id = %s "
                "ORDER BY sort_name, id OFFSET %s LIMIT 1",
                [owner, offset],
            ).fetchone()
            cursors.append(encode_cursor(SORTS["name"], value, last))
    fragments = [rng.choice(SYLLABLES) + rng.choice(SYLLABLES)[0] for _ in range(50)]
    return Scenario(user, str(workspace_id), ids, cursors, fragments)


async def run_all(
    base: str, s: Scenario, requests: int, server: int, only: list[str] | None
) -> None:
    pool = await asyncpg.create_pool(
        app_url(admin_url()).replace("postgresql+asyncpg://", "postgresql://"),
        min_size=CONCURRENCY,
        max_size=CONCURRENCY,
    )
    api, floor = await api_ops(base, s), await floor_ops(pool, s)
    print(
        f"\n{CONCURRENCY} concurrent clients ({CLIENT} HTTP client), {requests} requests per "
        f"operation, "
        f"load average {os.getloadavg()[0]:.1f} at the start\n"
    )
    print(
        f"{'operation':<12} {'API p50':>8} {'API p95':>8} {'floor p50':>10} {'floor p95':>10} "
        f"{'p95 ratio':>10} {'server CPU':>11} {'req/s/core':>11}"
    )
    cores = os.cpu_count() or 1
    for name in only or api:
        await measure(api[name], min(200, requests))  # warm up caches and pools
        cpu, started = server_cpu(server), time.perf_counter()
        api_ms = await measure(api[name], requests)
        elapsed, cpu = time.perf_counter() - started, server_cpu(server) - cpu
        floor_ms = await measure(floor[name], requests)
        print(
            f"{name:<12} {p(api_ms, 50):>8.1f} {p(api_ms, 95):>8.1f} {p(floor_ms, 50):>10.1f} "
            f"{p(floor_ms, 95):>10.1f} {p(api_ms, 95) / p(floor_ms, 95):>9.1f}x "
            f"{cpu / requests * 1000:>8.2f} ms {requests / elapsed / cores:>11.0f}"
        )
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end; {cores} cores")
    await pool.close()


def main() -> None:
    global CONCURRENCY, CLIENT, DATABASE  # one run, one setting
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    parser.add_argument("--clients", type=int, default=CONCURRENCY, help="concurrent clients")
    parser.add_argument("--client", choices=("lean", "httpx"), default=CLIENT, help="HTTP client")
    parser.add_argument("--database", default=DATABASE, help="the benchmark's own database")
    parser.add_argument("--only", help="comma-separated operations (default: all)")
    args = parser.parse_args()
    CONCURRENCY, CLIENT, DATABASE = args.clients, args.client, args.database

    if not args.reuse:
        print(f"creating {DATABASE} and migrating")
        create_database()
    server, base = start_server()
    try:
        users = [register(base, f"bench-{n}@example.com") for n in ("main", "other", "third")]
        if not args.reuse:
            fill(users[0]["user"]["id"], args.contacts, args.tasks, seed=1)
            for n, other in enumerate(users[1:], start=2):
                fill(other["user"]["id"], args.contacts // 20, args.tasks // 20, seed=n)
            with psycopg.connect(admin_url(), autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
        only = args.only.split(",") if args.only else None
        asyncio.run(run_all(base, scenario(users[0]), args.requests, server.pid, only))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)


if __name__ == "__main__":
    main()

"""A tool call's overhead over MCP: the same `get_contact` and `list_contacts` calls through the
official MCP client over streamable HTTP (/mcp, a personal access token), through the REST API,
and in process (the tool run by the same code the MCP server runs: a transaction with the RLS
context, then the service). Sequential calls, one client; prints p50/p95 of each and the
difference MCP minus in process.

    python bench/mcp_calls.py [--calls 300]

BENCH_DATABASE_URL names the server (a superuser connection; default: the local test server);
the benchmark creates and uses the database `crm_bench_mcp` on it.
"""

import argparse
import asyncio
import os
import socket
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import httpx2
import psycopg
from psycopg import sql

# The repository instead of bench/ first on the path: this file's name would hide the SDK's.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from crm.app import create_app
from crm.auth.actor import Actor
from crm.config import Settings
from crm.db import Database, app_url, migrate, set_context
from crm.models import Role
from crm.toolbox import TOOLS

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
DATABASE = "crm_bench_mcp"
PASSWORD = "bench password 2026"


def admin_url() -> str:
    return SERVER.rsplit("/", 1)[0] + f"/{DATABASE}"


def create_database() -> None:
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    migrate(admin_url())


def serve() -> tuple[str, uvicorn.Server, threading.Thread]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        _env_file=None,
        database_url=app_url(admin_url()),
        crm_secret_key="bench-secret-" + "x" * 40,
        crm_base_url=url,
        rate_limit_api="1000000/minute",
        log_level="WARNING",
    )
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return url, server, thread


async def timed(label: str, calls: int, call: Callable[[], Awaitable[object]]) -> float:
    for _ in range(20):  # warm up
        await call()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
    print(f"  {label:<34} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms")
    return p50


async def compare(calls, name, arguments, in_process, client, rest, path, headers) -> None:  # type: ignore[no-untyped-def]
    print(f"{name} ({calls} sequential calls)")
    floor = await timed(
        "in process (transaction + service)", calls, lambda: in_process(name, arguments)
    )
    api = await timed(
        "REST API over HTTP (same token)", calls, lambda: rest.get(path, headers=headers)
    )
    mcp = await timed("MCP over streamable HTTP", calls, lambda: client.call_tool(name, arguments))
    print(f"  MCP minus in process: {mcp - floor:.2f} ms; MCP minus REST: {mcp - api:.2f} ms")


async def main(calls: int) -> None:
    create_database()
    url, server, thread = serve()
    async with httpx.AsyncClient(base_url=url, timeout=60) as rest:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        user = (
            await rest.post(
                "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "B"}
            )
        ).json()
        headers = {"Authorization": f"Bearer {user['access_token']}"}
        me = (await rest.get("/api/v1/me", headers=headers)).json()
        token = (
            await rest.post(
                "/api/v1/tokens", json={"name": "bench", "scope": "write"}, headers=headers
            )
        ).json()["token"]
        ids = [
            (
                await rest.post("/api/v1/contacts", json={"name": f"Contact {i}"}, headers=headers)
            ).json()["id"]
            for i in range(50)
        ]
        pat = {"Authorization": f"Bearer {token}"}
        db = Database(app_url(admin_url()), pool_size=2)
        actor = Actor(
            uuid.UUID(me["id"]), uuid.UUID(me["workspace_id"]), Role.owner, "mcp", client="bench"
        )

        async def in_process(name: str, arguments: dict) -> object:
            async with db.sessions() as session, session.begin():
                await set_context(session, user_id=actor.user_id, workspace_id=actor.workspace_id)
                return await TOOLS[name].call(session, actor, arguments)

        http = httpx2.AsyncClient(headers=pat, timeout=60)
        transport = streamable_http_client(f"{url}/mcp", http_client=http)
        mode = MODERN_PROTOCOL_VERSIONS[-1]
        async with http, Client(transport, mode=mode, cache=None) as client:
            for name, arguments, path in (
                ("get_contact", {"id": ids[7]}, f"/api/v1/contacts/{ids[7]}"),
                ("list_contacts", {"limit": 20}, "/api/v1/contacts?limit=20"),
            ):
                await compare(calls, name, arguments, in_process, client, rest, path, pat)
        await db.close()
    server.should_exit = True
    thread.join()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    asyncio.run(main(parser.parse_args().calls))

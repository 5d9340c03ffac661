"""The app as a process: what importing it loads, the parts made on first use, and garbage
collection tuned for serving."""

import asyncio
import gc
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from starlette.responses import PlainTextResponse
from structlog.testing import capture_logs

from crm.app import MCP_PREFIXES, collecting_for_requests, mcp_routes_of
from crm.kit.deferred import Warmed, Warming, in_background

# Libraries that only some requests need (docs/performance.md, "Start-up").
DEFERRED = (
    "pydantic_ai", "mcp", "authlib", "caldav", "requests", "procrastinate", "httpx", "icalendar",
)  # fmt: skip


def test_serving_keeps_startup_objects_out_of_collections_and_collects_less_often():
    before = gc.get_threshold()
    with collecting_for_requests():
        assert gc.get_freeze_count() > 10_000  # modules, classes, routes, schemas
        assert gc.get_threshold() == (20_000, *before[1:])
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def imported(modules: str) -> tuple[list[str], bool, int]:
    """The top-level packages loaded by importing `modules` in a new process, and whether the
    collector runs and how many objects it leaves out after."""
    script = (
        f"import gc, json, sys; import {modules}; "
        "print(json.dumps([sorted({m.split('.')[0] for m in sys.modules}), gc.isenabled(), "
        "gc.get_freeze_count()]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=os.environ
    )
    loaded, collecting, frozen = json.loads(out.stdout)
    return loaded, collecting, frozen


def test_importing_the_app_loads_no_library_only_some_requests_need():
    loaded, collecting, frozen = imported("crm.app")
    assert [name for name in DEFERRED if name in loaded] == []
    assert "fastapi" in loaded and "sqlalchemy" in loaded  # the check sees imports at all
    assert collecting  # paused only while the app's modules load
    assert frozen > 100_000  # what they made is left out of the collector's passes


def test_the_assistant_loads_the_mcp_sdk_only_to_reach_a_connected_service():
    """The warming imports the agent; the SDK (half a second) waits for a connected service."""
    loaded, _, _ = imported("crm.assistant.agent")
    assert "pydantic_ai" in loaded
    assert [name for name in ("mcp", "mcp_types") if name in loaded] == []


def test_every_mcp_route_is_under_the_prefixes_that_build_them(app: FastAPI):
    paths = [route.path for route in mcp_routes_of(app)]  # type: ignore[attr-defined]
    assert "/mcp" in paths and "/oauth/consent" in paths
    assert [p for p in paths if not p.startswith(MCP_PREFIXES)] == []


async def test_the_mcp_server_and_its_oauth_answer_once_asked_for(client: httpx.AsyncClient):
    metadata = await client.get("/.well-known/oauth-authorization-server/oauth")
    assert metadata.status_code == 200
    assert metadata.json()["token_endpoint"].endswith("/oauth/token")
    unauthorized = await client.post("/mcp", json={})
    assert unauthorized.status_code == 401
    assert (await client.get("/mcp-nothing-here")).status_code == 404


async def test_requests_and_the_worker_wait_for_the_warming_imports_but_health_checks_not(
    tmp_path, monkeypatch
):
    """While modules are imported in the background nothing else imports: two threads
    importing at once (the `mcp` SDK's modules import each other in a circle) handed one of
    them a module half made, an ImportError."""
    (tmp_path / "crm_warm_probe.py").write_text("import time\ntime.sleep(0.3)\nDONE = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "crm_warm_probe", raising=False)

    def imported() -> bool:
        return getattr(sys.modules.get("crm_warm_probe"), "DONE", False)

    seen: dict[str, bool] = {}

    async def endpoint(scope, receive, send) -> None:
        seen[scope["path"]] = imported()
        await PlainTextResponse("ok")(scope, receive, send)

    @asynccontextmanager
    async def worker() -> AsyncIterator[None]:
        seen["worker"] = imported()
        yield

    warming = Warming("crm_warm_probe")
    transport = httpx.ASGITransport(app=Warmed(endpoint, warming))
    async with (
        warming.started(),
        in_background(lambda: warming.then(worker()), "worker"),
        httpx.AsyncClient(transport=transport, base_url="http://localhost") as client,
    ):
        assert (await client.get("/health")).text == "ok"
        assert (await client.get("/contacts")).text == "ok"
    assert seen == {"/health": False, "worker": True, "/contacts": True}


async def test_a_background_service_starts_without_holding_up_the_app_and_stops_with_it():
    events: list[str] = []

    @asynccontextmanager
    async def service() -> AsyncIterator[None]:
        events.append("starting")
        await asyncio.sleep(0.05)
        events.append("started")
        try:
            yield
        finally:
            events.append("stopped")

    async with in_background(service, "test"):
        assert events == []  # the block did not wait for it
        await asyncio.sleep(0.2)
        assert events == ["starting", "started"]
    assert events == ["starting", "started", "stopped"]


async def test_a_background_service_that_fails_is_logged_and_the_app_goes_on():
    @asynccontextmanager
    async def broken() -> AsyncIterator[None]:
        raise ConnectionError("no database")
        yield

    with capture_logs() as logs:
        async with in_background(broken, "worker"):
            await asyncio.sleep(0.05)
    assert [(e["event"], e["service"]) for e in logs] == [("background_service_failed", "worker")]

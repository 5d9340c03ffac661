"""The project and task lists in process: the app over ASGI (no server, no network), the
process's CPU time (and the wall time, PostgreSQL's included) per request of
`GET /api/v1/tasks?limit=50` and `GET /api/v1/projects?limit=50` for a user who owns
projects (each with an organization and two assignees) and is assigned to another member's,
their tasks assigned to members; best of `--runs`.

    python bench/project_pages.py --fill      # once: a fresh database, filled through the API
    python bench/project_pages.py [--requests 300] [--runs 3]

BENCH_DATABASE_URL names the server (a superuser connection; default: the local test server);
the benchmark creates and uses the database `crm_bench_pages_rows` on it. Run it from two trees
in turn (PYTHONPATH) to compare them on the same data.
"""

import argparse
import asyncio
import os
import time

import httpx
from calendar_setup import SERVER, fresh_database

from crm.app import create_app
from crm.config import Settings
from crm.db import app_url

NAME = "crm_bench_pages_rows"
PASSWORD = "bench password 2026"
PATHS = ("/api/v1/tasks", "/api/v1/projects")


def app() -> object:
    admin = SERVER.rsplit("/", 1)[0] + f"/{NAME}"
    settings = Settings(
        _env_file=None,
        database_url=app_url(admin),
        crm_secret_key="b" * 40,
        rate_limit_api="1000000/minute",
        rate_limit_auth="1000000/minute",
        log_level="WARNING",  # a log line per request would be measured too
    )
    return create_app(settings)


async def post(client: httpx.AsyncClient, path: str, headers: dict, **body: object) -> dict:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def person(client: httpx.AsyncClient, tokens: dict) -> tuple[dict, str]:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    return headers, tokens["user"]["id"]


async def fill(client: httpx.AsyncClient) -> None:
    ada = await post(
        client, "/api/v1/auth/register", {}, email="ada@example.com", password=PASSWORD, name="Ada"
    )
    ada_h, ada_id = await person(client, ada)
    members = []
    for name in ("Grace", "Linus"):
        invite = await post(client, "/api/v1/workspace/invites", ada_h, email=f"{name}@example.com")
        token = invite["url"].rsplit("/", 1)[1]
        accepted = await post(
            client, "/api/v1/auth/invites/accept", {}, token=token, name=name, password=PASSWORD
        )
        members.append(await person(client, accepted))
    (grace_h, grace_id), (_, linus_id) = members
    projects = []
    for i in range(60):
        org = await post(client, "/api/v1/organizations", ada_h, name=f"Organization {i}")
        ids = [grace_id, linus_id]
        projects.append(
            await post(
                client,
                "/api/v1/projects",
                ada_h,
                name=f"Project {i}",
                organization_id=org["id"],
                assignee_ids=ids,
            )
        )
    for i in range(20):
        projects.append(
            await post(
                client, "/api/v1/projects", grace_h, name=f"Grace's {i}", assignee_ids=[ada_id]
            )
        )
    statuses = ("todo", "in_progress", "done", "blocked")
    for i in range(400):
        project = projects[i % len(projects)]
        assignee = (ada_id, grace_id, None)[i % 3]
        await post(
            client, "/api/v1/tasks", ada_h,
            name=f"Task {i}", project_id=project["id"], status=statuses[i % 4],
            assignee_id=assignee, due_date=f"2027-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
        )  # fmt: skip


async def measure(requests: int, runs: int) -> dict[tuple[str, str], float]:
    application = app()
    best = {(path, clock): float("inf") for path in PATHS for clock in ("cpu", "wall")}
    async with application.router.lifespan_context(application):  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=application)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            body = {"email": "ada@example.com", "password": PASSWORD}
            tokens = (await client.post("/api/v1/auth/login", json=body)).json()
            client.headers["Authorization"] = f"Bearer {tokens['access_token']}"
            for _ in range(runs):
                for path in PATHS:
                    for _ in range(20):  # warm
                        assert (await client.get(path, params={"limit": 50})).status_code == 200
                    started, cpu = time.perf_counter(), time.process_time()
                    for _ in range(requests):
                        await client.get(path, params={"limit": 50})
                    for clock, spent in (
                        ("cpu", time.process_time() - cpu),
                        ("wall", time.perf_counter() - started),
                    ):
                        best[path, clock] = min(best[path, clock], spent / requests * 1000)
    return best


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fill", action="store_true")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    if options.fill:
        fresh_database(NAME)
        application = app()
        async with application.router.lifespan_context(application):  # type: ignore[attr-defined]
            transport = httpx.ASGITransport(app=application)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
                await fill(c)
        return
    best = await measure(options.requests, options.runs)
    load = os.getloadavg()[0]
    for path in PATHS:
        cpu, wall = best[path, "cpu"], best[path, "wall"]
        print(f"GET {path}?limit=50: {cpu:.2f} ms CPU, {wall:.2f} ms wall per request "
              f"(best of {options.runs} × {options.requests}; load {load:.2f})")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())

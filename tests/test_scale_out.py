"""Scale out, proven with real processes: two `crm serve --no-worker` and two `crm worker`
against one PostgreSQL database and one Redis on the loopback. Requests spread over both
instances; the rate limit holds across them; a notification of a reminder made through one
instance, and a chat turn run on it, reach a live page connected to the other; 2,000
reminders due within one minute are delivered exactly once between the two workers with one
killed midway; a rolling restart of one instance loses no request that was retried.

Its own database, so it runs beside the other tests (and the pytest processes of other
branches) without touching theirs. docs/scaling.md has the figures it prints."""

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from httpx_ws import aconnect_ws
from sqlalchemy import insert, text

from crm import jobs
from crm.auth.actor import Actor
from crm.db import Database, app_url, migrate
from crm.models import Reminder, ReminderStatus, Role
from crm.reminders.service import DELIVER
from tests.conftest import PASSWORD, SECRET, TEST_DATABASE
from tests.rows import fetch
from tests.smtp import free_port
from tests.test_backup import other_database

pytestmark = pytest.mark.scale
CRM = [sys.executable, "-m", "crm.cli"]
USERS = 10
REMINDERS = 2_000
WINDOW = 60  # seconds over which the reminders fall due: the minute


def environment(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CRM_"))}
    return env | {
        "DATABASE_URL": url,
        "CRM_SECRET_KEY": SECRET,
        "RATE_LIMIT_AUTH": "5/hour",  # a minute can pass between two sign-ins on a busy CI
        "RATE_LIMIT_API": "100000/minute",
        "WORKER_STALLED_SECONDS": "2",
        "WORKER_POLLING_SECONDS": "0.5",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


class Process:
    """One `crm` process; an instance (`serve`) has its own free port on the loopback."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = free_port() if args[0] == "serve" else None
        port = ["--port", str(self.port)] if self.port else []
        self.log = tempfile.TemporaryFile()  # a pipe nobody reads could fill and block it
        self.process = subprocess.Popen(
            [*CRM, *args, *port], env=env, stdout=subprocess.DEVNULL, stderr=self.log
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def ready(self, timeout: float = 240) -> None:  # a liveness guard: busy CI is slow
        async with httpx.AsyncClient() as client, asyncio.timeout(timeout):
            while True:
                if self.process.poll() is not None:
                    self.log.seek(0)
                    raise AssertionError(self.log.read().decode())
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{self.url}/ready")).status_code == 200:
                        return
                await asyncio.sleep(0.1)

    def stop(self, signum: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def cpu_seconds(process: Process) -> float:
    """The CPU time a process has used so far (Linux; 0 elsewhere, and the figure is moot)."""
    try:
        with open(f"/proc/{process.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def read_load(http, instances, headers, count: int = 400) -> tuple[float, float]:
    """`count` list requests spread over the instances, 8 at a time: answers the requests per
    second and the instances' CPU milliseconds per request."""
    cpu = sum(cpu_seconds(i) for i in instances)
    queue = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(instances[n % len(instances)])

    async def client() -> None:
        while not queue.empty():
            instance = queue.get_nowait()
            answer = await http.get(f"{instance.url}/api/v1/contacts?limit=50", headers=headers)
            assert answer.status_code == 200

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(8)))
    elapsed = time.monotonic() - started
    spent = sum(cpu_seconds(i) for i in instances) - cpu
    return count / elapsed, spent / count * 1000


def forwarded(ip: str) -> dict[str, str]:
    # Both instances trust the loopback's X-Forwarded-For (uvicorn's default): each client
    # of the test gets an address of its own, as behind a load balancer.
    return {"X-Forwarded-For": ip}


async def sign_up_spread(http, instances) -> list[tuple[Actor, dict[str, str]]]:
    """USERS accounts, registered on one instance and read back on the other."""
    people = []
    run = random.randrange(256)  # noqa: S311  (Redis keeps the counts of earlier runs)
    for n in range(USERS):
        here, there = instances[n % 2], instances[(n + 1) % 2]
        body = {"email": f"scale-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
        made = await http.post(
            f"{here.url}/api/v1/auth/register",
            json=body | {"name": f"User {n}"},
            headers=forwarded(f"10.{run}.{n // 250}.{n % 250 + 1}"),
        )
        assert made.status_code == 201, made.text
        headers = {"Authorization": f"Bearer {made.json()['access_token']}"}
        me = (await http.get(f"{there.url}/api/v1/me", headers=headers)).json()
        actor = Actor(uuid.UUID(me["id"]), uuid.UUID(me["workspace_id"]), Role.owner, "api")
        people.append((actor, headers))
    return people


async def requests_served(http, instance) -> float:
    text = (await http.get(f"{instance.url}/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("crm_http_requests_total{")
    )


async def schedule(url: str, people, start: datetime) -> None:
    """REMINDERS reminders, shared among the users, due at random moments of the window: the
    rows and their jobs as the service writes them (reminder_service.create, which
    test_reminders.py covers), in bulk, so that writing them does not eat the window."""
    db = Database(url, pool_size=2)
    rng = random.Random(18)  # noqa: S311
    now = datetime.now(UTC)
    try:
        for index, (actor, _) in enumerate(people):
            rows = [
                {
                    "id": uuid.uuid4(),
                    "workspace_id": actor.workspace_id,
                    "owner_id": actor.user_id,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "status": ReminderStatus.scheduled,
                    "message": f"Reminder {index}.{n}",
                    "remind_at": start + timedelta(seconds=rng.uniform(0, WINDOW)),
                    "channels": ["in_app"],
                }
                for n in range(REMINDERS // len(people))
            ]
            args = [
                json.dumps(
                    {
                        "reminder_id": str(row["id"]),
                        "user_id": str(actor.user_id),
                        "workspace_id": str(actor.workspace_id),
                    }
                )
                for row in rows
            ]
            async with db.transaction(user_id=actor.user_id, workspace_id=actor.workspace_id) as s:
                await s.execute(insert(Reminder), rows)
                await s.execute(
                    DEFER_MANY,
                    {
                        "queue": jobs.QUEUE,
                        "task": DELIVER,
                        "args": args,
                        "ats": [row["remind_at"] for row in rows],
                    },
                )
    finally:
        await db.close()


# crm.jobs.defer's statement for many jobs at once (procrastinate's own function).
DEFER_MANY = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY(SELECT ROW(:queue, :task, 0, NULL, NULL, j.args, "
    "j.at)::procrastinate_job_to_defer_v1 FROM unnest(CAST(:args AS jsonb[]), "
    "CAST(:ats AS timestamptz[])) AS j(args, at)))"
)


def sent(admin: str) -> int:
    return fetch(admin, "SELECT count(*) FROM reminder WHERE status = 'sent'")[0][0]


async def keep_writing(http, pool: list, headers, written: list[str], stop: asyncio.Event):
    """Create contacts one after the other on the instances in turn, as a load balancer with
    retries would: a request an instance did not take (refused, or its connection closed
    before an answer) goes to the other."""
    n = 0
    while not stop.is_set():
        name = f"Contact {n}"
        for attempt in range(40):
            instance = pool[(n + attempt) % len(pool)]
            try:
                answer = await http.post(
                    f"{instance.url}/api/v1/contacts", json={"name": name}, headers=headers
                )
            except httpx.TransportError:
                await asyncio.sleep(0.05)
                continue
            if answer.status_code == 503:
                continue
            assert answer.status_code == 201, answer.text
            written.append(name)
            break
        else:
            raise AssertionError(f"{name} found no instance")
        n += 1


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL") and os.environ.get("CI") != "true",
    reason="REDIS_URL is not set: the instances share their rate limits through Redis",
)
async def test_two_instances_and_two_workers_share_one_database_and_one_redis(admin_url):
    started = time.monotonic()
    admin = other_database(admin_url, f"{TEST_DATABASE}_scale")
    migrate(admin)
    url = app_url(admin)
    env = environment(url)
    a, b = Process(env, "serve", "--no-worker"), Process(env, "serve", "--no-worker")
    workers = [Process(env, "worker"), Process(env, "worker")]
    processes = [a, b, *workers]
    figures: dict[str, float] = {}
    try:
        await asyncio.gather(a.ready(), b.ready())
        figures["ready_s"] = time.monotonic() - started
        async with httpx.AsyncClient(timeout=30) as http:
            # Requests spread over both, a session made on one good on the other.
            people = await sign_up_spread(http, [a, b])
            served = [await requests_served(http, i) for i in (a, b)]
            assert min(served) >= USERS

            # One rate limit across both: 5 sign-ins an hour per address and per e-mail.
            stranger = {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": "x"}
            address = f"203.0.{random.randrange(114, 255)}.{random.randrange(1, 255)}"  # noqa: S311
            statuses = [
                (
                    await http.post(
                        f"{(a, b)[n % 2].url}/api/v1/auth/login",
                        json=stranger,
                        headers=forwarded(address),
                    )
                ).status_code
                for n in range(8)
            ]
            assert statuses == [401] * 5 + [429] * 3

            # A reminder made through A is pushed to the page open on B.
            _, ada_headers = people[0]
            for n in range(50):
                await http.post(
                    f"{a.url}/api/v1/contacts", json={"name": f"Read {n}"}, headers=ada_headers
                )
            figures["reads_per_s"], figures["cpu_ms_per_read"] = await read_load(
                http, [a, b], ada_headers
            )
            token = ada_headers["Authorization"].split()[1]
            figures["spread_and_limits_s"] = time.monotonic() - started
            async with aconnect_ws(f"{b.url}/api/v1/notifications/ws?token={token}", http) as ws:
                assert (await ws.receive_json())["type"] == "unread"
                now = datetime.now(UTC).isoformat()
                made = await http.post(
                    f"{a.url}/api/v1/reminders",
                    json={"message": "Across instances", "remind_at": now},
                    headers=ada_headers,
                )
                assert made.status_code == 201, made.text
                async with asyncio.timeout(120):  # the workers may still be starting
                    pushed = await ws.receive_json()
                assert pushed["notification"]["title"] == "Across instances"

                # A chat turn run on A is announced to the page open on B.
                turn = await http.post(
                    f"{a.url}/api/v1/chat", json={"message": "hello"}, headers=ada_headers
                )
                assert turn.status_code == 200, turn.text
                async with asyncio.timeout(30):
                    chat = await ws.receive_json()
                assert chat == {
                    "type": "chat",
                    "conversation_id": turn.json()["conversation_id"],
                    "title": "hello",
                }

            # 2,000 reminders due within the minute, one worker killed a third of the way.
            before = sent(admin)
            lead = 5  # time to write them all before the window opens
            window_start = datetime.now(UTC) + timedelta(seconds=lead)
            t0 = time.monotonic()
            worker_cpu = sum(cpu_seconds(w) for w in workers)
            await schedule(url, people, window_start)
            figures["written_s"] = time.monotonic() - t0
            async with asyncio.timeout(300):  # a liveness guard: the minute, and a busy CI
                while sent(admin) - before < REMINDERS // 3:
                    await asyncio.sleep(0.2)
                killed_cpu = cpu_seconds(workers[0])
                workers[0].stop(signal.SIGKILL)
                figures["killed_at"] = sent(admin) - before
                while sent(admin) - before < REMINDERS:
                    await asyncio.sleep(0.5)
            figures["delivered_s"] = (datetime.now(UTC) - window_start).total_seconds()
            spent = killed_cpu + cpu_seconds(workers[1]) - worker_cpu
            figures["worker_cpu_ms_per_reminder"] = spent / REMINDERS * 1000
            twice = fetch(
                admin,
                "SELECT r.id FROM reminder r LEFT JOIN notification n "
                "ON n.data->>'reminder_id' = r.id::text GROUP BY r.id HAVING count(n.id) <> 1",
            )
            assert twice == []
            late = fetch(
                admin,
                "SELECT percentile_cont(array[0.5, 0.95]) WITHIN GROUP "
                "(ORDER BY extract(epoch FROM sent_at - remind_at)), "
                "max(extract(epoch FROM sent_at - remind_at)) FROM reminder",
            )[0]
            figures["p50"], figures["p95"], figures["max"] = late[0][0], late[0][1], late[1]

            # A rolling restart: instance A stopped (SIGTERM: it finishes what it holds) and
            # replaced, while contacts are written through both with retries.
            pool, written, stop = [a, b], [], asyncio.Event()
            writer = asyncio.create_task(keep_writing(http, pool, ada_headers, written, stop))
            t0 = time.monotonic()
            await asyncio.sleep(1)
            await asyncio.to_thread(a.stop)
            fresh = Process(env, "serve", "--no-worker")
            processes.append(fresh)
            await fresh.ready()
            pool[0] = fresh
            await asyncio.sleep(1)
            stop.set()
            await writer
            figures["restart_s"] = time.monotonic() - t0
            names = [
                row[0]
                for row in fetch(
                    admin, "SELECT name FROM contact WHERE starts_with(name, 'Contact ')"
                )
            ]
            assert sorted(names) == sorted(written) and len(written) > 20
            figures["written_during_restart"] = len(written)
    finally:
        for process in processes:
            process.stop(signal.SIGKILL if process in workers else signal.SIGTERM)
        figures["total_s"] = time.monotonic() - started
        print("\nscale-out figures:", {k: round(float(v), 2) for k, v in figures.items()})

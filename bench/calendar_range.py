"""The calendar's range API with a busy year: one user with N events (default 5,000) in a year,
2% of them weekly for the year; then the month, week and day views' requests through the app
(in process, over ASGI) with wall p50/p95 and the app's CPU time p50, for
/api/v1/calendar/events and /api/v1/calendar/items; and the month view again with the
expansion's caches emptied before each request, as the first view after a start finds them.

    python bench/calendar_range.py [--events 5000] [--requests 200]

BENCH_DATABASE_URL names the server (a superuser connection; default: the local test server);
the benchmark creates and uses the database `crm_bench_calendar` on it.
"""

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import httpx
import psycopg
from calendar_setup import fresh_database, new_user

from crm.app import create_app
from crm.auth.actor import Actor
from crm.calendar import recurrence
from crm.calendar.schemas import EventInput
from crm.calendar.service import event as event_service
from crm.config import Settings
from crm.db import Database

YEAR = 2027


async def fill(db: Database, actor: Actor, count: int) -> None:
    rng = random.Random(5)
    first = datetime(YEAR, 1, 1, tzinfo=UTC)
    for start in range(0, count, 500):
        async with db.transaction(user_id=actor.user_id, workspace_id=actor.workspace_id) as s:
            for n in range(start, min(count, start + 500)):
                day = first + timedelta(days=rng.randrange(365))
                begins = day.replace(hour=rng.randrange(7, 19), minute=rng.choice((0, 30)))
                weekly = n % 50 == 0
                data = EventInput(
                    title=f"Event {n}",
                    start=begins.replace(tzinfo=None),
                    end=(begins + timedelta(minutes=rng.choice((30, 60, 90)))).replace(tzinfo=None),
                    timezone="Europe/Paris",
                    rrule=f"FREQ=WEEKLY;UNTIL={YEAR}1231T000000Z" if weekly else None,
                )
                await event_service.create(s, actor, data=data)


def forget_expansions() -> None:
    recurrence._parsed.cache_clear()
    recurrence._resumed.cache_clear()


async def measure(
    client: httpx.AsyncClient, path: str, ranges: list[tuple[date, date]], cold: bool = False
):
    times, cpu, sizes = [], [], []
    for start, end in ranges:
        if cold:
            forget_expansions()
        t0, c0 = time.perf_counter(), time.process_time()
        response = await client.get(path, params={"start": str(start), "end": str(end)})
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200, response.text
        sizes.append(len(response.json()["items"]))
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    return statistics.median(times), p95, statistics.median(cpu), statistics.mean(sizes)


async def main(events: int, requests: int) -> None:
    admin, url = fresh_database("crm_bench_calendar")
    db = Database(url)
    actor = await new_user(db)
    t0 = time.monotonic()
    await fill(db, actor, events)
    await db.close()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("ANALYZE calendar_event")  # as autovacuum would soon after a bulk load
    print(f"{events} events written in {time.monotonic() - t0:.1f} s")
    settings = Settings(
        _env_file=None,
        database_url=url,
        crm_secret_key="b" * 40,
        rate_limit_api="1000000/minute",
        log_level="WARNING",  # a log line per request would be measured too
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        token = app.state.issuer.signer.issue_access(actor.user_id, actor.workspace_id)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://localhost",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            rng = random.Random(7)
            views = {"month": 35, "week": 7, "day": 1}
            ranges = {
                view: [
                    (start, start + timedelta(days=days))
                    for start in (
                        date(YEAR, 1, 1) + timedelta(days=rng.randrange(365 - days))
                        for _ in range(requests)
                    )
                ]
                for view, days in views.items()
            }
            paths = ("/api/v1/calendar/events", "/api/v1/calendar/items")
            for view in views:
                for path in paths:
                    report(view, path, *await measure(client, path, ranges[view]))
            for path in paths:
                report("month, cold", path, *await measure(client, path, ranges["month"], True))


def report(view: str, path: str, p50: float, p95: float, cpu: float, size: float) -> None:
    print(
        f"{view:11} {path:26} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
        f"CPU p50 {cpu:5.1f} ms  ({size:.0f} items on average)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()
    asyncio.run(main(options.events, options.requests))

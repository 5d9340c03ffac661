"""Calendar interchange with a busy calendar: one user with N events (default 1,000, 2% of them
weekly); the ICS feed's answer time and size; then CalDAV sync against a local Radicale: the
first sync (pushing every event), a sync with nothing changed (incremental: the sync token),
and a sync after 10 events changed here and 10 there.

    python bench/calendar_interchange.py [--events 1000] [--feeds 5]

BENCH_DATABASE_URL names the server (a superuser connection; default: the local test server);
the benchmark creates and uses the database `crm_bench_interchange` on it.
"""

import argparse
import asyncio
import statistics
import time

import httpx
from calendar_range import fill
from calendar_setup import fresh_database, new_user

from crm.app import create_app
from crm.config import Settings
from crm.db import Database
from tests.radicale import PASSWORD, USER, RadicaleServer


async def timed(client: httpx.AsyncClient, method: str, path: str, **kwargs):
    t0 = time.perf_counter()
    response = await client.request(method, path, **kwargs)
    assert response.status_code < 300, response.text
    return (time.perf_counter() - t0) * 1000, response


async def feed(client: httpx.AsyncClient, count: int) -> None:
    url = (await client.post("/api/v1/calendar/feed")).json()["url"]
    path = url.split("localhost", 1)[-1].removeprefix("http://127.0.0.1:8000")
    times = []
    for _ in range(count):
        ms, response = await timed(client, "GET", path)
        times.append(ms)
    print(f"feed: {len(response.content) / 1024:.0f} KiB, median {statistics.median(times):.0f} ms")


async def caldav(client: httpx.AsyncClient, events: list[dict]) -> None:
    with RadicaleServer() as radicale:
        radicale.make_calendar("bench")
        body = {"url": radicale.url, "username": USER, "password": PASSWORD}
        await timed(client, "PUT", "/api/v1/calendar/caldav", json=body)
        for label in ("first sync (push all)", "nothing changed"):
            ms, response = await timed(client, "POST", "/api/v1/calendar/sync")
            report = {k: v for k, v in response.json().items() if v and k != "skipped"}
            print(f"sync, {label}: {ms:.0f} ms {report}")
        for event in events[:10]:
            change = {"title": event["title"] + " (moved)"}
            await timed(
                client, "PATCH", f"/api/v1/calendar/events/{event['event_id']}", json=change
            )
        remote = httpx.AsyncClient(auth=(USER, PASSWORD))
        for n in range(10):
            text = (
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
                f"UID:bench-{n}\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270301T100000Z\r\n"
                f"SUMMARY:From the phone {n}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            )
            await remote.put(f"{radicale.url}{USER}/bench/bench-{n}.ics", content=text)
        ms, response = await timed(client, "POST", "/api/v1/calendar/sync")
        report = {k: v for k, v in response.json().items() if v and k != "skipped"}
        print(f"sync, 10 changed here and 10 new there: {ms:.0f} ms {report}")


async def main(count: int, feeds: int) -> None:
    _, url = fresh_database("crm_bench_interchange")
    db = Database(url)
    actor = await new_user(db)
    await fill(db, actor, count)
    await db.close()
    settings = Settings(
        _env_file=None, database_url=url, crm_secret_key="b" * 40, rate_limit_api="1000000/minute"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        token = app.state.issuer.signer.issue_access(actor.user_id, actor.workspace_id)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://localhost",
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        ) as client:
            await feed(client, feeds)
            found = await client.get(
                "/api/v1/calendar/events", params={"start": "2027-01-01", "end": "2027-12-31"}
            )
            await caldav(client, found.json()["items"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=5)
    options = parser.parse_args()
    asyncio.run(main(options.events, options.feeds))

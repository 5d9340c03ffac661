"""Calendar sync with Outlook at size: one user whose Outlook calendar holds N events (default
5,000, 1% of them weekly series with an exception), synced through the Microsoft Graph
stand-in over HTTP by the real client (calendarView/delta, 200 a page): the first sync (every
event comes in), a sync with nothing changed, and an incremental sync of 10 changes (5 made in
Outlook, 5 here). The CRM's own time is the wall time less the time the stand-in spent in its
handlers (measured in the stand-in).

    python bench/calendar_sync.py [--events 5000]

BENCH_DATABASE_URL names the server (a superuser connection; default: the local test server);
the benchmark creates and uses the database `crm_bench_calsync` on it.
"""

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta

from calendar_setup import fresh_database, new_user

from crm.auth.actor import Actor
from crm.calendar.schemas import EventPatch
from crm.calendar.service import event as event_service
from crm.calendar.sync import sync as sync_service
from crm.config import Settings
from crm.db import Database
from crm.integrations import oauth
from crm.integrations.calendars import CALENDARS
from crm.integrations.service import _store
from crm.kit.crypto import SecretBox
from crm.models import IntegrationConnection
from tests.standins import StandInServer
from tests.standins.microsoft_graph import GraphStandIn

TOKEN = "bench-access-token"


class TimedGraph(GraphStandIn):
    """The Graph stand-in, adding up the time spent in its own handlers."""

    spent = 0.0

    async def dispatch(self, request):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return await super().dispatch(request)
        finally:
            self.spent += time.perf_counter() - t0


def seed(graph: TimedGraph, count: int) -> list[dict]:
    mailbox = graph.add_account(TOKEN, "bench@contoso.com", "Bench")
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    made = []
    for n in range(count):
        at = start + timedelta(hours=7 * n % (24 * 300))
        more = {}
        if n % 100 == 0:
            day = at.strftime("%A").lower()
            more["recurrence"] = {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [day]},
                "range": {
                    "type": "numbered",
                    "startDate": at.date().isoformat(),
                    "numberOfOccurrences": 10,
                },
            }
        made.append(
            mailbox.add_event(
                subject=f"Meeting {n}", start=at, end=at + timedelta(minutes=30), **more
            )
        )
        if more:
            second = at + timedelta(days=7)
            mailbox.calendars.change(
                f"{made[-1]['id']}.OID.{second:%Y%m%dT%H%M%S}", {"subject": f"Meeting {n} (moved)"}
            )
    return made


async def connect(db: Database, actor: Actor, box: SecretBox) -> None:
    async with db.transaction(user_id=actor.user_id, workspace_id=actor.workspace_id) as session:
        row = IntegrationConnection(
            workspace_id=actor.workspace_id,
            user_id=actor.user_id,
            service="ms365",
            status="connected",
            account_email="bench@contoso.com",
        )
        grant = oauth.Grant(
            TOKEN, None, datetime.now(UTC) + timedelta(days=1), ("Calendars.ReadWrite",)
        )
        _store(row, grant, box)
        session.add(row)


async def timed_sync(db, actor, settings, box, graph: TimedGraph, label: str) -> None:
    graph.spent = 0.0
    t0 = time.perf_counter()
    async with db.transaction(user_id=actor.user_id, workspace_id=actor.workspace_id) as session:
        [result] = await sync_service.sync_all(session, actor, settings=settings, box=box)
    wall = time.perf_counter() - t0
    counts = {k: v for k, v in result.report.counts().items() if v}
    print(
        f"{label}: {wall * 1000:.0f} ms wall, stand-in {graph.spent * 1000:.0f} ms, "
        f"CRM {(wall - graph.spent) * 1000:.0f} ms; {result.status} {counts}"
    )


async def main(count: int, profile: bool) -> None:
    _, url = fresh_database("crm_bench_calsync")
    graph = TimedGraph(max_page_size=1000)
    made = seed(graph, count)
    with StandInServer(graph.standin()) as server:
        graph.base = f"{server.url}/v1.0"
        settings = Settings(
            _env_file=None,
            database_url=url,
            crm_secret_key="b" * 40,
            microsoft_graph_url=graph.base,
        )
        box = SecretBox.from_settings(settings)
        db = Database(url)
        actor = await new_user(db)
        await connect(db, actor, box)
        assert "ms365" in CALENDARS
        await timed_sync(db, actor, settings, box, graph, f"first sync of {count} events")
        await timed_sync(db, actor, settings, box, graph, "nothing changed")
        mailbox = graph.accounts[TOKEN]
        there = made[1:6]
        taken = {e["subject"] for e in there}
        for event in there:
            mailbox.calendars.change(event["id"], {"subject": event["subject"] + " (there)"})
        async with db.transaction(
            user_id=actor.user_id, workspace_id=actor.workspace_id
        ) as session:
            mine = [e for e in await event_service.every(session, actor) if e.title not in taken]
            for event in mine[10:15]:
                await event_service.update(
                    session,
                    actor,
                    event_id=event.id,
                    changes=EventPatch.model_validate({"title": event.title + " (here)"}),
                )
        label = "10 changes (5 there, 5 here)"
        if not profile:
            await timed_sync(db, actor, settings, box, graph, label)
        else:
            import cProfile
            import pstats

            with cProfile.Profile() as profiler:
                await timed_sync(db, actor, settings, box, graph, label)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--profile", action="store_true", help="profile the incremental sync")
    options = parser.parse_args()
    asyncio.run(main(options.events, options.profile))

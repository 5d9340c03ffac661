"""Reminders at scale: N reminders (default 10,000) of one user due within the same minute,
each in the app and by e-mail to a local SMTP server (aiosmtpd), delivered by `crm worker`
processes; prints how many arrived and the lateness (sent_at - remind_at) p50/p95/max.

    python bench/reminders.py [--reminders 10000] [--processes 1] [--concurrency 10]
        [--no-email]

BENCH_DATABASE_URL names the server (a superuser connection; default: the local test server);
the benchmark creates and uses the database `crm_bench_reminders` on it.
"""

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg
from calendar_setup import fresh_database, new_user

from crm.db import Database
from crm.reminders.schemas import ReminderInput
from crm.reminders.service import reminder as reminder_service
from tests.smtp import Inbox, SMTPServer


class CountingInbox(Inbox):
    """Keeps each message unparsed: the mail server's work is not the CRM's (parsing every
    message in this process took a good share of the 2 cores)."""

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


async def schedule(url: str, count: int, channels: list[str]) -> datetime:
    """`count` reminders due at random moments of the minute that starts after LEAD."""
    db = Database(url)
    try:
        actor = await new_user(db)
        # Time to write them all before the minute starts (3 to 8 ms each here, by the load).
        start = datetime.now(UTC) + timedelta(seconds=10 + count * 0.01)
        rng = random.Random(6)
        for first in range(0, count, 500):
            async with db.transaction(user_id=actor.user_id, workspace_id=actor.workspace_id) as s:
                for n in range(first, min(count, first + 500)):
                    at = start + timedelta(seconds=rng.uniform(0, 60))
                    data = ReminderInput(message=f"Reminder {n}", remind_at=at, channels=channels)
                    await reminder_service.create(s, actor, data=data)
        return start
    finally:
        await db.close()


def outcome(admin: str) -> tuple[int, int, list[float]]:
    with psycopg.connect(admin) as conn:
        sent, total = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FROM reminder"
        ).fetchone()
        late = [
            r[0]
            for r in conn.execute(
                "SELECT extract(epoch FROM sent_at - remind_at) FROM reminder "
                "WHERE sent_at IS NOT NULL"
            )
        ]
    return sent, total, [float(x) for x in late]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--no-email", action="store_true")
    args = parser.parse_args()
    admin, url = fresh_database("crm_bench_reminders")
    channels = ["in_app"] if args.no_email else ["in_app", "email"]
    with SMTPServer(CountingInbox()) as smtp:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "SMTP_STARTTLS": "false",
            "LOG_LEVEL": "WARNING",
        }
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "crm.cli", "worker", "--concurrency", str(args.concurrency)],
                env=env,
                stdout=subprocess.DEVNULL,
            )
            for _ in range(args.processes)
        ]
        try:
            t0 = time.monotonic()
            start = asyncio.run(schedule(url, args.reminders, channels))
            print(
                f"{args.reminders} reminders written in {time.monotonic() - t0:.1f} s, "
                f"due between {start:%H:%M:%S} and {start + timedelta(minutes=1):%H:%M:%S} UTC"
            )
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                sent, total, _ = outcome(admin)
                if sent == total:
                    break
                time.sleep(2)
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait()
        mails = len(smtp.inbox.messages)
    sent, total, late = outcome(admin)
    late.sort()
    p95 = late[int(len(late) * 0.95) - 1] if late else float("nan")
    print(f"delivered {sent} of {total}; e-mails received {mails}")
    print(
        f"lateness: p50 {statistics.median(late):.2f} s, p95 {p95:.2f} s, max {late[-1]:.2f} s "
        f"({args.processes} worker process(es), concurrency {args.concurrency})"
    )


if __name__ == "__main__":
    main()

"""Reminders really arrive: a worker delivers them in the app and by e-mail through a real
SMTP server, once, even when a job runs twice or a worker is killed in the middle of one."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from crm.db import Database, app_url
from crm.jobs import running_worker
from crm.kit.mail import Mailer
from crm.reminders.delivery import MailFailed, deliver
from tests.conftest import http_client, make_settings
from tests.people import sign_up
from tests.rows import fetch
from tests.smtp import Inbox, SMTPServer, free_port


def soon(seconds: float = 1) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def mail_settings(admin_url, port, **overrides):
    return make_settings(
        admin_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        worker_stalled_seconds=2,
        **overrides,
    )


async def until(condition, timeout: float = 20):
    """Wait for `condition()` to hold (a liveness guard, not a speed measure)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def delivered(admin_url, reminder_id):
    return fetch(
        admin_url,
        "SELECT r.status, (SELECT count(*) FROM notification n "
        " WHERE n.data->>'reminder_id' = r.id::text) FROM reminder r WHERE r.id = %s",
        reminder_id,
    )[0]


async def test_a_due_reminder_arrives_in_the_app_and_by_email(client, admin_url):
    ada = await sign_up(client, "Ada")
    me = (await client.get("/api/v1/me", headers=ada.headers)).json()
    contact = (
        await client.post("/api/v1/contacts", json={"name": "Jane"}, headers=ada.headers)
    ).json()
    with SMTPServer() as smtp:
        settings = mail_settings(admin_url, smtp.port)
        async with running_worker(app_url(admin_url), settings):
            reminder = (
                await client.post(
                    "/api/v1/reminders",
                    json={
                        "message": "Call Jane <b>now</b>",
                        "remind_at": soon(),
                        "channels": ["in_app", "email"],
                        "contact_id": contact["id"],
                    },
                    headers=ada.headers,
                )
            ).json()
            [mail] = await smtp.inbox.wait(1, timeout=20)
            await until(lambda: delivered(admin_url, reminder["id"]) == ("sent", 1))
    assert mail["To"] == me["email"] and mail["Subject"] == "Reminder: Call Jane <b>now</b>"
    link = f"http://127.0.0.1:8000/contacts/{contact['id']}"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert link in text and f'href="{link}"' in html
    assert "Call Jane &lt;b&gt;now&lt;/b&gt;" in html  # escaped
    inbox = (await client.get("/api/v1/notifications", headers=ada.headers)).json()
    assert inbox["unread"] == 1
    [note] = inbox["items"]
    assert (note["title"], note["link"], note["kind"]) == (
        "Call Jane <b>now</b>",
        f"/contacts/{contact['id']}",
        "reminder",
    )
    read = await client.post(
        "/api/v1/notifications/read", json={"ids": [note["id"]]}, headers=ada.headers
    )
    assert read.json() == {"unread": 0}
    shown = (await client.get(f"/api/v1/reminders/{reminder['id']}", headers=ada.headers)).json()
    assert shown["status"] == "sent" and shown["sent_at"] is not None


async def test_a_delivery_that_runs_twice_sends_one_email(client, admin_url):
    ada = await sign_up(client, "Ada")
    reminder = (
        await client.post(
            "/api/v1/reminders",
            json={"message": "Once", "remind_at": soon(-5), "channels": ["in_app", "email"]},
            headers=ada.headers,
        )
    ).json()
    with SMTPServer() as smtp:
        db = Database(app_url(admin_url))
        try:
            args = {"user_id": ada.user_id, "workspace_id": ada.workspace_id}
            settings = mail_settings(admin_url, smtp.port)
            results = await asyncio.gather(*(deliver(db, settings, **args) for _ in range(3)))
            again = await deliver(db, settings, **args)
        finally:
            await db.close()
        await asyncio.sleep(0.5)  # let a (wrong) second message reach the server
        assert len(smtp.inbox.messages) == 1
    assert sorted(results) == [0, 0, 1] and again == 0
    assert delivered(admin_url, reminder["id"]) == ("sent", 1)


async def test_without_smtp_the_reminder_still_arrives_in_the_app(client, admin_url):
    ada = await sign_up(client, "Ada")
    async with running_worker(app_url(admin_url), make_settings(admin_url)):
        reminder = (
            await client.post(
                "/api/v1/reminders",
                json={"message": "No mail", "remind_at": soon(), "channels": ["email", "in_app"]},
                headers=ada.headers,
            )
        ).json()
        await until(lambda: delivered(admin_url, reminder["id"]) == ("sent", 1))


async def test_a_snoozed_reminder_fires_again_and_a_dismissed_one_never(client, admin_url):
    ada = await sign_up(client, "Ada")
    first = (
        await client.post(
            "/api/v1/reminders",
            json={"message": "Again", "remind_at": soon()},
            headers=ada.headers,
        )
    ).json()
    dismissed = (
        await client.post(
            "/api/v1/reminders",
            json={"message": "Never", "remind_at": soon(1.5)},
            headers=ada.headers,
        )
    ).json()
    await client.post(f"/api/v1/reminders/{dismissed['id']}/dismiss", headers=ada.headers)
    async with running_worker(app_url(admin_url), make_settings(admin_url)):
        await until(lambda: delivered(admin_url, first["id"]) == ("sent", 1))
        await client.post(
            f"/api/v1/reminders/{first['id']}/snooze",
            json={"until": soon()},
            headers=ada.headers,
        )
        await until(lambda: delivered(admin_url, first["id"]) == ("sent", 2))
        await until(lambda: fetch(admin_url, "SELECT count(*) FROM procrastinate_jobs")[0][0] == 0)
    assert delivered(admin_url, dismissed["id"]) == ("dismissed", 0)


class StallingInbox(Inbox):
    """Holds the first delivery attempt at RCPT (the worker is killed meanwhile)."""

    def __init__(self) -> None:
        super().__init__()
        self.first_attempt = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.first_attempt.is_set():
            self.first_attempt.set()
            await asyncio.sleep(30)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
async def test_a_worker_killed_mid_delivery_still_delivers_once(client, admin_url):
    ada = await sign_up(client, "Ada")
    inbox, port = StallingInbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {
        **os.environ,
        "DATABASE_URL": app_url(admin_url),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_STARTTLS": "false",
        "WORKER_STALLED_SECONDS": "2",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "crm.cli",
        "worker",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        reminder = (
            await client.post(
                "/api/v1/reminders",
                json={"message": "Survive", "remind_at": soon(), "channels": ["email", "in_app"]},
                headers=ada.headers,
            )
        ).json()
        await until(inbox.first_attempt.is_set, timeout=30)
        os.kill(worker.pid, signal.SIGKILL)
        await worker.wait()
        assert delivered(admin_url, reminder["id"]) == ("scheduled", 0)
        async with running_worker(app_url(admin_url), mail_settings(admin_url, port)):
            await inbox.wait(1, timeout=30)
            await until(lambda: delivered(admin_url, reminder["id"]) == ("sent", 1))
        await asyncio.sleep(0.5)
        assert len(inbox.messages) == 1
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
        smtp.stop()


async def test_the_app_runs_a_worker_in_process_when_asked(custom_app, admin_url):
    async with custom_app(crm_worker_in_process=True) as app:
        async with http_client(app) as client:
            ada = await sign_up(client, "Ada")
            reminder = (
                await client.post(
                    "/api/v1/reminders",
                    json={"message": "In process", "remind_at": soon()},
                    headers=ada.headers,
                )
            ).json()
            await until(lambda: delivered(admin_url, reminder["id"]) == ("sent", 1))


class CountingInbox(Inbox):
    """Counts the connections (each starts with EHLO) besides collecting the messages."""

    def __init__(self) -> None:
        super().__init__()
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses


class RefusingInbox(Inbox):
    async def handle_DATA(self, server, session, envelope) -> str:
        return "451 Try again later"


async def due_reminders(client, person, count, channels=("in_app", "email")):
    ids = []
    for n in range(count):
        body = {"message": f"Due {n}", "remind_at": soon(-5 + n / 10), "channels": list(channels)}
        response = await client.post("/api/v1/reminders", json=body, headers=person.headers)
        ids.append(response.json()["id"])
    return ids


async def test_one_job_delivers_all_due_reminders_of_its_user_over_one_smtp_connection(
    client, admin_url
):
    ada = await sign_up(client, "Ada")
    ids = await due_reminders(client, ada, 5)
    inbox, port = CountingInbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    db = Database(app_url(admin_url))
    mailer = Mailer(mail_settings(admin_url, port))
    args = {"user_id": ada.user_id, "workspace_id": ada.workspace_id, "mailer": mailer}
    try:
        settings = mail_settings(admin_url, port)
        assert await deliver(db, settings, **args) == 5
        # Their jobs, due and queued, are dropped with the delivery: nothing left to do.
        assert fetch(admin_url, "SELECT count(*) FROM procrastinate_jobs")[0][0] == 0
        # The jobs of the other four find nothing left to do.
        assert [await deliver(db, settings, **args) for _ in range(4)] == [0, 0, 0, 0]
        # The connection is kept for the next reminder, and opened again when it dropped.
        later = await due_reminders(client, ada, 1)
        smtp.stop()
        smtp = Controller(inbox, hostname="127.0.0.1", port=port)
        smtp.start()
        assert await deliver(db, settings, **args) == 1
    finally:
        await mailer.close()
        await db.close()
        smtp.stop()
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert subjects == [f"Reminder: Due {n}" for n in (0, 0, 1, 2, 3, 4)]
    assert inbox.connections == 2
    for reminder_id in [*ids, *later]:
        assert delivered(admin_url, reminder_id) == ("sent", 1)


async def test_a_failing_mail_server_keeps_the_reminder_due_then_the_last_try_is_in_app_only(
    client, admin_url
):
    ada = await sign_up(client, "Ada")
    [reminder_id] = await due_reminders(client, ada, 1)
    inbox, port = RefusingInbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    db = Database(app_url(admin_url))
    args = {"user_id": ada.user_id, "workspace_id": ada.workspace_id}
    try:
        settings = mail_settings(admin_url, port)
        with pytest.raises(MailFailed):
            await deliver(db, settings, **args, last_try=False)
        assert delivered(admin_url, reminder_id) == ("scheduled", 0)
        assert await deliver(db, settings, **args, last_try=True) == 1
    finally:
        await db.close()
        smtp.stop()
    assert delivered(admin_url, reminder_id) == ("sent", 1)
    assert inbox.messages == []


async def test_a_worker_retries_a_failing_mail_server(client, admin_url):
    ada = await sign_up(client, "Ada")
    inbox, port = RefusingInbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        async with running_worker(app_url(admin_url), mail_settings(admin_url, port)):
            [reminder_id] = await due_reminders(client, ada, 1)
            retried = "SELECT attempts FROM procrastinate_jobs WHERE args->>'reminder_id' = %s"
            await until(lambda: (fetch(admin_url, retried, reminder_id) or [(0,)])[0][0] >= 1)
            assert delivered(admin_url, reminder_id) == ("scheduled", 0)
    finally:
        smtp.stop()


async def test_a_reminder_of_an_online_meeting_carries_its_join_link(client, admin_url):
    ada = await sign_up(client, "Ada")
    join = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"
    body = {"title": "Acme call", "start": "2027-03-01T10:00:00Z", "meeting_url": join}
    event = (await client.post("/api/v1/calendar/events", json=body, headers=ada.headers)).json()
    with SMTPServer() as smtp:
        settings = mail_settings(admin_url, smtp.port)
        async with running_worker(app_url(admin_url), settings):
            reminder = {
                "message": "Acme call",
                "remind_at": soon(),
                "channels": ["in_app", "email"],
                "event_id": event["id"],
            }
            made = await client.post("/api/v1/reminders", json=reminder, headers=ada.headers)
            [mail] = await smtp.inbox.wait(1, timeout=20)
            await until(lambda: delivered(admin_url, made.json()["id"]) == ("sent", 1))
    assert f"Join the meeting: {join}" in mail.get_body(("plain",)).get_content()
    assert f'<a href="{join}">Join the meeting</a>' in mail.get_body(("html",)).get_content()
    [note] = (await client.get("/api/v1/notifications", headers=ada.headers)).json()["items"]
    assert note["data"]["meeting_url"] == join

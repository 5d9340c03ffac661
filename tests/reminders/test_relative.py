"""Relative reminders at delivery: one about a recurring event is scheduled again for the
next occurrence; one about a task whose due date moved later waits for the new date."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from crm.db import Database, app_url
from crm.reminders.delivery import deliver
from tests.conftest import make_settings
from tests.people import sign_up
from tests.rows import fetch


async def deliver_when_due(admin_url, person, reminder_id):
    db = Database(app_url(admin_url))
    args = {
        "reminder_id": uuid.UUID(reminder_id),
        "user_id": person.user_id,
        "workspace_id": person.workspace_id,
    }
    try:
        async with asyncio.timeout(20):
            while not await deliver(db, make_settings(admin_url), **args):
                await asyncio.sleep(0.2)
    finally:
        await db.close()


async def test_a_reminder_of_a_recurring_event_is_armed_for_the_next_occurrence(client, admin_url):
    ada = await sign_up(client, "Ada")
    first = (datetime.now(UTC) + timedelta(seconds=61)).replace(microsecond=0)
    event = (
        await client.post(
            "/api/v1/calendar/events",
            json={
                "title": "Daily",
                "start": first.isoformat(),
                "timezone": "UTC",
                "rrule": "FREQ=DAILY;COUNT=3",
            },
            headers=ada.headers,
        )
    ).json()
    reminder = (
        await client.post(
            "/api/v1/reminders",
            json={
                "message": "Soon",
                "relative_to": "event",
                "minutes_before": 1,
                "event_id": event["id"],
            },
            headers=ada.headers,
        )
    ).json()
    await deliver_when_due(admin_url, ada, reminder["id"])
    after = (await client.get(f"/api/v1/reminders/{reminder['id']}", headers=ada.headers)).json()
    assert after["status"] == "scheduled" and after["sent_at"] is not None
    next_time = first + timedelta(days=1) - timedelta(minutes=1)
    assert datetime.fromisoformat(after["remind_at"]) == next_time
    jobs = fetch(
        admin_url,
        "SELECT scheduled_at FROM procrastinate_jobs WHERE args->>'reminder_id' = %s ORDER BY id",
        reminder["id"],
    )
    assert jobs[-1][0] == next_time
    assert fetch(admin_url, "SELECT count(*) FROM notification")[0][0] == 1


async def test_a_reminder_of_a_task_whose_due_date_moved_later_waits(client, admin_url):
    ada = await sign_up(client, "Ada")
    project = (
        await client.post("/api/v1/projects", json={"name": "P"}, headers=ada.headers)
    ).json()
    today = datetime.now(UTC).date()
    task = (
        await client.post(
            "/api/v1/tasks",
            json={"name": "Offer", "project_id": project["id"], "due_date": str(today)},
            headers=ada.headers,
        )
    ).json()
    reminder = (
        await client.post(
            "/api/v1/reminders",
            json={
                "message": "Offer due",
                "relative_to": "task",
                "minutes_before": 24 * 60,
                "task_id": task["id"],
            },
            headers=ada.headers,
        )
    ).json()
    later = today + timedelta(days=10)
    await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"due_date": str(later)}, headers=ada.headers
    )
    db = Database(app_url(admin_url))
    try:
        done = await deliver(
            db,
            make_settings(admin_url),
            reminder_id=uuid.UUID(reminder["id"]),
            user_id=ada.user_id,
            workspace_id=ada.workspace_id,
        )
    finally:
        await db.close()
    assert done is False
    after = (await client.get(f"/api/v1/reminders/{reminder['id']}", headers=ada.headers)).json()
    expected = datetime.combine(later - timedelta(days=1), datetime.min.time(), UTC).replace(hour=9)
    assert (after["status"], datetime.fromisoformat(after["remind_at"])) == ("scheduled", expected)
    assert fetch(admin_url, "SELECT count(*) FROM notification")[0][0] == 0

"""Relative reminders over time: one about a recurring event is scheduled again for the next
occurrence; one about a task follows its due date, earlier or later, whoever moves it."""

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from crm.db import Database, app_url
from crm.jobs import running_worker
from crm.reminders.delivery import deliver
from tests.conftest import make_settings
from tests.people import join, sign_up
from tests.rows import fetch

REMINDERS = "/api/v1/reminders"


async def deliver_when_due(admin_url, person):
    db = Database(app_url(admin_url))
    args = {"user_id": person.user_id, "workspace_id": person.workspace_id}
    try:
        async with asyncio.timeout(20):
            while not await deliver(db, make_settings(admin_url), **args):
                await asyncio.sleep(0.2)
    finally:
        await db.close()


def jobs_for(admin_url, reminder_id):
    return [
        row[0]
        for row in fetch(
            admin_url,
            "SELECT scheduled_at FROM procrastinate_jobs WHERE args->>'reminder_id' = %s "
            "ORDER BY id",
            reminder_id,
        )
    ]


def nine_utc(day: date, minutes_before: int = 0) -> datetime:
    return datetime.combine(day, time(9), UTC) - timedelta(minutes=minutes_before)


async def task_with_reminder(client, owner, due: date, minutes_before: int, project=None):
    if project is None:
        project = (
            await client.post("/api/v1/projects", json={"name": "P"}, headers=owner.headers)
        ).json()
    task = (
        await client.post(
            "/api/v1/tasks",
            json={"name": "Offer", "project_id": project["id"], "due_date": str(due)},
            headers=owner.headers,
        )
    ).json()
    reminder = await add_reminder(client, owner, task, minutes_before)
    return project, task, reminder


async def add_reminder(client, owner, task, minutes_before):
    body = {
        "message": "Offer due",
        "relative_to": "task",
        "minutes_before": minutes_before,
        "task_id": task["id"],
    }
    response = await client.post(REMINDERS, json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def move_due_date(client, person, task, due: date):
    response = await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"due_date": str(due)}, headers=person.headers
    )
    assert response.status_code == 200, response.text


async def remind_at(client, person, reminder):
    shown = (await client.get(f"{REMINDERS}/{reminder['id']}", headers=person.headers)).json()
    return datetime.fromisoformat(shown["remind_at"]), shown["status"]


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
    await deliver_when_due(admin_url, ada)
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


async def test_a_due_date_moved_earlier_brings_the_reminder_and_its_job_forward(client, admin_url):
    ada = await sign_up(client, "Ada")
    today = datetime.now(UTC).date()
    _, task, reminder = await task_with_reminder(client, ada, today + timedelta(days=10), 60)
    old_time = nine_utc(today + timedelta(days=10), 60)
    assert jobs_for(admin_url, reminder["id"]) == [old_time]
    # Moved to yesterday: its time has passed, so it fires now, not in ten days.
    await move_due_date(client, ada, task, today - timedelta(days=1))
    new_time = nine_utc(today - timedelta(days=1), 60)
    assert await remind_at(client, ada, reminder) == (new_time, "scheduled")
    assert jobs_for(admin_url, reminder["id"]) == [old_time, new_time]
    async with running_worker(app_url(admin_url), make_settings(admin_url)):
        async with asyncio.timeout(20):
            while (await remind_at(client, ada, reminder))[1] != "sent":
                await asyncio.sleep(0.1)
    [(source_key,)] = fetch(admin_url, "SELECT source_key FROM notification")
    assert source_key == f"reminder:{reminder['id']}:{new_time.isoformat()}"
    # The job at the old time is left to find it delivered (it does nothing).
    assert jobs_for(admin_url, reminder["id"]) == [old_time]


async def test_a_due_date_moved_later_takes_the_reminder_later_and_the_old_job_finds_nothing(
    client, admin_url
):
    ada = await sign_up(client, "Ada")
    today = datetime.now(UTC).date()
    _, task, reminder = await task_with_reminder(client, ada, today, 24 * 60)
    later = today + timedelta(days=10)
    await move_due_date(client, ada, task, later)
    new_time = nine_utc(later, 24 * 60)
    assert await remind_at(client, ada, reminder) == (new_time, "scheduled")
    assert jobs_for(admin_url, reminder["id"])[-1] == new_time
    db = Database(app_url(admin_url))
    try:  # the job at the old time (yesterday 09:00) runs: nothing is due
        done = await deliver(
            db, make_settings(admin_url), user_id=ada.user_id, workspace_id=ada.workspace_id
        )
    finally:
        await db.close()
    assert done == 0
    assert await remind_at(client, ada, reminder) == (new_time, "scheduled")
    assert fetch(admin_url, "SELECT count(*) FROM notification")[0][0] == 0


async def test_an_assignee_moving_the_due_date_moves_the_owners_reminders_unseen(client, admin_url):
    ada = await sign_up(client, "Ada")
    grace = await join(client, ada, "Grace")
    project = (
        await client.post(
            "/api/v1/projects",
            json={"name": "Shared", "assignee_ids": [str(grace.user_id)]},
            headers=ada.headers,
        )
    ).json()
    first = date(2030, 5, 20)
    _, task, adas = await task_with_reminder(client, ada, first, 30, project=project)
    graces = await add_reminder(client, grace, task, 120)
    # Grace moves the due date earlier: Ada's reminder (which Grace cannot see) follows, and
    # so does Grace's own.
    await move_due_date(client, grace, task, date(2030, 5, 10))
    assert await remind_at(client, ada, adas) == (nine_utc(date(2030, 5, 10), 30), "scheduled")
    assert await remind_at(client, grace, graces) == (
        nine_utc(date(2030, 5, 10), 120),
        "scheduled",
    )
    assert jobs_for(admin_url, adas["id"])[-1] == nine_utc(date(2030, 5, 10), 30)
    hidden = await client.get(f"{REMINDERS}/{adas['id']}", headers=grace.headers)
    assert hidden.status_code == 404
    # Ada's log says her reminder moved with the task, not that Grace edited it.
    log = (await client.get(f"{REMINDERS}/{adas['id']}/activity", headers=ada.headers)).json()
    moved = log["items"][0]
    assert (moved["channel"], list(moved["changes"])) == ("job", ["remind_at"])
    assert fetch(
        admin_url,
        "SELECT count(*) FROM activity WHERE entity_id = %s AND user_id = %s",
        adas["id"],
        grace.user_id,
    ) == [(0,)]
    # And back later, by Ada: Grace's reminder follows too.
    await move_due_date(client, ada, task, date(2030, 6, 1))
    assert await remind_at(client, grace, graces) == (nine_utc(date(2030, 6, 1), 120), "scheduled")
    assert await remind_at(client, ada, adas) == (nine_utc(date(2030, 6, 1), 30), "scheduled")

"""Reminders through the API: when they fire (absolute or relative), their status, validation
naming the field, other users' reminders, and the delivery job queued with each arming."""

from tests.people import sign_up
from tests.rows import as_app, fetch

REMINDERS = "/api/v1/reminders"


async def create(client, person, **fields):
    body = {"message": "Call Jane", "remind_at": "2030-01-07T09:00:00+01:00", **fields}
    response = await client.post(REMINDERS, json=body, headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()


def jobs_for(admin_url, reminder_id):
    return fetch(
        admin_url,
        "SELECT scheduled_at FROM procrastinate_jobs WHERE args->>'reminder_id' = %s ORDER BY id",
        reminder_id,
    )


async def test_a_reminder_is_scheduled_with_its_delivery_job(client, admin_url):
    ada = await sign_up(client, "Ada")
    reminder = await create(client, ada, channels=["email", "in_app"])
    assert reminder["status"] == "scheduled"
    assert reminder["remind_at"] == "2030-01-07T08:00:00Z"
    assert reminder["channels"] == ["email", "in_app"]
    assert [str(r[0].isoformat()) for r in jobs_for(admin_url, reminder["id"])] == [
        "2030-01-07T08:00:00+00:00"
    ]
    listed = (await client.get(REMINDERS, headers=ada.headers)).json()
    assert [r["id"] for r in listed["items"]] == [reminder["id"]]


async def test_snooze_and_dismiss_change_the_status(client, admin_url):
    ada = await sign_up(client, "Ada")
    reminder = await create(client, ada)
    url = f"{REMINDERS}/{reminder['id']}"
    snoozed = await client.post(
        f"{url}/snooze", json={"until": "2030-01-08T10:00:00Z"}, headers=ada.headers
    )
    assert snoozed.status_code == 200, snoozed.text
    assert (snoozed.json()["status"], snoozed.json()["remind_at"]) == (
        "snoozed",
        "2030-01-08T10:00:00Z",
    )
    assert len(jobs_for(admin_url, reminder["id"])) == 2
    past = await client.post(
        f"{url}/snooze", json={"until": "2020-01-01T10:00:00Z"}, headers=ada.headers
    )
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "until"
    dismissed = await client.post(f"{url}/dismiss", headers=ada.headers)
    assert dismissed.json()["status"] == "dismissed"
    # Status is read-only.
    response = await client.patch(url, json={"status": "sent"}, headers=ada.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "status"


async def test_a_reminder_relative_to_an_event_moves_with_it_and_so_does_its_job(client, admin_url):
    ada = await sign_up(client, "Ada")
    event = (
        await client.post(
            "/api/v1/calendar/events",
            json={"title": "Demo", "start": "2030-03-01T15:00:00Z"},
            headers=ada.headers,
        )
    ).json()
    reminder = await create(
        client, ada, remind_at=None, relative_to="event", minutes_before=30, event_id=event["id"]
    )
    assert reminder["remind_at"] == "2030-03-01T14:30:00Z"
    await client.patch(
        f"/api/v1/calendar/events/{event['id']}",
        json={"start": "2030-03-02T09:00:00Z"},
        headers=ada.headers,
    )
    moved = (await client.get(f"{REMINDERS}/{reminder['id']}", headers=ada.headers)).json()
    assert moved["remind_at"] == "2030-03-02T08:30:00Z"
    # Earlier as well as later; each new time has its job.
    await client.patch(
        f"/api/v1/calendar/events/{event['id']}",
        json={"start": "2030-02-20T10:00:00Z"},
        headers=ada.headers,
    )
    moved = (await client.get(f"{REMINDERS}/{reminder['id']}", headers=ada.headers)).json()
    assert moved["remind_at"] == "2030-02-20T09:30:00Z"
    assert [r[0].isoformat() for r in jobs_for(admin_url, reminder["id"])] == [
        "2030-03-01T14:30:00+00:00",
        "2030-03-02T08:30:00+00:00",
        "2030-02-20T09:30:00+00:00",
    ]
    # Deleting the event deletes its reminders.
    await client.delete(f"/api/v1/calendar/events/{event['id']}", headers=ada.headers)
    gone = await client.get(f"{REMINDERS}/{reminder['id']}", headers=ada.headers)
    assert gone.status_code == 404


async def test_a_reminder_relative_to_a_tasks_due_date_is_at_nine_local(client):
    ada = await sign_up(client, "Ada")
    await client.patch("/api/v1/me", json={"time_zone": "Europe/Paris"}, headers=ada.headers)
    project = (
        await client.post("/api/v1/projects", json={"name": "P"}, headers=ada.headers)
    ).json()
    task = (
        await client.post(
            "/api/v1/tasks",
            json={"name": "Send offer", "project_id": project["id"], "due_date": "2030-07-01"},
            headers=ada.headers,
        )
    ).json()
    reminder = await create(
        client, ada, remind_at=None, relative_to="task", minutes_before=60, task_id=task["id"]
    )
    assert reminder["remind_at"] == "2030-07-01T06:00:00Z"  # 08:00 in Paris (summer time)


async def test_bad_input_is_422_naming_the_field_and_writes_nothing(client, admin_url):
    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    theirs = (
        await client.post(
            "/api/v1/calendar/events",
            json={"title": "Theirs", "start": "2030-03-01T15:00:00Z"},
            headers=bob.headers,
        )
    ).json()
    cases = [
        ({"remind_at": None}, "remind_at"),
        ({"relative_to": "event", "minutes_before": 5}, "remind_at"),
        ({"remind_at": None, "relative_to": "event", "minutes_before": 5}, "event_id"),
        ({"remind_at": None, "relative_to": "task"}, "minutes_before"),
        ({"event_id": theirs["id"]}, "event_id"),
        ({"channels": ["sms"]}, "channels.0"),
        ({"channels": []}, "channels"),
        ({"message": ""}, "message"),
        ({"status": "sent"}, "status"),
    ]
    for fields, field in cases:
        body = {"message": "x", "remind_at": "2030-01-07T09:00:00Z", **fields}
        response = await client.post(REMINDERS, json=body, headers=ada.headers)
        assert response.status_code == 422, (fields, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], fields
    assert fetch(admin_url, "SELECT count(*) FROM reminder")[0][0] == 0
    assert fetch(admin_url, "SELECT count(*) FROM procrastinate_jobs")[0][0] == 0


async def test_another_users_reminder_is_404(client, admin_url):
    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    reminder = await create(client, ada)
    url = f"{REMINDERS}/{reminder['id']}"
    calls = [
        ("GET", url, None),
        ("PATCH", url, {"message": "mine"}),
        ("POST", f"{url}/snooze", {"until": "2031-01-01T00:00:00Z"}),
        ("POST", f"{url}/dismiss", None),
        ("DELETE", url, None),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, json=body, headers=bob.headers)
        assert response.status_code == 404, (method, path)
    assert (await client.get(REMINDERS, headers=bob.headers)).json()["items"] == []
    assert as_app(admin_url, "SELECT id FROM reminder", context=bob.context) == []
    assert (await client.get(url, headers=ada.headers)).json()["status"] == "scheduled"

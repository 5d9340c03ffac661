"""The calendar's items in a range: events, reminders and due dates, each with its kind."""

from tests.people import join, sign_up


async def test_items_bring_events_reminders_and_due_dates_of_what_i_see(client):
    ada = await sign_up(client, "Ada")
    linus = await join(client, ada, "Linus")
    h = ada.headers
    await client.post(
        "/api/v1/calendar/events",
        json={"title": "Weekly", "start": "2030-05-06T10:00:00Z", "rrule": "FREQ=WEEKLY"},
        headers=h,
    )
    await client.post(
        "/api/v1/reminders",
        json={"message": "Call", "remind_at": "2030-05-07T08:00:00Z"},
        headers=h,
    )
    dismissed = (
        await client.post(
            "/api/v1/reminders",
            json={"message": "Gone", "remind_at": "2030-05-07T09:00:00Z"},
            headers=h,
        )
    ).json()
    await client.post(f"/api/v1/reminders/{dismissed['id']}/dismiss", headers=h)
    project = (
        await client.post(
            "/api/v1/projects",
            json={"name": "Launch", "due_date": "2030-05-10", "assignee_ids": [str(linus.user_id)]},
            headers=h,
        )
    ).json()
    await client.post(
        "/api/v1/tasks",
        json={"name": "Draft", "project_id": project["id"], "due_date": "2030-05-08"},
        headers=h,
    )
    await client.post(
        "/api/v1/tasks",
        json={"name": "Later", "project_id": project["id"], "due_date": "2030-06-08"},
        headers=h,
    )
    params = {"start": "2030-05-06", "end": "2030-05-13"}
    items = (await client.get("/api/v1/calendar/items", params=params, headers=h)).json()["items"]
    assert [(i["kind"], i["title"], str(i["start"])[:10]) for i in items] == [
        ("event", "Weekly", "2030-05-06"),
        ("reminder", "Call", "2030-05-07"),
        ("task_due", "Draft", "2030-05-08"),
        ("project_due", "Launch", "2030-05-10"),
    ]
    task = items[2]
    assert (task["all_day"], task["end"], task["status"]) == (True, "2030-05-09", "todo")
    assert items[0]["event_id"] and items[1]["link"] == f"/calendar?reminder={items[1]['id']}"
    # The assignee sees the project's and task's due dates, not Ada's events or reminders.
    theirs = (
        await client.get("/api/v1/calendar/items", params=params, headers=linus.headers)
    ).json()["items"]
    assert [i["kind"] for i in theirs] == ["task_due", "project_due"]

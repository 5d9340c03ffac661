"""Events through the API: CRUD, validation naming the field, other users' events, and
recurrence expanded in the event's time zone."""

from tests.people import sign_up
from tests.rows import as_app, fetch

EVENTS = "/api/v1/calendar/events"


async def create(client, person, **fields):
    body = {"title": "Call Jane", "start": "2026-12-01T10:00:00+01:00", **fields}
    response = await client.post(EVENTS, json=body, headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def occurrences(client, person, start, end):
    response = await client.get(EVENTS, params={"start": start, "end": end}, headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_an_event_is_created_read_changed_and_deleted(client, admin_url):
    ada = await sign_up(client, "Ada")
    event = await create(
        client, ada, timezone="Europe/Paris", location="Office", attendees=["jane@example.com"]
    )
    assert event["start"] == "2026-12-01T10:00:00+01:00"
    assert event["end"] == "2026-12-01T11:00:00+01:00"  # an hour by default
    assert event["uid"].endswith("@crm") and event["sequence"] == 0
    assert event["attendees"] == ["jane@example.com"]
    url = f"{EVENTS}/{event['id']}"
    moved = await client.patch(
        url, json={"start": "2026-12-02T15:00:00+01:00"}, headers=ada.headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["end"] == "2026-12-02T16:00:00+01:00"  # the length is kept
    assert moved.json()["sequence"] == 1 and moved.headers["ETag"] == '"2"'
    stale = await client.patch(url, json={"title": "x"}, headers={**ada.headers, "If-Match": '"1"'})
    assert stale.status_code == 412
    activity = (await client.get(f"{url}/activity", headers=ada.headers)).json()["items"]
    assert [a["action"] for a in activity] == ["updated", "created"]
    assert activity[0]["changes"]["start"]["to"] == "2026-12-02T15:00:00+01:00"
    assert (await client.delete(url, headers=ada.headers)).status_code == 204
    assert (await client.get(url, headers=ada.headers)).status_code == 404
    assert fetch(admin_url, "SELECT count(*) FROM calendar_event")[0][0] == 0


async def test_another_users_event_is_404_and_absent_from_their_range(client, admin_url):
    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    event = await create(client, ada)
    url = f"{EVENTS}/{event['id']}"
    for method, body in (("GET", None), ("PATCH", {"title": "mine"}), ("DELETE", None)):
        response = await client.request(method, url, json=body, headers=bob.headers)
        assert response.status_code == 404, method
    assert await occurrences(client, bob, "2026-11-01", "2026-12-31") == []
    assert len(await occurrences(client, ada, "2026-11-01", "2026-12-31")) == 1
    # The database hides it too.
    assert as_app(admin_url, "SELECT id FROM calendar_event", context=bob.context) == []


async def test_bad_input_is_422_naming_the_field_and_writes_nothing(client, admin_url):
    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    theirs = (
        await client.post("/api/v1/contacts", json={"name": "Jane"}, headers=bob.headers)
    ).json()
    cases = [
        ({"end": "2026-12-01T09:00:00+01:00"}, "end"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"rrule": "FREQ=MINUTELY"}, "rrule"),
        ({"all_day": True}, "start"),
        ({"attendees": ["not an address"]}, "attendees.0"),
        ({"contact_id": theirs["id"]}, "contact_id"),
        ({"colour": "red"}, "colour"),
    ]
    for fields, field in cases:
        body = {"title": "x", "start": "2026-12-01T10:00:00+01:00", **fields}
        response = await client.post(EVENTS, json=body, headers=ada.headers)
        assert response.status_code == 422, (fields, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], fields
    assert fetch(admin_url, "SELECT count(*) FROM calendar_event")[0][0] == 0
    response = await client.get(EVENTS, params={"start": "2026-12-01"}, headers=ada.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "end"


async def test_links_to_own_records_are_kept(client):
    ada = await sign_up(client, "Ada")
    h = ada.headers
    contact = (await client.post("/api/v1/contacts", json={"name": "Jane"}, headers=h)).json()
    project = (await client.post("/api/v1/projects", json={"name": "P"}, headers=h)).json()
    task = (
        await client.post(
            "/api/v1/tasks", json={"name": "T", "project_id": project["id"]}, headers=h
        )
    ).json()
    event = await create(
        client, ada, contact_id=contact["id"], project_id=project["id"], task_id=task["id"]
    )
    assert (event["contact_id"], event["task_id"]) == (contact["id"], task["id"])
    # Deleting the contact unlinks it.
    await client.delete(f"/api/v1/contacts/{contact['id']}", headers=h)
    again = (await client.get(f"{EVENTS}/{event['id']}", headers=h)).json()
    assert again["contact_id"] is None and again["project_id"] == project["id"]


async def test_a_weekly_event_stays_at_nine_across_the_dst_change(client):
    ada = await sign_up(client, "Ada")
    # Europe/Paris leaves summer time on Sunday 2026-10-25.
    event = await create(
        client,
        ada,
        title="Stand-up",
        start="2026-10-12T09:00:00",
        end="2026-10-12T09:30:00",
        timezone="Europe/Paris",
        rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20261109",
    )
    items = await occurrences(client, ada, "2026-10-01T00:00:00Z", "2026-12-01T00:00:00Z")
    assert [i["start"] for i in items] == [
        "2026-10-12T09:00:00+02:00",
        "2026-10-19T09:00:00+02:00",
        "2026-10-26T09:00:00+01:00",
        "2026-11-02T09:00:00+01:00",
        "2026-11-09T09:00:00+01:00",
    ]
    assert {i["event_id"] for i in items} == {event["id"]}
    assert all(i["end"].startswith(i["start"][:11] + "09:30") for i in items)
    # Skipping one occurrence with an exception.
    skipped = await client.patch(
        f"{EVENTS}/{event['id']}",
        json={"exdates": [items[2]["recurrence_id"]]},
        headers=ada.headers,
    )
    assert skipped.status_code == 200, skipped.text
    items = await occurrences(client, ada, "2026-10-01T00:00:00Z", "2026-12-01T00:00:00Z")
    assert "2026-10-26T09:00:00+01:00" not in [i["start"] for i in items]
    assert len(items) == 4


async def test_an_endless_rule_and_an_all_day_event_in_a_range(client):
    ada = await sign_up(client, "Ada")
    await create(
        client,
        ada,
        title="Daily",
        start="2020-01-01T08:00:00Z",
        end="2020-01-01T08:15:00Z",
        timezone="UTC",
        rrule="FREQ=DAILY",
    )
    await create(
        client,
        ada,
        title="Holiday",
        all_day=True,
        start="2026-12-24",
        end="2026-12-26",
        timezone="Europe/Paris",
    )
    items = await occurrences(client, ada, "2026-12-24", "2026-12-27")
    titles = [(i["title"], i["start"]) for i in items]
    # The range is in Ada's time zone (UTC); the holiday starts at midnight in Paris, 23:00
    # UTC the day before, so it comes first.
    assert titles == [
        ("Holiday", "2026-12-24"),
        ("Daily", "2026-12-24T08:00:00Z"),
        ("Daily", "2026-12-25T08:00:00Z"),
        ("Daily", "2026-12-26T08:00:00Z"),
    ]
    holiday = next(i for i in items if i["title"] == "Holiday")
    assert (holiday["start"], holiday["end"], holiday["all_day"]) == (
        "2026-12-24",
        "2026-12-26",
        True,
    )


async def test_a_meeting_link_is_kept_shown_in_ranges_and_must_be_a_web_address(client):
    ada = await sign_up(client, "Ada")
    link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"
    event = await create(client, ada, meeting_url=link)
    assert event["meeting_url"] == link
    [found] = await occurrences(client, ada, "2026-12-01", "2026-12-02")
    assert found["meeting_url"] == link
    url = f"{EVENTS}/{event['id']}"
    cleared = await client.patch(url, json={"meeting_url": ""}, headers=ada.headers)
    assert cleared.status_code == 200 and cleared.json()["meeting_url"] is None
    bad = await client.patch(url, json={"meeting_url": "javascript:alert(1)"}, headers=ada.headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "meeting_url"

"""One occurrence of a repeating event changed or cancelled on its own ("this event"): through
the API, in the range answer and the calendar's items, kept or dropped as the series changes,
other users' events 404, bad input 422; and as RECURRENCE-ID components in the ICS feed and
an imported .ics file."""

from urllib.parse import quote

from icalendar import Calendar

from tests.calendar.test_ics_feed import new_feed, read_feed, upload
from tests.people import sign_up
from tests.rows import as_app, fetch

EVENTS = "/api/v1/calendar/events"
WEEKLY = {
    "title": "Review",
    "start": "2026-12-01T10:00:00",
    "timezone": "Europe/Paris",
    "rrule": "FREQ=WEEKLY;COUNT=4",
}
SECOND = "2026-12-08T10:00:00+01:00"  # the second occurrence, as the rule makes it


def occurrence_url(event: dict, recurrence_id: str) -> str:
    return f"{EVENTS}/{event['id']}/occurrences/{quote(recurrence_id)}"


async def weekly(client, person, **fields) -> dict:
    response = await client.post(EVENTS, json={**WEEKLY, **fields}, headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def in_december(client, person, path: str = EVENTS) -> list[dict]:
    params = {"start": "2026-11-01", "end": "2027-01-01"}
    response = await client.get(path, params=params, headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_moving_one_occurrence_moves_only_it(client, admin_url):
    ada = await sign_up(client, "Ada")
    event = await weekly(client, ada)
    moved = await client.patch(
        occurrence_url(event, SECOND),
        json={"start": "2026-12-09T14:00:00+01:00", "title": "Review (Wednesday)"},
        headers=ada.headers,
    )
    assert moved.status_code == 200, moved.text
    answer = moved.json()
    assert moved.headers["ETag"] == '"2"' and answer["sequence"] == 1
    assert answer["overrides"] == [
        {
            "recurrence_id": SECOND,
            "start": "2026-12-09T14:00:00+01:00",
            "end": "2026-12-09T15:00:00+01:00",  # its length kept
            "title": "Review (Wednesday)",
            "location": None,
            "description": None,
        }
    ]
    shown = [
        (o["title"], o["start"], o["recurrence_id"], o["overridden"])
        for o in await in_december(client, ada)
    ]
    assert shown == [
        ("Review", "2026-12-01T10:00:00+01:00", "2026-12-01T10:00:00+01:00", False),
        ("Review (Wednesday)", "2026-12-09T14:00:00+01:00", SECOND, True),
        ("Review", "2026-12-15T10:00:00+01:00", "2026-12-15T10:00:00+01:00", False),
        ("Review", "2026-12-22T10:00:00+01:00", "2026-12-22T10:00:00+01:00", False),
    ]
    items = await in_december(client, ada, "/api/v1/calendar/items")
    assert [(i["title"], i["start"]) for i in items][1] == (
        "Review (Wednesday)",
        "2026-12-09T14:00:00+01:00",
    )
    # A second change of the same occurrence starts from its override.
    again = await client.patch(
        occurrence_url(event, SECOND), json={"location": "Room 2"}, headers=ada.headers
    )
    [override] = again.json()["overrides"]
    assert (override["title"], override["start"], override["location"]) == (
        "Review (Wednesday)",
        "2026-12-09T14:00:00+01:00",
        "Room 2",
    )


async def test_an_occurrence_moved_outside_the_series_span_is_still_in_the_range(client):
    ada = await sign_up(client, "Ada")
    event = await weekly(client, ada)
    first, last = "2026-12-01T10:00:00+01:00", "2026-12-22T10:00:00+01:00"
    for rid, start in ((first, "2026-11-20T09:00:00+01:00"), (last, "2027-01-05T09:00:00+01:00")):
        response = await client.patch(
            occurrence_url(event, rid), json={"start": start}, headers=ada.headers
        )
        assert response.status_code == 200, response.text
    params = {"start": "2026-11-15", "end": "2026-11-25"}
    early = (await client.get(EVENTS, params=params, headers=ada.headers)).json()["items"]
    assert [o["start"] for o in early] == ["2026-11-20T09:00:00+01:00"]
    params = {"start": "2027-01-01", "end": "2027-01-10"}
    late = (await client.get(EVENTS, params=params, headers=ada.headers)).json()["items"]
    assert [o["recurrence_id"] for o in late] == [last]


async def test_cancelling_one_occurrence_skips_it_and_drops_its_change(client):
    ada = await sign_up(client, "Ada")
    event = await weekly(client, ada)
    url = occurrence_url(event, SECOND)
    assert (await client.patch(url, json={"title": "x"}, headers=ada.headers)).status_code == 200
    assert (await client.delete(url, headers=ada.headers)).status_code == 204
    found = (await client.get(f"{EVENTS}/{event['id']}", headers=ada.headers)).json()
    assert (found["exdates"], found["overrides"]) == ([SECOND], [])
    assert SECOND not in [o["recurrence_id"] for o in await in_december(client, ada)]
    # Cancelled, it is no longer an occurrence to change or cancel.
    assert (await client.delete(url, headers=ada.headers)).status_code == 404
    assert (await client.patch(url, json={"title": "y"}, headers=ada.headers)).status_code == 404


async def test_changing_the_series_keeps_the_overrides_it_still_makes(client):
    ada = await sign_up(client, "Ada")
    event = await weekly(client, ada)
    url = occurrence_url(event, SECOND)
    assert (
        await client.patch(url, json={"title": "Alone"}, headers=ada.headers)
    ).status_code == 200
    series = f"{EVENTS}/{event['id']}"
    renamed = await client.patch(series, json={"title": "Weekly review"}, headers=ada.headers)
    assert [o["title"] for o in renamed.json()["overrides"]] == ["Alone"]
    # Moving the series an hour later: the rule no longer makes 10:00, so the change goes.
    moved = await client.patch(
        series, json={"start": "2026-12-01T11:00:00+01:00"}, headers=ada.headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["overrides"] == []


async def test_occurrence_bad_input_is_422_and_unknown_ones_404(client, admin_url):
    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    event = await weekly(client, ada)
    url = occurrence_url(event, SECOND)
    for body, field in (
        ({"end": "2026-12-08T09:00:00+01:00"}, "overrides.0.end"),
        ({"start": "2026-12-09"}, "overrides.0.start"),  # a date for a timed event
        ({"title": ""}, "title"),
        ({"colour": "red"}, "colour"),
    ):
        response = await client.patch(url, json=body, headers=ada.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == field, response.text
    for wrong in ("2026-12-08T11:00:00+01:00", "2027-01-05T10:00:00+01:00"):  # not made
        response = await client.patch(
            occurrence_url(event, wrong), json={"title": "x"}, headers=ada.headers
        )
        assert response.status_code == 404, wrong
    single = (await client.post(EVENTS, json={**WEEKLY, "rrule": None}, headers=ada.headers)).json()
    assert (
        await client.patch(
            occurrence_url(single, "2026-12-01T10:00:00+01:00"), json={}, headers=ada.headers
        )
    ).status_code == 404
    # Another user's event: 404 both ways, and the database hides the row.
    for method in ("PATCH", "DELETE"):
        response = await client.request(method, url, json={"title": "mine"}, headers=bob.headers)
        assert response.status_code == 404, method
    assert as_app(admin_url, "SELECT overrides FROM calendar_event", context=bob.context) == []
    # Given with the event, an override must name an occurrence of the rule.
    put = await client.put(
        f"{EVENTS}/{event['id']}",
        json={
            **WEEKLY,
            "overrides": [{"recurrence_id": "2026-12-08T12:00:00", "start": "2026-12-08T13:00"}],
        },
        headers=ada.headers,
    )
    assert put.status_code == 422
    assert put.json()["errors"][0]["field"] == "overrides.0.recurrence_id"
    [(overrides, version)] = fetch(
        admin_url, "SELECT overrides, version FROM calendar_event WHERE rrule IS NOT NULL"
    )
    assert (overrides, version) == ([], 1)  # nothing half-written


async def test_stale_if_match_on_an_occurrence_is_412(client):
    ada = await sign_up(client, "Ada")
    event = await weekly(client, ada)
    response = await client.patch(
        occurrence_url(event, SECOND),
        json={"title": "x"},
        headers={**ada.headers, "If-Match": '"7"'},
    )
    assert response.status_code == 412


async def test_an_all_day_occurrence_moves_by_days(client):
    ada = await sign_up(client, "Ada")
    body = {"title": "Offsite", "start": "2026-12-01", "all_day": True, "rrule": "FREQ=WEEKLY"}
    event = (await client.post(EVENTS, json=body, headers=ada.headers)).json()
    [first] = [o for o in await in_december(client, ada) if o["start"] == "2026-12-01"]
    response = await client.patch(
        occurrence_url(event, first["recurrence_id"]),
        json={"start": "2026-12-03"},
        headers=ada.headers,
    )
    assert response.status_code == 200, response.text
    [override] = response.json()["overrides"]
    assert (override["start"], override["end"]) == ("2026-12-03", "2026-12-04")


async def test_the_feed_writes_a_changed_occurrence_as_recurrence_id(client):
    ada = await sign_up(client, "Ada")
    event = await weekly(client, ada)
    await client.patch(
        occurrence_url(event, SECOND),
        json={"start": "2026-12-09T14:00:00+01:00", "title": "Moved"},
        headers=ada.headers,
    )
    feed = await read_feed(client, await new_feed(client, ada))
    components = [c for c in feed.walk("VEVENT") if str(c["uid"]) == event["uid"]]
    assert len(components) == 2
    changed = next(c for c in components if "recurrence-id" in c)
    assert changed.decoded("recurrence-id").isoformat() == SECOND
    assert changed.decoded("dtstart").isoformat() == "2026-12-09T14:00:00+01:00"
    assert str(changed["summary"]) == "Moved"


SERIES_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Other//EN
BEGIN:VEVENT
UID:standup@example.com
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Paris:20261201T090000
DTEND;TZID=Europe/Paris:20261201T091500
RRULE:FREQ=DAILY;COUNT=5
SUMMARY:Standup
END:VEVENT
BEGIN:VEVENT
UID:standup@example.com
DTSTAMP:20261101T000000Z
RECURRENCE-ID;TZID=Europe/Paris:20261202T090000
DTSTART;TZID=Europe/Paris:20261202T113000
DTEND;TZID=Europe/Paris:20261202T120000
SUMMARY:Standup (late)
LOCATION:Kitchen
END:VEVENT
BEGIN:VEVENT
UID:standup@example.com
DTSTAMP:20261101T000000Z
RECURRENCE-ID;TZID=Europe/Paris:20261203T090000
DTSTART;TZID=Europe/Paris:20261203T090000
DTEND;TZID=Europe/Paris:20261203T091500
STATUS:CANCELLED
SUMMARY:Standup
END:VEVENT
END:VCALENDAR
"""


async def test_importing_reads_changed_and_cancelled_occurrences(client):
    ada = await sign_up(client, "Ada")
    report = (await upload(client, ada, SERIES_ICS)).json()
    assert report["created"] == 1, report
    shown = [(o["title"], o["start"], o["location"]) for o in await in_december(client, ada)]
    assert shown == [
        ("Standup", "2026-12-01T09:00:00+01:00", None),
        ("Standup (late)", "2026-12-02T11:30:00+01:00", "Kitchen"),
        ("Standup", "2026-12-04T09:00:00+01:00", None),
        ("Standup", "2026-12-05T09:00:00+01:00", None),
    ]
    # And written back the same way.
    feed = await read_feed(client, await new_feed(client, ada))
    ids = sorted(
        c.decoded("recurrence-id").isoformat() for c in feed.walk("VEVENT") if "recurrence-id" in c
    )
    assert ids == ["2026-12-02T09:00:00+01:00"]
    assert isinstance(feed, Calendar)

"""The secret ICS feed: parsed back with icalendar, revocable, one per user, stored as a hash;
and importing an .ics file, where a second import updates instead of adding copies."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.people import sign_up
from tests.rows import as_app, fetch

EVENTS = "/api/v1/calendar/events"
FEED = "/api/v1/calendar/feed"
IMPORT = "/api/v1/calendar/import"
PARIS = ZoneInfo("Europe/Paris")


async def new_feed(client, person) -> str:
    response = await client.post(FEED, headers=person.headers)
    assert response.status_code == 200, response.text
    url = response.json()["url"]
    assert url.startswith("http://127.0.0.1:8000/api/v1/calendar/feed/")
    return url.removeprefix("http://127.0.0.1:8000")


async def read_feed(client, path: str) -> Calendar:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


async def test_the_feed_carries_events_with_their_recurrence_and_due_dates(client, admin_url):
    ada = await sign_up(client, "Ada")
    weekly = {
        "title": "Stand-up",
        "start": "2026-12-07T09:30:00",
        "timezone": "Europe/Paris",
        "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=5",
        "exdates": ["2026-12-14T09:30:00"],
        "location": "Room 1",
        "attendees": ["jane@example.com"],
    }
    created = await client.post(EVENTS, json=weekly, headers=ada.headers)
    assert created.status_code == 201, created.text
    holiday = {"title": "Holiday", "start": "2026-12-24", "end": "2026-12-27", "all_day": True}
    assert (await client.post(EVENTS, json=holiday, headers=ada.headers)).status_code == 201
    project = await client.post(
        "/api/v1/projects", json={"name": "Launch", "due_date": "2027-01-15"}, headers=ada.headers
    )
    task = {"name": "Send quote", "project_id": project.json()["id"], "due_date": "2027-01-10"}
    assert (await client.post("/api/v1/tasks", json=task, headers=ada.headers)).status_code == 201

    before = {
        "message": "Prepare",
        "relative_to": "event",
        "minutes_before": 15,
        "event_id": created.json()["id"],
    }
    soon = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    standalone = {"message": "Call Jane", "remind_at": soon.isoformat()}
    for body in (before, standalone):
        made = await client.post("/api/v1/reminders", json=body, headers=ada.headers)
        assert made.status_code == 201, made.text

    calendar = await read_feed(client, await new_feed(client, ada))
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    standup = events["Stand-up"]
    assert str(standup["uid"]) == created.json()["uid"]
    assert standup.decoded("dtstart") == datetime(2026, 12, 7, 9, 30, tzinfo=PARIS)
    assert standup["dtstart"].params["TZID"] == "Europe/Paris"
    assert standup["rrule"].to_ical() == b"FREQ=WEEKLY;COUNT=5;BYDAY=MO"
    assert [d.dt for d in standup["exdate"].dts] == [datetime(2026, 12, 14, 9, 30, tzinfo=PARIS)]
    assert str(standup["location"]) == "Room 1"
    assert str(standup["attendee"]) == "mailto:jane@example.com"
    assert {str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")} >= {"Europe/Paris"}
    assert events["Holiday"].decoded("dtstart") == date(2026, 12, 24)
    assert events["Holiday"].decoded("dtend") == date(2026, 12, 27)
    assert events["Due: Send quote"].decoded("dtstart") == date(2027, 1, 10)
    assert events["Project due: Launch"].decoded("dtstart") == date(2027, 1, 15)
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    assert str(calendar["method"]) == "PUBLISH"
    assert calendar.decoded("refresh-interval") == timedelta(hours=1)
    [alarm] = standup.walk("VALARM")
    assert (str(alarm["description"]), alarm.decoded("trigger")) == (
        "Prepare",
        -timedelta(minutes=15),
    )
    call = events["Call Jane"]
    assert call.decoded("dtstart") == soon
    assert [str(a["action"]) for a in call.walk("VALARM")] == ["DISPLAY"]


async def test_a_new_feed_url_revokes_the_old_and_only_its_hash_is_stored(client, admin_url):
    ada = await sign_up(client, "Ada")
    first = await new_feed(client, ada)
    second = await new_feed(client, ada)
    assert (await client.get(first)).status_code == 404
    await read_feed(client, second)
    token = second.rsplit("/", 1)[1].removesuffix(".ics")
    assert fetch(admin_url, "SELECT count(*) FROM calendar_feed")[0][0] == 1
    assert token not in str(fetch(admin_url, "SELECT * FROM calendar_feed"))
    status = (await client.get(FEED, headers=ada.headers)).json()
    assert status["active"] is True
    assert (await client.delete(FEED, headers=ada.headers)).status_code == 204
    assert (await client.get(second)).status_code == 404
    assert (await client.get(FEED, headers=ada.headers)).json()["active"] is False


async def test_a_feed_shows_only_its_owners_events(client, admin_url):
    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    body = {"title": "Ada's secret", "start": "2026-12-01T10:00:00Z"}
    assert (await client.post(EVENTS, json=body, headers=ada.headers)).status_code == 201
    calendar = await read_feed(client, await new_feed(client, bob))
    assert calendar.walk("VEVENT") == []
    assert (await client.get(f"{FEED}/not-a-token.ics")).status_code == 404
    # Without the token's hash in its context, the application role sees no feed row.
    assert as_app(admin_url, "SELECT id FROM calendar_feed", context=bob.context) != []
    assert as_app(admin_url, "SELECT id FROM calendar_feed", context={}) == []


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//EN
BEGIN:VEVENT
UID:meeting-1@example.com
DTSTAMP:20261101T120000Z
DTSTART;TZID=America/New_York:20261203T140000
DTEND;TZID=America/New_York:20261203T150000
SUMMARY:{title}
LOCATION:Acme HQ
RRULE:FREQ=DAILY;COUNT=3
EXDATE;TZID=America/New_York:20261204T140000
END:VEVENT
BEGIN:VEVENT
UID:offsite@example.com
DTSTAMP:20261101T120000Z
DTSTART;VALUE=DATE:20261210
DTEND;VALUE=DATE:20261212
SUMMARY:Offsite
END:VEVENT
BEGIN:VEVENT
UID:broken@example.com
DTSTAMP:20261101T120000Z
DTSTART:20261210T100000Z
SUMMARY:Bad rule
RRULE:FREQ=SOMETIMES
END:VEVENT
END:VCALENDAR
"""


async def upload(client, person, text: str):
    files = {"file": ("calendar.ics", text.replace("\n", "\r\n").encode(), "text/calendar")}
    return await client.post(IMPORT, files=files, headers=person.headers)


async def test_importing_keeps_uids_and_a_second_import_updates(client, admin_url):
    ada = await sign_up(client, "Ada")
    first = await upload(client, ada, ICS.format(title="Planning"))
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (2, 0, 0)
    assert [s["uid"] for s in report["skipped"]] == ["broken@example.com"]
    assert "rrule" in report["skipped"][0]["reason"]
    found = await client.get(
        EVENTS, params={"start": "2026-12-01", "end": "2026-12-31"}, headers=ada.headers
    )
    titles = [(o["title"], o["start"]) for o in found.json()["items"]]
    assert titles == [
        ("Planning", "2026-12-03T14:00:00-05:00"),
        ("Planning", "2026-12-05T14:00:00-05:00"),
        ("Offsite", "2026-12-10"),
    ]
    again = (await upload(client, ada, ICS.format(title="Planning, moved"))).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 1)
    rows = fetch(admin_url, "SELECT uid, title FROM calendar_event ORDER BY uid")
    assert rows == [
        ("meeting-1@example.com", "Planning, moved"),
        ("offsite@example.com", "Offsite"),
    ]


MIXED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//EN
BEGIN:VEVENT
UID:review@example.com
DTSTAMP:20261101T120000Z
DTSTART:20261207T100000Z
DTEND:20261207T110000Z
SUMMARY:Review
END:VEVENT
BEGIN:VTODO
UID:todo@example.com
DTSTAMP:20261101T120000Z
SUMMARY:Send the contract
DUE;VALUE=DATE:20261209
END:VTODO
BEGIN:VEVENT
UID:nostart@example.com
DTSTAMP:20261101T120000Z
SUMMARY:Some day
END:VEVENT
BEGIN:VEVENT
UID:orphan@example.com
DTSTAMP:20261101T120000Z
RECURRENCE-ID:20261208T100000Z
DTSTART:20261208T120000Z
DTEND:20261208T130000Z
SUMMARY:Moved standup
END:VEVENT
END:VCALENDAR
"""


async def test_what_an_import_leaves_out_is_reported_with_the_reason(client, admin_url):
    ada = await sign_up(client, "Ada")
    response = await upload(client, ada, MIXED)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["created"] == 1
    assert [(s["uid"], s["title"]) for s in report["skipped"]] == [
        ("todo@example.com", "Send the contract"),
        ("nostart@example.com", "Some day"),
        ("orphan@example.com", "Moved standup"),
    ]
    reasons = [s["reason"] for s in report["skipped"]]
    assert reasons[0].startswith("a to-do, not an event")
    assert "DTSTART" in reasons[1] and "repeating event is not in the file" in reasons[2]
    assert fetch(admin_url, "SELECT uid FROM calendar_event") == [("review@example.com",)]


async def test_an_unreadable_file_is_a_422_and_stores_nothing(client, admin_url):
    ada = await sign_up(client, "Ada")
    response = await upload(client, ada, "this is not a calendar")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    assert fetch(admin_url, "SELECT count(*) FROM calendar_event")[0][0] == 0


OUTLOOK = """BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:outlook-1
DTSTAMP:20261101T120000Z
DTSTART;TZID=W. Europe Standard Time:20261203T140000
DTEND;TZID=W. Europe Standard Time:20261203T150000
SUMMARY:Outlook meeting
RRULE:FREQ=WEEKLY;COUNT=3
END:VEVENT
END:VCALENDAR
"""


async def test_an_outlook_zone_name_becomes_its_iana_zone(client):
    ada = await sign_up(client, "Ada")
    assert (await upload(client, ada, OUTLOOK)).json()["created"] == 1
    found = await client.get(
        EVENTS, params={"start": "2026-12-01", "end": "2026-12-31"}, headers=ada.headers
    )
    starts = [(o["timezone"], o["start"]) for o in found.json()["items"]]
    assert starts == [
        ("Europe/Berlin", "2026-12-03T14:00:00+01:00"),
        ("Europe/Berlin", "2026-12-10T14:00:00+01:00"),
        ("Europe/Berlin", "2026-12-17T14:00:00+01:00"),
    ]

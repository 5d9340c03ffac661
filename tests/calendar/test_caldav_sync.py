"""Two-way CalDAV sync through the API against a real Radicale: connecting (the password
checked by the server and sealed at rest), changes made here reaching the server, changes made
there reaching the CRM, incremental syncs, and the conflict rules of docs/calendar.md."""

from urllib.parse import urljoin
from xml.etree import ElementTree

import httpx
from icalendar import Calendar

from tests.people import sign_up
from tests.radicale import PASSWORD, USER, RadicaleServer
from tests.rows import fetch

EVENTS = "/api/v1/calendar/events"
CALDAV = "/api/v1/calendar/caldav"
SYNC = "/api/v1/calendar/sync"
CALDAV_NS = "urn:ietf:params:xml:ns:caldav"


def remote_ics(uid: str, summary: str, start: str = "20261207T100000Z", stamp: str = "") -> str:
    modified = f"LAST-MODIFIED:{stamp}\r\n" if stamp else ""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Phone//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n{modified}DTSTART:{start}\r\n"
        f"DURATION:PT1H\r\nSUMMARY:{summary}\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


class Phone:
    """Another CalDAV client of the same calendar, speaking plain HTTP."""

    def __init__(self, calendar_url: str) -> None:
        self.url = calendar_url
        self.http = httpx.Client(auth=(USER, PASSWORD))

    def put(self, name: str, text: str) -> None:
        response = self.http.put(
            self.url + name, content=text, headers={"Content-Type": "text/calendar"}
        )
        assert response.status_code in (201, 204), response.text

    def delete(self, href: str) -> None:
        assert self.http.delete(href).status_code in (200, 204)

    def events(self) -> dict[str, tuple[str, Calendar]]:
        """Every event on the server by UID: its href and its calendar object."""
        body = (
            '<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data/></D:prop>'
            '<C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>'
        )
        response = self.http.request("REPORT", self.url, content=body, headers={"Depth": "1"})
        assert response.status_code == 207, response.text
        found = {}
        for answer in ElementTree.fromstring(response.content).iter("{DAV:}response"):  # noqa: S314
            href = urljoin(self.url, answer.findtext("{DAV:}href") or "")
            data = answer.findtext(f".//{{{CALDAV_NS}}}calendar-data") or ""
            calendar = Calendar.from_ical(data)
            found[str(calendar.walk("VEVENT")[0]["uid"])] = (href, calendar)
        return found


async def connect(client, person, radicale: RadicaleServer, password: str = PASSWORD):
    body = {"url": radicale.url, "username": USER, "password": password}
    return await client.put(CALDAV, json=body, headers=person.headers)


async def sync(client, person) -> dict:
    response = await client.post(SYNC, headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_connecting_checks_the_password_and_seals_it(client, admin_url, radicale):
    ada = await sign_up(client, "Ada")
    calendar_url = radicale.make_calendar("work", "Work")
    refused = await connect(client, ada, radicale, password="wrong password")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "password"
    assert fetch(admin_url, "SELECT count(*) FROM calendar_connection")[0][0] == 0
    connected = await connect(client, ada, radicale)
    assert connected.status_code == 200, connected.text
    answer = connected.json()
    assert answer["calendars"] == [{"url": calendar_url, "name": "Work"}]
    assert (answer["calendar_url"], answer["calendar_name"]) == (calendar_url, "Work")
    assert "password" not in answer
    [(sealed,)] = fetch(admin_url, "SELECT password_sealed FROM calendar_connection")
    assert PASSWORD not in sealed and sealed.startswith("v1.")
    assert (await client.get(CALDAV, headers=ada.headers)).json()["username"] == USER


async def test_changes_made_here_reach_the_server(client, admin_url, radicale):
    ada = await sign_up(client, "Ada")
    phone = Phone(radicale.make_calendar("work"))
    assert (await connect(client, ada, radicale)).status_code == 200
    body = {
        "title": "Review",
        "start": "2026-12-07T10:00:00",
        "timezone": "Europe/Paris",
        "rrule": "FREQ=WEEKLY;COUNT=4",
    }
    event = (await client.post(EVENTS, json=body, headers=ada.headers)).json()
    report = await sync(client, ada)
    assert report["pushed_created"] == 1
    _, remote = phone.events()[event["uid"]]
    vevent = remote.walk("VEVENT")[0]
    assert str(vevent["summary"]) == "Review"
    assert vevent["rrule"].to_ical() == b"FREQ=WEEKLY;COUNT=4"

    url = f"{EVENTS}/{event['id']}"
    moved = {"start": "2026-12-08T11:00:00+01:00", "title": "Review, moved"}
    assert (await client.patch(url, json=moved, headers=ada.headers)).status_code == 200
    assert (await sync(client, ada))["pushed_updated"] == 1
    vevent = phone.events()[event["uid"]][1].walk("VEVENT")[0]
    assert str(vevent["summary"]) == "Review, moved"
    assert vevent.decoded("dtstart").isoformat() == "2026-12-08T11:00:00+01:00"

    assert (await client.delete(url, headers=ada.headers)).status_code == 204
    assert (await sync(client, ada))["pushed_deleted"] == 1
    assert phone.events() == {}
    assert fetch(admin_url, "SELECT count(*) FROM calendar_sync_item")[0][0] == 0


async def test_changes_made_there_reach_the_crm_incrementally(client, admin_url, radicale):
    ada = await sign_up(client, "Ada")
    phone = Phone(radicale.make_calendar("work"))
    assert (await connect(client, ada, radicale)).status_code == 200
    assert (await sync(client, ada))["pulled_created"] == 0
    [(first_token,)] = fetch(admin_url, "SELECT sync_token FROM calendar_connection")
    assert first_token

    phone.put("dentist.ics", remote_ics("dentist@phone", "Dentist"))
    report = await sync(client, ada)
    assert (report["pulled_created"], report["pushed_created"]) == (1, 0)
    [(uid, title, starts)] = fetch(admin_url, "SELECT uid, title, starts_at FROM calendar_event")
    assert (uid, title, starts.isoformat()) == (
        "dentist@phone",
        "Dentist",
        "2026-12-07T10:00:00+00:00",
    )

    # Nothing changed on either side: an incremental sync does nothing.
    quiet = await sync(client, ada)
    assert sum(v for v in quiet.values() if isinstance(v, int)) == 0

    phone.put("dentist.ics", remote_ics("dentist@phone", "Dentist (moved)", "20261208T090000Z"))
    assert (await sync(client, ada))["pulled_updated"] == 1
    assert fetch(admin_url, "SELECT title FROM calendar_event") == [("Dentist (moved)",)]

    phone.delete(phone.events()["dentist@phone"][0])
    assert (await sync(client, ada))["pulled_deleted"] == 1
    assert fetch(admin_url, "SELECT count(*) FROM calendar_event")[0][0] == 0
    [(last_token,)] = fetch(admin_url, "SELECT sync_token FROM calendar_connection")
    assert last_token != first_token


async def test_a_change_here_keeps_what_the_crm_does_not_model(client, admin_url, radicale):
    ada = await sign_up(client, "Ada")
    phone = Phone(radicale.make_calendar("work"))
    assert (await connect(client, ada, radicale)).status_code == 200
    phone.put("call.ics", remote_ics("call@phone", "Call"))
    await sync(client, ada)
    [(event_id,)] = fetch(admin_url, "SELECT id FROM calendar_event")
    patch = {"title": "Call Jane"}
    assert (
        await client.patch(f"{EVENTS}/{event_id}", json=patch, headers=ada.headers)
    ).status_code == 200
    assert (await sync(client, ada))["pushed_updated"] == 1
    vevent = phone.events()["call@phone"][1].walk("VEVENT")[0]
    assert str(vevent["summary"]) == "Call Jane"
    assert [str(a["description"]) for a in vevent.walk("VALARM")] == ["soon"]


async def test_conflicts_follow_the_documented_rules(client, admin_url, radicale):
    ada = await sign_up(client, "Ada")
    phone = Phone(radicale.make_calendar("work"))
    assert (await connect(client, ada, radicale)).status_code == 200
    phone.put("a.ics", remote_ics("a@phone", "A"))
    phone.put("b.ics", remote_ics("b@phone", "B"))
    await sync(client, ada)
    ids = dict(fetch(admin_url, "SELECT uid, id FROM calendar_event"))

    # Rule 2: both edited; the server's edit carries an older LAST-MODIFIED, so ours wins.
    local = {"title": "A, edited here"}
    assert (
        await client.patch(f"{EVENTS}/{ids['a@phone']}", json=local, headers=ada.headers)
    ).status_code == 200
    phone.put("a.ics", remote_ics("a@phone", "A edited there", stamp="20200101T000000Z"))
    # Rule 3: edited here, deleted there: the edit wins and goes back to the server.
    local_b = {"title": "B, edited here"}
    assert (
        await client.patch(f"{EVENTS}/{ids['b@phone']}", json=local_b, headers=ada.headers)
    ).status_code == 200
    phone.delete(phone.events()["b@phone"][0])
    report = await sync(client, ada)
    assert report["conflicts"] == 2
    titles = dict(fetch(admin_url, "SELECT uid, title FROM calendar_event"))
    assert titles == {"a@phone": "A, edited here", "b@phone": "B, edited here"}
    remote = {uid: str(c.walk("VEVENT")[0]["summary"]) for uid, (_, c) in phone.events().items()}
    assert remote == {"a@phone": "A, edited here", "b@phone": "B, edited here"}

    # Rule 2 the other way: the server's edit is the later one.
    local = {"title": "A, old edit here"}
    assert (
        await client.patch(f"{EVENTS}/{ids['a@phone']}", json=local, headers=ada.headers)
    ).status_code == 200
    phone.put("a.ics", remote_ics("a@phone", "A new edit there", stamp="20991231T000000Z"))
    assert (await sync(client, ada))["pulled_updated"] == 1
    assert (
        dict(fetch(admin_url, "SELECT uid, title FROM calendar_event"))["a@phone"]
        == "A new edit there"
    )


async def test_sync_without_a_connection_is_404(client):
    ada = await sign_up(client, "Ada")
    assert (await client.post(SYNC, headers=ada.headers)).status_code == 404


async def test_the_worker_syncs_on_schedule_until_disconnected(client, app, admin_url, radicale):
    from crm.calendar.jobs import SYNC, run_sync

    ada = await sign_up(client, "Ada")
    phone = Phone(radicale.make_calendar("work"))
    assert (await connect(client, ada, radicale)).status_code == 200
    queued = "SELECT scheduled_at FROM procrastinate_jobs WHERE task_name = %s AND status = 'todo'"
    assert len(fetch(admin_url, queued, SYNC)) == 1  # the first sync, queued when connecting
    assert (await connect(client, ada, radicale)).status_code == 200
    assert len(fetch(admin_url, queued, SYNC)) == 1  # one waiting sync per user, not two
    body = {"title": "Planning", "start": "2026-12-09T10:00:00Z"}
    event = (await client.post(EVENTS, json=body, headers=ada.headers)).json()
    fetch(admin_url, "DELETE FROM procrastinate_jobs RETURNING id")

    assert await run_sync(
        app.state.db, app.state.settings, user_id=ada.user_id, workspace_id=ada.workspace_id
    )
    assert event["uid"] in phone.events()
    [(next_run,)] = fetch(admin_url, queued, SYNC)
    assert next_run is not None  # the next run, SYNC_INTERVAL later

    assert (await client.delete(CALDAV, headers=ada.headers)).status_code == 204
    fetch(admin_url, "DELETE FROM procrastinate_jobs RETURNING id")
    assert not await run_sync(
        app.state.db, app.state.settings, user_id=ada.user_id, workspace_id=ada.workspace_id
    )
    assert fetch(admin_url, queued, SYNC) == []


async def test_key_rotation_reseals_caldav_passwords(client, admin_url, radicale):
    from crm.kit.crypto import SecretBox
    from tests.ai.test_key_rotation import NEW, rotate
    from tests.conftest import SECRET

    ada = await sign_up(client, "Ada")
    radicale.make_calendar("work")
    assert (await connect(client, ada, radicale)).status_code == 200
    [(before,)] = fetch(admin_url, "SELECT password_sealed FROM calendar_connection")
    done = rotate(admin_url, f"{NEW},{SECRET}")
    assert done.returncode == 0, done.stderr
    [(after,)] = fetch(admin_url, "SELECT password_sealed FROM calendar_connection")
    context = f"calendar_connection.password:{ada.workspace_id}:{ada.user_id}"
    assert after != before and SecretBox([NEW]).decrypt(after, context=context) == PASSWORD


async def test_connections_and_sync_state_are_their_users_alone(client, admin_url, radicale):
    from tests.rows import as_app

    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    radicale.make_calendar("work")
    assert (await connect(client, ada, radicale)).status_code == 200
    body = {"title": "Mine", "start": "2026-12-09T10:00:00Z"}
    assert (await client.post(EVENTS, json=body, headers=ada.headers)).status_code == 201
    await sync(client, ada)
    for table in ("calendar_connection", "calendar_sync_item"):
        assert len(as_app(admin_url, f"SELECT id FROM {table}", context=ada.context)) == 1
        assert as_app(admin_url, f"SELECT id FROM {table}", context=bob.context) == []
        assert as_app(admin_url, f"SELECT id FROM {table}") == []  # no context: nothing
    assert (await client.get(CALDAV, headers=bob.headers)).status_code == 404
    assert (await client.post(SYNC, headers=bob.headers)).status_code == 404


async def test_an_occurrence_changed_alone_syncs_as_recurrence_id_both_ways(
    client, admin_url, radicale
):
    ada = await sign_up(client, "Ada")
    phone = Phone(radicale.make_calendar("work"))
    assert (await connect(client, ada, radicale)).status_code == 200
    body = {
        "title": "Review",
        "start": "2026-12-07T10:00:00",
        "timezone": "Europe/Paris",
        "rrule": "FREQ=WEEKLY;COUNT=4",
    }
    event = (await client.post(EVENTS, json=body, headers=ada.headers)).json()
    await sync(client, ada)
    # Here -> there: one occurrence moved alone becomes a RECURRENCE-ID component.
    occurrence = f"{EVENTS}/{event['id']}/occurrences/2026-12-14T10:00:00%2B01:00"
    moved = {"start": "2026-12-15T16:00:00+01:00", "title": "Review (Tuesday)"}
    assert (await client.patch(occurrence, json=moved, headers=ada.headers)).status_code == 200
    assert (await sync(client, ada))["pushed_updated"] == 1
    href, remote = phone.events()[event["uid"]]
    [changed] = [c for c in remote.walk("VEVENT") if "recurrence-id" in c]
    assert changed.decoded("recurrence-id").isoformat() == "2026-12-14T10:00:00+01:00"
    assert changed.decoded("dtstart").isoformat() == "2026-12-15T16:00:00+01:00"
    assert str(changed["summary"]) == "Review (Tuesday)"

    # There -> here: the phone moves another occurrence and cancels a third.
    text = (
        remote.to_ical()
        .decode()
        .replace(
            "END:VCALENDAR",
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20991201T000000Z\r\n"
            "LAST-MODIFIED:20991201T000000Z\r\n"
            "RECURRENCE-ID;TZID=Europe/Paris:20261221T100000\r\n"
            "DTSTART;TZID=Europe/Paris:20261221T080000\r\nDTEND;TZID=Europe/Paris:20261221T083000\r\n"
            "SUMMARY:Review (early)\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20991201T000000Z\r\n"
            "RECURRENCE-ID;TZID=Europe/Paris:20261228T100000\r\n"
            "DTSTART;TZID=Europe/Paris:20261228T100000\r\nDTEND;TZID=Europe/Paris:20261228T110000\r\n"
            "STATUS:CANCELLED\r\nSUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR".replace(
                "{uid}", event["uid"]
            ),
        )
    )
    phone.put(href.rsplit("/", 1)[1], text.replace("LAST-MODIFIED:2026", "LAST-MODIFIED:2099"))
    report = await sync(client, ada)
    assert report["pulled_updated"] == 1, report
    params = {"start": "2026-12-01", "end": "2027-01-01"}
    found = (await client.get(EVENTS, params=params, headers=ada.headers)).json()["items"]
    assert [(o["title"], o["start"]) for o in found] == [
        ("Review", "2026-12-07T10:00:00+01:00"),
        ("Review (Tuesday)", "2026-12-15T16:00:00+01:00"),
        ("Review (early)", "2026-12-21T08:00:00+01:00"),
    ]
    [(exdates,)] = fetch(admin_url, "SELECT exdates FROM calendar_event")
    assert [d.isoformat() for d in exdates] == ["2026-12-28T09:00:00+00:00"]


async def test_a_meeting_link_travels_as_conference_both_ways(client, admin_url, radicale):
    ada = await sign_up(client, "Ada")
    phone = Phone(radicale.make_calendar("work"))
    assert (await connect(client, ada, radicale)).status_code == 200
    link = "https://meet.google.com/abc-defg-hij"
    body = {"title": "Call", "start": "2026-12-07T10:00:00Z", "meeting_url": link}
    event = (await client.post(EVENTS, json=body, headers=ada.headers)).json()
    await sync(client, ada)
    href, remote = phone.events()[event["uid"]]
    assert str(remote.walk("VEVENT")[0]["conference"]) == link
    other = "https://teams.microsoft.com/l/meetup-join/other"
    text = remote.to_ical().decode().replace(link, other)
    phone.put(href.rsplit("/", 1)[1], text.replace("LAST-MODIFIED:2026", "LAST-MODIFIED:2099"))
    assert (await sync(client, ada))["pulled_updated"] == 1
    assert fetch(admin_url, "SELECT meeting_url FROM calendar_event") == [(other,)]

"""Two-way sync of the CRM's calendar with Google Calendar (the Calendar API stand-in over
HTTP, reached by the real client): syncToken, the CRM's private extended property, recurring
events with exceptions, 410 resyncs and Meet links. The engine is the one Outlook and CalDAV
use (tests/integrations/test_calendar_sync.py covers its runs, held deletions and schedule)."""

from datetime import UTC, datetime, timedelta

from tests.integrations.google.conftest import connect_google
from tests.rows import fetch

EVENTS = "/api/v1/calendar/events"
SYNC = "/api/v1/calendar/sync"
SOON = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=7)
COUNT = "SELECT count(*) FROM calendar_event WHERE owner_id = %s"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def connected(google_user, google, google_apis):
    user = await google_user()
    assert (await connect_google(user, google)).status_code == 303
    return user, google_apis.box(user.account).calendar


async def sync(user) -> dict:
    response = await user.browser.post(SYNC, headers=user.headers)
    assert response.status_code == 200, response.text
    [report] = response.json()["calendars"]
    assert report["source"] == "google" and report["status"] != "failed", report
    return report


def moved(report: dict) -> int:
    return sum(v for v in report.values() if isinstance(v, int))


async def test_a_google_event_comes_in_once_with_its_meet_link(
    google_user, google, google_apis, admin_url
):
    user, calendar = await connected(google_user, google, google_apis)
    made = calendar.insert(
        {
            "summary": "Pipeline review",
            "start": {"dateTime": iso(SOON), "timeZone": "Europe/London"},
            "end": {"dateTime": iso(SOON + timedelta(hours=1)), "timeZone": "Europe/London"},
        },
        email=user.account.email,
        meet=True,
    )
    assert (await sync(user))["pulled_created"] == 1
    [(title, meeting_url, zone)] = fetch(
        admin_url,
        "SELECT title, meeting_url, time_zone FROM calendar_event WHERE owner_id = %s",
        user.user_id,
    )
    assert (title, meeting_url, zone) == ("Pipeline review", made["hangoutLink"], "Europe/London")
    assert moved(await sync(user)) == 0
    requests = [r for r in google_apis.requests if "/events?" in r]
    assert "syncToken=" in requests[-1] and "maxResults=2500" in requests[-1]


async def test_made_here_goes_there_tagged_once_and_deletions_go_both_ways(
    google_user, google, google_apis, admin_url
):
    user, calendar = await connected(google_user, google, google_apis)
    body = {"title": "Demo", "start": SOON.isoformat(), "timezone": "Europe/Paris"}
    event = (await user.browser.post(EVENTS, json=body, headers=user.headers)).json()
    assert (await sync(user))["pushed_created"] == 1
    [there] = calendar.events.values()
    assert there["summary"] == "Demo" and there["id"] == event["id"].replace("-", "")
    assert there["extendedProperties"] == {"private": {"crmUid": event["uid"]}}
    assert moved(await sync(user)) == 0

    # Forgotten here (a lost sync state): the tag links it again, no copy either side.
    fetch(admin_url, "DELETE FROM calendar_sync_item WHERE user_id = %s RETURNING id", user.user_id)
    fetch(
        admin_url,
        "UPDATE calendar_source SET sync_token = NULL WHERE user_id = %s RETURNING id",
        user.user_id,
    )
    await sync(user)
    assert len(calendar.events) == 1 and fetch(admin_url, COUNT, user.user_id)[0][0] == 1

    other = calendar.insert(
        {
            "summary": "Theirs",
            "start": {"dateTime": iso(SOON), "timeZone": "UTC"},
            "end": {"dateTime": iso(SOON + timedelta(hours=1)), "timeZone": "UTC"},
        },
        email=user.account.email,
        meet=False,
    )
    await sync(user)
    calendar.delete(other["id"])
    assert (await sync(user))["pulled_deleted"] == 1
    assert (
        await user.browser.delete(f"{EVENTS}/{event['id']}", headers=user.headers)
    ).status_code == 204
    assert (await sync(user))["pushed_deleted"] == 1
    assert {e["status"] for e in calendar.events.values()} == {"cancelled"}
    assert fetch(admin_url, COUNT, user.user_id)[0][0] == 0


async def test_a_recurring_event_keeps_its_moved_and_cancelled_occurrences(
    google_user, google, google_apis, admin_url
):
    user, calendar = await connected(google_user, google, google_apis)
    series = calendar.insert(
        {
            "summary": "Standup",
            "start": {"dateTime": iso(SOON), "timeZone": "UTC"},
            "end": {"dateTime": iso(SOON + timedelta(minutes=30)), "timeZone": "UTC"},
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"],
        },
        email=user.account.email,
        meet=False,
    )
    second, third = SOON + timedelta(days=7), SOON + timedelta(days=14)
    calendar.patch(
        f"{series['id']}_{second:%Y%m%dT%H%M%SZ}",
        {
            "summary": "Standup (moved)",
            "start": {"dateTime": iso(second + timedelta(hours=2)), "timeZone": "UTC"},
            "end": {"dateTime": iso(second + timedelta(hours=2, minutes=30)), "timeZone": "UTC"},
        },
        None,
    )
    calendar.delete(f"{series['id']}_{third:%Y%m%dT%H%M%SZ}")
    assert (await sync(user))["pulled_created"] == 1
    [(event_id, rrule, exdates, overrides)] = fetch(
        admin_url,
        "SELECT id, rrule, exdates, overrides FROM calendar_event WHERE owner_id = %s",
        user.user_id,
    )
    assert rrule == "FREQ=WEEKLY;COUNT=4"
    assert exdates == [third]
    assert [(o["title"], o["start"]) for o in overrides] == [
        ("Standup (moved)", (second + timedelta(hours=2)).isoformat())
    ]
    assert moved(await sync(user)) == 0

    # Here: the fourth occurrence moved alone; Google gets an exception for it.
    fourth = SOON + timedelta(days=21)
    url = f"{EVENTS}/{event_id}/occurrences/{fourth.isoformat().replace('+', '%2B')}"
    later = {"start": (fourth + timedelta(hours=1)).isoformat(), "title": "Standup (late)"}
    assert (await user.browser.patch(url, json=later, headers=user.headers)).status_code == 200
    assert (await sync(user))["pushed_updated"] == 1
    instances = calendar.instances(
        calendar.events[series["id"]],
        SOON - timedelta(days=1),
        SOON + timedelta(days=60),
        deleted=False,
    )
    assert [i["summary"] for i in instances] == ["Standup", "Standup (moved)", "Standup (late)"]
    assert moved(await sync(user)) == 0


async def test_a_forgotten_sync_token_resyncs_without_copies_or_deletions(
    google_user, google, google_apis, admin_url
):
    user, calendar = await connected(google_user, google, google_apis)
    for n in range(3):
        calendar.insert(
            {
                "summary": f"E{n}",
                "start": {"dateTime": iso(SOON + timedelta(days=n)), "timeZone": "UTC"},
                "end": {"dateTime": iso(SOON + timedelta(days=n, hours=1)), "timeZone": "UTC"},
            },
            email=user.account.email,
            meet=False,
        )
    body = {"title": "Mine", "start": SOON.isoformat()}
    assert (await user.browser.post(EVENTS, json=body, headers=user.headers)).status_code == 201
    await sync(user)
    query = "SELECT id, title FROM calendar_event WHERE owner_id = %s ORDER BY title"
    before = fetch(admin_url, query, user.user_id)
    calendar.forgotten_before = len(calendar.log) + 1
    report = await sync(user)
    assert any("read again" in n for n in report["notes"])
    assert (report["pulled_created"], report["pulled_deleted"], report["pushed_created"]) == (
        0,
        0,
        0,
    )
    assert fetch(admin_url, query, user.user_id) == before and len(calendar.events) == 4


async def test_an_online_meeting_made_here_becomes_a_google_meet_with_its_link(
    google_user, google, google_apis
):
    user, calendar = await connected(google_user, google, google_apis)
    body = {"title": "Acme call", "start": SOON.isoformat(), "online_meeting": True}
    event = (await user.browser.post(EVENTS, json=body, headers=user.headers)).json()
    await sync(user)
    [there] = calendar.events.values()
    here = (await user.browser.get(f"{EVENTS}/{event['id']}", headers=user.headers)).json()
    assert here["meeting_url"] == there["hangoutLink"]
    assert moved(await sync(user)) == 0


async def test_an_invitation_is_read_only_with_the_users_response(google_user, google, google_apis):
    user, calendar = await connected(google_user, google, google_apis)
    calendar.insert(
        {
            "summary": "Board meeting",
            "start": {"dateTime": iso(SOON), "timeZone": "UTC"},
            "end": {"dateTime": iso(SOON + timedelta(hours=2)), "timeZone": "UTC"},
            "organizer": {"email": "boss@example.org"},
            "attendees": [
                {"email": "boss@example.org", "organizer": True, "responseStatus": "accepted"},
                {"email": user.account.email, "self": True, "responseStatus": "declined"},
            ],
        },
        email=user.account.email,
        meet=False,
    )
    await sync(user)
    listed = (
        await user.browser.get(
            "/api/v1/calendar/events",
            params={
                "start": SOON.date().isoformat(),
                "end": (SOON + timedelta(days=1)).date().isoformat(),
            },
            headers=user.headers,
        )
    ).json()["items"]
    [found] = listed
    assert (found["read_only"], found["response"]) == (True, "declined")
    url = f"{EVENTS}/{found['event_id']}"
    assert (
        await user.browser.patch(url, json={"title": "x"}, headers=user.headers)
    ).status_code == 409


async def test_google_watch_channels_notify_and_are_renewed(
    google_app, google_user, google, google_apis, admin_url, monkeypatch
):
    user, _ = await connected(google_user, google, google_apis)
    monkeypatch.setattr(google_app.state.settings, "crm_base_url", "https://crm.example.test")
    await sync(user)
    [channel] = [c for c in google_apis.channels.values() if c["token"]]
    assert channel["address"] == "https://crm.example.test/api/v1/calendar/notifications/google"
    url = "/api/v1/calendar/notifications/google"
    now = "SELECT count(*) FROM procrastinate_jobs WHERE queueing_lock = %s AND status = 'todo'"
    lock = f"calendar-sync-now:{user.user_id}"
    started = {
        "X-Goog-Channel-ID": channel["id"],
        "X-Goog-Resource-State": "sync",
        "X-Goog-Channel-Token": channel["token"],
    }
    assert (await user.browser.post(url, headers=started)).status_code == 200
    assert fetch(admin_url, now, lock)[0][0] == 0  # "sync" only says the channel started
    changed = {**started, "X-Goog-Resource-State": "exists"}
    assert (await user.browser.post(url, headers=changed)).status_code == 200
    assert fetch(admin_url, now, lock)[0][0] == 1

    fetch(
        admin_url,
        "UPDATE calendar_source SET watch_expires_at = now() + interval '1 hour' "
        "WHERE user_id = %s RETURNING id",
        user.user_id,
    )
    await sync(user)
    assert channel["id"] not in google_apis.channels  # the old one stopped, a new one made
    [renewed] = [
        c
        for c in google_apis.channels.values()
        if c["address"].startswith("https://crm.example.test")
    ]
    assert renewed["token"] != channel["token"]

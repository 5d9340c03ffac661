"""Two-way sync of the CRM's calendar with Outlook (Microsoft Graph's stand-in over HTTP,
reached by the real client): calendarView/delta, the CRM's tag, series with exceptions, 410
resyncs, deletion safety, and the runs recorded."""

import uuid
from datetime import UTC, datetime, timedelta

from crm.integrations.ms365.calendar import TAG
from tests.conftest import PASSWORD, bearer, http_client
from tests.integrations.conftest import User, connect
from tests.integrations.test_assistant import model, say
from tests.rows import fetch
from tests.standins.microsoft_identity import MicrosoftAccount
from tests.web.pages import post_form

EVENTS = "/api/v1/calendar/events"
ITEMS = "/api/v1/calendar/items"
SYNC = "/api/v1/calendar/sync"
TAB = "/settings/integrations"
__all__ = ["model"]  # the fixture of the assistant's tests
SOON = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=7)


async def connected(new_user, microsoft, ms_graph):
    user = await new_user()
    assert (await connect(user, microsoft)).status_code == 303
    return user, ms_graph.mailbox(user.account.mail)


async def sync(client, user) -> dict:
    response = await client.post(SYNC, headers=user.headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    [outlook] = [c for c in answer["calendars"] if c["source"] == "ms365"]
    assert outlook["status"] != "failed", outlook
    return outlook


def moved(report: dict) -> int:
    return sum(v for k, v in report.items() if isinstance(v, int))


async def local_events(client, user) -> dict[str, dict]:
    params = {"start": (SOON - timedelta(days=30)).date().isoformat()}
    params["end"] = (SOON + timedelta(days=90)).date().isoformat()
    found = (await client.get(EVENTS, params=params, headers=user.headers)).json()["items"]
    return {(o["title"], o["start"]): o for o in found}


async def test_an_outlook_event_comes_in_once_with_its_teams_link(
    ms_client, new_user, microsoft, ms_graph, admin_url
):
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    made = mailbox.add_event(
        subject="Budget call", start=SOON, end=SOON + timedelta(hours=1), online=True
    )
    report = await sync(ms_client, user)
    assert report["pulled_created"] == 1
    [(title, meeting_url, uid)] = fetch(
        admin_url,
        "SELECT title, meeting_url, uid FROM calendar_event WHERE owner_id = %s",
        user.user_id,
    )
    assert (title, uid) == ("Budget call", made["iCalUId"])
    assert meeting_url == made["onlineMeeting"]["joinUrl"]
    again = await sync(ms_client, user)
    assert moved(again) == 0, again  # nothing changed: nothing done, no copy
    assert (
        fetch(admin_url, "SELECT count(*) FROM calendar_event WHERE owner_id = %s", user.user_id)[
            0
        ][0]
        == 1
    )
    runs = fetch(
        admin_url,
        "SELECT source, status, counts FROM calendar_sync_run WHERE user_id = %s "
        "ORDER BY started_at",
        user.user_id,
    )
    assert [(s, st, c["pulled_created"]) for s, st, c in runs] == [
        ("ms365", "ok", 1),
        ("ms365", "ok", 0),
    ]


async def test_an_event_made_here_reaches_outlook_tagged_and_never_comes_back(
    ms_client, new_user, microsoft, ms_graph, admin_url
):
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    body = {"title": "Demo", "start": SOON.isoformat(), "timezone": "Europe/Paris"}
    event = (await ms_client.post(EVENTS, json=body, headers=user.headers)).json()
    report = await sync(ms_client, user)
    assert report["pushed_created"] == 1
    [there] = mailbox.events.values()
    assert there["subject"] == "Demo"
    assert there["_props"] == {TAG: event["uid"]}
    assert mailbox.calendars.transactions == {event["id"]: there["id"]}
    assert moved(await sync(ms_client, user)) == 0
    assert len(mailbox.events) == 1

    # Our sync's memory lost (say a crash after the create): the tag links it again.
    fetch(admin_url, "DELETE FROM calendar_sync_item WHERE user_id = %s RETURNING id", user.user_id)
    fetch(
        admin_url,
        "UPDATE calendar_source SET sync_token = NULL WHERE user_id = %s RETURNING id",
        user.user_id,
    )
    await sync(ms_client, user)
    assert len(mailbox.events) == 1
    assert (
        fetch(admin_url, "SELECT count(*) FROM calendar_event WHERE owner_id = %s", user.user_id)[
            0
        ][0]
        == 1
    )


async def test_changes_and_deletions_go_both_ways_and_the_later_edit_wins(
    ms_client, new_user, microsoft, ms_graph, admin_url
):
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    a = mailbox.add_event(subject="A", start=SOON, end=SOON + timedelta(hours=1))
    b = mailbox.add_event(subject="B", start=SOON, end=SOON + timedelta(hours=1))
    await sync(ms_client, user)
    ids = dict(
        fetch(admin_url, "SELECT title, id FROM calendar_event WHERE owner_id = %s", user.user_id)
    )

    # Both sides edit A: Outlook's edit comes later, so it wins.
    patch = {"title": "A here"}
    assert (
        await ms_client.patch(f"{EVENTS}/{ids['A']}", json=patch, headers=user.headers)
    ).status_code == 200
    mailbox.calendars.change(a["id"], {"subject": "A there"})
    report = await sync(ms_client, user)
    assert report["conflicts"] == 1
    assert any("changed on both sides" in n for n in report["notes"])
    assert fetch(admin_url, "SELECT title FROM calendar_event WHERE id = %s", ids["A"]) == [
        ("A there",)
    ]
    assert mailbox.events[a["id"]]["subject"] == "A there"

    # Edited here later than there: ours wins and is written there.
    mailbox.calendars.change(a["id"], {"subject": "A there again"})
    mailbox.events[a["id"]]["lastModifiedDateTime"] = "2020-01-01T00:00:00Z"
    patch = {"title": "A here, later"}
    assert (
        await ms_client.patch(f"{EVENTS}/{ids['A']}", json=patch, headers=user.headers)
    ).status_code == 200
    await sync(ms_client, user)
    assert mailbox.events[a["id"]]["subject"] == "A here, later"

    # Deleted there → deleted here; deleted here → deleted there.
    mailbox.calendars.delete(b["id"])
    assert (await sync(ms_client, user))["pulled_deleted"] == 1
    assert (await ms_client.delete(f"{EVENTS}/{ids['A']}", headers=user.headers)).status_code == 204
    assert (await sync(ms_client, user))["pushed_deleted"] == 1
    assert mailbox.events == {}
    assert (
        fetch(admin_url, "SELECT count(*) FROM calendar_event WHERE owner_id = %s", user.user_id)[
            0
        ][0]
        == 0
    )


async def test_a_series_keeps_its_moved_and_cancelled_occurrences_both_ways(
    ms_client, new_user, microsoft, ms_graph, admin_url
):
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    weekly = {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [SOON.strftime("%A").lower()]},
        "range": {
            "type": "numbered",
            "startDate": SOON.date().isoformat(),
            "numberOfOccurrences": 4,
        },
    }
    series = mailbox.add_event(
        subject="Standup", start=SOON, end=SOON + timedelta(minutes=30), recurrence=weekly
    )
    cal = mailbox.calendars
    second, third = SOON + timedelta(days=7), SOON + timedelta(days=14)
    cal.change(
        f"{series['id']}.OID.{second:%Y%m%dT%H%M%S}",
        {
            "subject": "Standup (moved)",
            "start": {
                "dateTime": (second + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC",
            },
            "end": {
                "dateTime": (second + timedelta(hours=2, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC",
            },
        },
    )
    cal.delete(f"{series['id']}.OID.{third:%Y%m%dT%H%M%S}")
    report = await sync(ms_client, user)
    assert report["pulled_created"] == 1, report
    shown = sorted((o["title"], o["start"]) for o in (await local_events(ms_client, user)).values())
    starts = [datetime.fromisoformat(s).astimezone(UTC) for _, s in shown]
    assert sorted(t for t, _ in shown) == ["Standup", "Standup", "Standup (moved)"]
    assert second + timedelta(hours=2) in starts and third not in starts and SOON in starts
    assert moved(await sync(ms_client, user)) == 0

    # Here: cancel the fourth; it is cancelled in Outlook too.
    [(event_id,)] = fetch(
        admin_url, "SELECT id FROM calendar_event WHERE owner_id = %s", user.user_id
    )
    fourth = SOON + timedelta(days=21)
    url = f"{EVENTS}/{event_id}/occurrences/{fourth.isoformat().replace('+', '%2B')}"
    assert (await ms_client.delete(url, headers=user.headers)).status_code in (200, 204)
    assert (await sync(ms_client, user))["pushed_updated"] == 1
    left = [
        o["originalStart"]
        for o in cal.instances(
            mailbox.events[series["id"]], SOON - timedelta(days=1), SOON + timedelta(days=60)
        )
    ]
    assert len(left) == 2 and fourth.strftime("%Y-%m-%dT%H:%M:%S") not in " ".join(left)
    assert moved(await sync(ms_client, user)) == 0


async def test_a_forgotten_delta_token_resyncs_without_copies_or_deletions(
    ms_client, new_user, microsoft, ms_graph, admin_url
):
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    for n in range(3):
        mailbox.add_event(
            subject=f"E{n}", start=SOON + timedelta(days=n), end=SOON + timedelta(days=n, hours=1)
        )
    body = {"title": "Mine", "start": SOON.isoformat()}
    assert (await ms_client.post(EVENTS, json=body, headers=user.headers)).status_code == 201
    await sync(ms_client, user)
    before = sorted(
        fetch(admin_url, "SELECT id, title FROM calendar_event WHERE owner_id = %s", user.user_id)
    )
    mailbox.calendars.forgotten_before = len(mailbox.calendars.changes) + 1
    report = await sync(ms_client, user)
    assert any("read again" in n for n in report["notes"])
    assert (report["pulled_created"], report["pulled_deleted"], report["pushed_created"]) == (
        0,
        0,
        0,
    )
    after = sorted(
        fetch(admin_url, "SELECT id, title FROM calendar_event WHERE owner_id = %s", user.user_id)
    )
    assert after == before and len(mailbox.events) == 4


async def test_sixty_deletions_at_once_are_held_for_the_user_in_settings(
    ms_client, new_user, microsoft, ms_graph, admin_url
):
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    made = [
        mailbox.add_event(
            subject=f"E{n}",
            start=SOON + timedelta(hours=n),
            end=SOON + timedelta(hours=n, minutes=30),
        )
        for n in range(60)
    ]
    await sync(ms_client, user)
    for event in made:
        mailbox.calendars.delete(event["id"])
    report = await sync(ms_client, user)
    assert (report["status"], report["held_deletions"], report["pulled_deleted"]) == ("held", 60, 0)
    count = "SELECT count(*) FROM calendar_event WHERE owner_id = %s"
    assert fetch(admin_url, count, user.user_id)[0][0] == 60
    assert (await sync(ms_client, user))["held_deletions"] == 60  # still asking

    page = await user.browser.get(TAB)
    assert 'data-held-deletions="ms365"' in page.text
    assert "60 events were deleted at once" in page.text
    runs = (await ms_client.get(f"{SYNC}/runs", headers=user.headers)).json()["items"]
    assert [r["status"] for r in runs[:2]] == ["held", "held"]
    assert "until you confirm" in runs[0]["notes"][0]

    confirmed = await post_form(user.browser, f"{TAB}/calendar/ms365/confirm-deletions")
    assert confirmed.status_code == 200
    assert "60 deleted events removed here too." in confirmed.text
    assert fetch(admin_url, count, user.user_id)[0][0] == 0
    assert "data-held-deletions" not in confirmed.text
    nothing = await ms_client.post(f"{SYNC}/ms365/confirm-deletions", headers=user.headers)
    assert nothing.status_code == 404


async def test_throttling_is_waited_out_or_resumed_on_the_next_run(
    ms_client, new_user, microsoft, ms_graph, admin_url, monkeypatch
):
    from crm.integrations.ms365 import calendar

    monkeypatch.setattr(calendar, "PAGE_SIZE", 2)
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    for n in range(5):
        mailbox.add_event(
            subject=f"E{n}", start=SOON + timedelta(hours=n), end=SOON + timedelta(hours=n + 1)
        )
    ms_graph.delta_prefers.clear()
    ms_graph.throttle(1, "1")  # a short Retry-After: waited for, then the same request again
    assert (await sync(ms_client, user))["pulled_created"] == 5
    assert ms_graph.delta_prefers[0].startswith("odata.maxpagesize=2")
    assert len(ms_graph.delta_prefers) == 3  # 5 events, 2 a page

    mailbox.add_event(subject="Later", start=SOON, end=SOON + timedelta(hours=1))
    ms_graph.throttle(1, "120")  # too long to wait: this run fails, saying so
    response = await ms_client.post(SYNC, headers=user.headers)
    [failed] = response.json()["calendars"]
    assert failed["status"] == "failed" and "limiting requests" in failed["error"]
    [(error,)] = fetch(
        admin_url, "SELECT last_error FROM integration_connection WHERE user_id = %s", user.user_id
    )
    assert error == failed["error"]
    assert (await sync(ms_client, user))["pulled_created"] == 1  # resumed from the last token
    titles = fetch(admin_url, "SELECT title FROM calendar_event WHERE owner_id = %s", user.user_id)
    assert len(titles) == 6


async def test_the_worker_syncs_a_connected_outlook_calendar_on_schedule(
    ms_app, ms_client, new_user, microsoft, ms_graph, admin_url
):
    from crm.calendar.jobs import SYNC as TASK
    from crm.calendar.jobs import run_sync

    queued = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s AND status = 'todo'"
    mine = f"{queued} AND args->>'user_id' = %s"
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    assert fetch(admin_url, mine, TASK, str(user.user_id))[0][0] == 1  # queued on connecting
    mailbox.add_event(subject="From Outlook", start=SOON, end=SOON + timedelta(hours=1))
    fetch(
        admin_url,
        "DELETE FROM procrastinate_jobs WHERE args->>'user_id' = %s RETURNING id",
        str(user.user_id),
    )
    db, settings = ms_app.state.db, ms_app.state.settings
    assert await run_sync(db, settings, user_id=user.user_id, workspace_id=user.workspace_id)
    titles = fetch(admin_url, "SELECT title FROM calendar_event WHERE owner_id = %s", user.user_id)
    assert titles == [("From Outlook",)]
    assert fetch(admin_url, mine, TASK, str(user.user_id))[0][0] == 1  # the next run

    disconnected = await user.browser.delete("/api/v1/integrations/ms365", headers=user.headers)
    assert disconnected.status_code == 204
    assert not await run_sync(db, settings, user_id=user.user_id, workspace_id=user.workspace_id)


async def test_with_caldav_too_crm_events_go_to_both_and_each_calendars_stay_home(
    ms_client, new_user, microsoft, ms_graph, admin_url, radicale
):
    from tests.radicale import PASSWORD, USER

    user, mailbox = await connected(new_user, microsoft, ms_graph)
    radicale.make_calendar("phone")
    body = {"url": radicale.url, "username": USER, "password": PASSWORD}
    caldav = await ms_client.put("/api/v1/calendar/caldav", json=body, headers=user.headers)
    assert caldav.status_code == 200, caldav.text
    mailbox.add_event(subject="From Outlook", start=SOON, end=SOON + timedelta(hours=1))
    made = {"title": "Made here", "start": SOON.isoformat()}
    assert (await ms_client.post(EVENTS, json=made, headers=user.headers)).status_code == 201
    for _ in range(2):  # the second round: each side has seen the other's writes
        answer = (await ms_client.post(SYNC, headers=user.headers)).json()
    assert [c["source"] for c in answer["calendars"]] == ["caldav", "ms365"]
    assert answer["pushed_created"] == answer["pulled_created"] == 0, answer
    outlook = sorted(e["subject"] for e in mailbox.events.values())
    assert outlook == ["From Outlook", "Made here"]
    on_phone = fetch(
        admin_url,
        "SELECT e.title FROM calendar_sync_item i JOIN calendar_event e ON e.id = i.event_id "
        "WHERE i.connection_id IS NOT NULL AND i.user_id = %s",
        user.user_id,
    )
    assert on_phone == [("Made here",)]  # Outlook's event is not copied to the phone


async def test_another_calendar_is_shown_and_can_receive_then_be_hidden(
    ms_client, new_user, microsoft, ms_graph, admin_url
):
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    await sync(ms_client, user)  # the default calendar, shown and receiving
    cal = mailbox.calendars
    team = cal.add_calendar("Team")
    cal.create(
        {
            "subject": "Team offsite",
            "start": {"dateTime": SOON.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "end": {
                "dateTime": (SOON + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC",
            },
        },
        team,
    )
    sources = "/api/v1/calendar/sources"
    offered = await ms_client.get(
        f"{sources}/available", params={"service": "ms365"}, headers=user.headers
    )
    assert sorted(c["name"] for c in offered.json()) == ["Calendar", "Team"]
    added = await ms_client.post(
        sources, json={"service": "ms365", "calendar_url": team}, headers=user.headers
    )
    assert added.status_code == 201, added.text
    assert (added.json()["calendar_name"], added.json()["receives"]) == ("Team", False)
    answer = (await ms_client.post(SYNC, headers=user.headers)).json()
    assert [(c["calendar_name"], c["pulled_created"]) for c in answer["calendars"]] == [
        ("Calendar", 0),
        ("Team", 1),
    ]

    # Team receives from now on: a new event goes there, not to the default calendar.
    moved = await ms_client.patch(
        f"{sources}/{added.json()['id']}", json={"receives": True}, headers=user.headers
    )
    assert moved.status_code == 200 and moved.json()["receives"] is True
    body = {"title": "Planning", "start": SOON.isoformat()}
    assert (await ms_client.post(EVENTS, json=body, headers=user.headers)).status_code == 201
    await ms_client.post(SYNC, headers=user.headers)
    where = {e["subject"]: cal.of(e) for e in mailbox.events.values()}
    assert where == {"Team offsite": team, "Planning": team}
    listed = (await ms_client.get(sources, headers=user.headers)).json()["items"]
    assert [(s["calendar_name"], s["receives"]) for s in listed] == [
        ("Calendar", False),
        ("Team", True),
    ]

    # Hidden: its own event leaves the CRM; the one the CRM wrote there stays here.
    gone = await ms_client.delete(f"{sources}/{added.json()['id']}", headers=user.headers)
    assert gone.status_code == 204
    titles = fetch(admin_url, "SELECT title FROM calendar_event WHERE owner_id = %s", user.user_id)
    assert titles == [("Planning",)]
    assert len(mailbox.events) == 2  # nothing deleted in Outlook


async def test_calendars_are_chosen_in_settings(ms_client, new_user, microsoft, ms_graph):
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    await sync(ms_client, user)
    team = mailbox.calendars.add_calendar("Team")
    page = await user.browser.get(TAB)
    assert 'data-calendar-source="Calendar"' in page.text and "Receives new events" in page.text
    offered = await post_form(user.browser, f"{TAB}/calendar/ms365/offer")
    assert f'<option value="{team}">Team</option>' in offered.text
    shown = await post_form(user.browser, f"{TAB}/calendar/ms365/show", {"calendar_url": team})
    assert "Team is shown from the next sync." in shown.text
    assert 'data-calendar-source="Team"' in shown.text
    listed = (await ms_client.get("/api/v1/calendar/sources", headers=user.headers)).json()
    team_id = next(s["id"] for s in listed["items"] if s["calendar_name"] == "Team")
    moved = await post_form(user.browser, f"{TAB}/calendar/sources/{team_id}/receive")
    assert "Events made in the CRM now go to Team." in moved.text
    listed = (await ms_client.get("/api/v1/calendar/sources", headers=user.headers)).json()
    assert {s["calendar_name"]: s["receives"] for s in listed["items"]} == {
        "Calendar": False,
        "Team": True,
    }
    hidden = await post_form(user.browser, f"{TAB}/calendar/sources/{team_id}/hide")
    assert "no longer shown" in hidden.text and 'data-calendar-source="Team"' not in hidden.text
    listed = (await ms_client.get("/api/v1/calendar/sources", headers=user.headers)).json()
    assert [(s["calendar_name"], s["receives"]) for s in listed["items"]] == [("Calendar", True)]


async def test_an_online_meeting_made_here_becomes_a_teams_meeting_with_its_link(
    ms_client, new_user, microsoft, ms_graph
):
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    body = {"title": "Acme call", "start": SOON.isoformat(), "online_meeting": True}
    event = (await ms_client.post(EVENTS, json=body, headers=user.headers)).json()
    assert event["online_meeting"] is True and event["meeting_url"] is None
    await sync(ms_client, user)
    [there] = mailbox.events.values()
    assert there["isOnlineMeeting"] and there["onlineMeetingProvider"] == "teamsForBusiness"
    here = (await ms_client.get(f"{EVENTS}/{event['id']}", headers=user.headers)).json()
    assert here["meeting_url"] == there["onlineMeeting"]["joinUrl"]
    assert moved(await sync(ms_client, user)) == 0


async def test_a_meeting_the_offline_assistant_makes_as_a_teams_call_gets_its_join_link(
    ms_client, new_user, microsoft, ms_graph, model
):
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    model(None)
    answer = await say(user, "schedule a call with Acme tomorrow at 3 as a Teams call")
    assert answer["provider"] == "offline"
    assert answer["reply"].startswith("Scheduled Call with Acme on ")
    assert "as an online meeting" in answer["reply"]
    [made] = (await local_events(ms_client, user)).values()
    assert made["title"] == "Call with Acme"
    await sync(ms_client, user)
    [there] = mailbox.events.values()
    assert there["subject"] == "Call with Acme"
    assert there["isOnlineMeeting"] and there["onlineMeetingProvider"] == "teamsForBusiness"
    url = f"{EVENTS}/{made['event_id']}"
    here = (await ms_client.get(url, headers=user.headers)).json()
    assert here["online_meeting"] is True
    assert here["meeting_url"] == there["onlineMeeting"]["joinUrl"]


async def joined(ms_app, owner: User, name: str) -> User:
    """A member invited into the owner's workspace, signed in with a browser of their own."""
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    invite = await owner.browser.post(
        "/api/v1/workspace/invites", json={"email": email}, headers=owner.headers
    )
    assert invite.status_code == 201, invite.text
    browser = http_client(ms_app)
    accept = {"token": invite.json()["url"].rsplit("/", 1)[1], "name": name, "password": PASSWORD}
    accepted = await browser.post("/api/v1/auth/invites/accept", json=accept)
    assert accepted.status_code == 201, accepted.text
    signed_in = await browser.post(
        "/api/v1/auth/session", json={"email": email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    me = (await browser.get("/api/v1/me")).json()
    assert me["workspace_id"] == str(owner.workspace_id)
    mail = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@contoso.com"
    account = MicrosoftAccount(name, mail)
    return User(browser, bearer(accepted.json()), uuid.UUID(me["id"]), owner.workspace_id, account)


async def test_a_meeting_two_colleagues_attend_is_one_meeting_to_each(
    ms_app, ms_client, new_user, microsoft, ms_graph, model, admin_url
):
    ada, ada_box = await connected(new_user, microsoft, ms_graph)
    grace = await joined(ms_app, ada, "Grace Hopper")
    try:
        assert (await connect(grace, microsoft)).status_code == 303
        # One meeting, organised by Ada, in both mailboxes (Grace's as an invitation).
        hour = {"start": SOON, "end": SOON + timedelta(hours=1)}
        board = ada_box.add_event(subject="Board meeting", **hour)
        invited = ms_graph.mailbox(grace.account.mail).add_event(
            subject="Board meeting",
            isOrganizer=False,
            organizer={"emailAddress": {"name": "Ada", "address": ada.account.mail}},
            **hour,
        )
        invited["iCalUId"] = board["iCalUId"]
        # Ada links her copy to a project Grace is assigned to: Grace's views still show
        # only her own copy.
        body = {"name": "Board", "assignee_ids": [str(grace.user_id)]}
        project = await ms_client.post("/api/v1/projects", json=body, headers=ada.headers)
        assert project.status_code == 201, project.text
        for user in (ada, grace):
            await sync(ms_client, user)
        [(ada_event,)] = fetch(
            admin_url, "SELECT id FROM calendar_event WHERE owner_id = %s", ada.user_id
        )
        link = {"project_id": project.json()["id"]}
        url = f"{EVENTS}/{ada_event}"
        assert (await ms_client.patch(url, json=link, headers=ada.headers)).is_success
        stored = fetch(
            admin_url,
            "SELECT owner_id, uid FROM calendar_event WHERE workspace_id = %s",
            ada.workspace_id,
        )
        assert sorted(stored) == sorted(
            [(ada.user_id, board["iCalUId"]), (grace.user_id, board["iCalUId"])]
        )
        assert (await ms_client.get(url, headers=grace.headers)).status_code == 404
        day = {
            "start": SOON.date().isoformat(),
            "end": (SOON + timedelta(days=1)).date().isoformat(),
        }
        model(None)
        for user in (ada, grace):
            items = (await ms_client.get(ITEMS, params=day, headers=user.headers)).json()
            assert [i["title"] for i in items["items"]] == ["Board meeting"]
            agenda = await say(user, f"what's on my calendar on {SOON:%A %-d %B %Y}")
            assert agenda["reply"].count("Board meeting") == 1, agenda["reply"]
    finally:
        await grace.browser.aclose()


async def test_an_invitation_is_read_only_here_with_the_users_response(
    ms_client, new_user, microsoft, ms_graph
):
    user, mailbox = await connected(new_user, microsoft, ms_graph)
    invite = mailbox.add_event(
        subject="Board meeting",
        start=SOON,
        end=SOON + timedelta(hours=2),
        isOrganizer=False,
        organizer={"emailAddress": {"name": "Boss", "address": "boss@contoso.com"}},
        responseStatus={"response": "tentativelyAccepted"},
    )
    await sync(ms_client, user)
    [found] = (await local_events(ms_client, user)).values()
    assert (found["read_only"], found["response"]) == (True, "tentative")
    url = f"{EVENTS}/{found['event_id']}"
    event = (await ms_client.get(url, headers=user.headers)).json()
    assert event["organizer"] == "boss@contoso.com"
    refused = await ms_client.patch(url, json={"title": "Mine now"}, headers=user.headers)
    assert refused.status_code == 409
    assert "boss@contoso.com organises this meeting" in refused.json()["detail"]
    assert (await ms_client.delete(url, headers=user.headers)).status_code == 409
    mine = {"title": "Made here", "start": SOON.isoformat()}
    assert (await ms_client.post(EVENTS, json=mine, headers=user.headers)).status_code == 201
    day = {"start": SOON.date().isoformat(), "end": (SOON + timedelta(days=1)).date().isoformat()}
    items = (await ms_client.get(ITEMS, params=day, headers=user.headers)).json()["items"]
    shown = {i["title"]: (i["source"], i["read_only"], i["status"]) for i in items}
    assert shown == {
        "Board meeting": ("ms365", True, "tentative"),
        "Made here": (None, False, None),
    }

    # Accepted in Outlook: the answer comes through; deleted there: gone here too.
    mailbox.calendars.change(invite["id"], {"responseStatus": {"response": "accepted"}})
    assert (await sync(ms_client, user))["pulled_updated"] == 1
    assert (await ms_client.get(url, headers=user.headers)).json()["response"] == "accepted"
    mailbox.calendars.delete(invite["id"])
    assert (await sync(ms_client, user))["pulled_deleted"] == 1


async def test_a_crashing_sync_keeps_the_schedule(
    ms_app, ms_client, new_user, microsoft, ms_graph, admin_url, monkeypatch
):
    from crm.calendar import sync as sync_module
    from crm.calendar.jobs import SYNC as TASK
    from crm.calendar.jobs import run_sync

    user, _ = await connected(new_user, microsoft, ms_graph)
    mine = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s AND args->>'user_id' = %s"
    fetch(
        admin_url,
        "DELETE FROM procrastinate_jobs WHERE args->>'user_id' = %s RETURNING id",
        str(user.user_id),
    )

    async def crash(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(sync_module.sync, "sync_all", crash)
    db, settings = ms_app.state.db, ms_app.state.settings
    assert await run_sync(db, settings, user_id=user.user_id, workspace_id=user.workspace_id)
    assert fetch(admin_url, mine, TASK, str(user.user_id))[0][0] == 1


async def test_outlook_notifies_changes_and_each_notification_queues_a_sync(
    ms_app, ms_client, new_user, microsoft, ms_graph, admin_url, monkeypatch
):
    user, _ = await connected(new_user, microsoft, ms_graph)
    public = "https://crm.example.test"
    monkeypatch.setattr(ms_app.state.settings, "crm_base_url", public)
    await sync(ms_client, user)
    [subscription] = [
        s for s in ms_graph.subscriptions.values() if s["_account"] == user.account.mail
    ]
    assert subscription["notificationUrl"] == f"{public}/api/v1/calendar/notifications/ms365"
    assert subscription["changeType"] == "created,updated,deleted"
    assert subscription["resource"].startswith("me/calendars/")
    [(stored,)] = fetch(
        admin_url, "SELECT watch_token_hash FROM calendar_source WHERE user_id = %s", user.user_id
    )
    assert stored and subscription["clientState"] not in stored  # only its hash is kept

    # Graph checks the address first; then each notification queues one sync, now.
    url = "/api/v1/calendar/notifications/ms365"
    check = await ms_client.post(url, params={"validationToken": "Validation: abc"})
    assert (check.status_code, check.text) == (200, "Validation: abc")
    assert check.headers["content-type"].startswith("text/plain")
    now = "SELECT count(*) FROM procrastinate_jobs WHERE queueing_lock = %s AND status = 'todo'"
    lock = f"calendar-sync-now:{user.user_id}"
    body = {
        "value": [
            {
                "subscriptionId": subscription["id"],
                "clientState": "not ours",
                "changeType": "updated",
            }
        ]
    }
    assert (await ms_client.post(url, json=body)).status_code == 202
    assert fetch(admin_url, now, lock)[0][0] == 0
    body["value"][0]["clientState"] = subscription["clientState"]
    for _ in range(2):
        assert (await ms_client.post(url, json=body)).status_code == 202
    assert fetch(admin_url, now, lock)[0][0] == 1  # one waiting sync, however many notices

    # Close to lapsing, the next sync renews it (the same subscription, a later expiry).
    fetch(
        admin_url,
        "UPDATE calendar_source SET watch_expires_at = now() + interval '1 hour' "
        "WHERE user_id = %s RETURNING id",
        user.user_id,
    )
    before = subscription["expirationDateTime"]
    await sync(ms_client, user)
    assert (
        len([s for s in ms_graph.subscriptions.values() if s["_account"] == user.account.mail]) == 1
    )
    assert (
        subscription["expirationDateTime"] > before or subscription["expirationDateTime"] != before
    )

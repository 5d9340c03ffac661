"""The calendar's pages without JavaScript: /calendar and its import form, and Settings →
Calendar (the feed's address shown once, CalDAV connect, sync and disconnect)."""

import re

import pytest
from icalendar import Calendar

from tests.radicale import PASSWORD, USER
from tests.rows import fetch
from tests.smtp import free_port
from tests.web.pages import post_form, sign_up

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:kickoff@x\r\n"
    "DTSTAMP:20261101T000000Z\r\nDTSTART:20261210T100000Z\r\nSUMMARY:Kick-off\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


async def test_the_calendar_page_and_its_import_form(client, admin_url):
    await sign_up(client)
    page = await client.get("/calendar")
    assert page.status_code == 200
    assert "fullcalendar-7.1.0.global.js" in page.text and "/static/calendar.js" in page.text
    assert 'href="/calendar"' in page.text  # in the sidebar
    assert re.search(r"<title>Calendar · [^<]*</title>", page.text)
    assert page.text.count('id="reminder-dialog"') == 1
    files = {"file": ("cal.ics", ICS.encode(), "text/calendar")}
    data = {"csrf_token": client.cookies["crm_csrf"]}
    imported = await client.post("/calendar/import", data=data, files=files)
    assert imported.status_code == 200
    assert "Imported: 1 new, 0 updated, 0 unchanged." in imported.text
    assert fetch(admin_url, "SELECT uid, title FROM calendar_event") == [("kickoff@x", "Kick-off")]
    todo = ICS.replace("VEVENT", "VTODO").replace("Kick-off", "Send the contract")
    files = {"file": ("todo.ics", todo.encode(), "text/calendar")}
    told = await client.post("/calendar/import", data=data, files=files)
    assert "0 new, 0 updated, 0 unchanged, 1 skipped (Send the contract: a to-do" in told.text
    refused = await client.post("/calendar/import", files=files)  # no CSRF token
    assert refused.status_code == 403


async def test_settings_shows_the_feed_address_once(client):
    await sign_up(client)
    tab = await client.get("/settings/calendar")
    assert tab.status_code == 200 and "No feed yet." in tab.text
    made = await post_form(client, "/settings/calendar/feed", htmx=True)
    url = re.search(r'value="(http://[^"]+\.ics)"', made.text)
    assert url, made.text
    feed = await client.get(url.group(1).removeprefix("http://127.0.0.1:8000"))
    assert Calendar.from_ical(feed.content)["version"] == "2.0"
    again = await client.get("/settings/calendar")
    assert url.group(1) not in again.text and 'data-feed-state="on"' in again.text
    off = await post_form(client, "/settings/calendar/feed/revoke", htmx=True)
    assert 'data-feed-state="off"' in off.text
    assert (await client.get(url.group(1).removeprefix("http://127.0.0.1:8000"))).status_code == 404


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("http://127.0.0.1:{port}/dav", "could not be reached: check the address"),
        ("http://no-such-host.invalid/dav", "could not be reached: check the address"),
    ],
)
async def test_a_caldav_server_that_fails_is_explained_in_words(client, radicale, address, said):
    await sign_up(client)
    url = address.format(port=free_port())
    form = {"url": url, "username": USER, "password": PASSWORD}
    failed = await post_form(client, "/settings/calendar/caldav", form, htmx=True)
    assert failed.status_code == 422
    error = re.search(r'id="caldav-url-error">(.*?)</p>', failed.text, re.S).group(1)
    assert said in error
    for raw in ("Errno", "HTTPConnectionPool", "Error(", "Traceback"):
        assert raw not in failed.text


async def test_settings_connects_syncs_and_disconnects_caldav(client, admin_url, radicale):
    await sign_up(client)
    radicale.make_calendar("work", "Work")
    wrong = {"url": radicale.url, "username": USER, "password": "nope"}
    refused = await post_form(client, "/settings/calendar/caldav", wrong, htmx=True)
    assert refused.status_code == 422 and "refused this user name and password" in refused.text
    assert "nope" not in refused.text
    right = {**wrong, "password": PASSWORD}
    connected = await post_form(client, "/settings/calendar/caldav", right, htmx=True)
    assert connected.status_code == 200
    assert "Connected." in connected.headers["HX-Trigger"]
    assert "data-caldav-calendar>Work<" in connected.text
    synced = await post_form(client, "/settings/calendar/caldav/sync", htmx=True)
    assert "data-sync-report" in synced.text
    assert fetch(admin_url, "SELECT last_synced_at IS NOT NULL FROM calendar_connection") == [
        (True,)
    ]
    gone = await post_form(client, "/settings/calendar/caldav/disconnect", htmx=True)
    assert "Server address" in gone.text
    assert fetch(admin_url, "SELECT count(*) FROM calendar_connection") == [(0,)]

"""The CalDAV adapter against a real Radicale: listing calendars, writing with ETags, and
incremental changes by sync token."""

import pytest

from crm.calendar.caldav_server import CalDAVServer
from crm.calendar.remote import RemoteAuthError, RemoteConflict, RemoteObject
from tests.radicale import PASSWORD, USER, RadicaleServer


def ics(uid: str, summary: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270105T090000Z\r\n"
        f"DTEND:20270105T100000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


async def test_lists_the_accounts_calendars(radicale: RadicaleServer) -> None:
    url = radicale.make_calendar("work", "Work")
    server = CalDAVServer(radicale.url, USER, PASSWORD)
    [calendar] = await server.calendars()
    assert (calendar.url, calendar.name) == (url, "Work")


async def test_a_wrong_password_is_an_auth_error(radicale: RadicaleServer) -> None:
    with pytest.raises(RemoteAuthError):
        await CalDAVServer(radicale.url, USER, "not the password").calendars()


async def test_changes_since_a_sync_token(radicale: RadicaleServer) -> None:
    url = radicale.make_calendar("work")
    server = CalDAVServer(radicale.url, USER, PASSWORD)
    first = await server.write(f"{url}a.ics", ics("a", "First"), etag=None)
    everything = await server.changes(url, sync_token=None, known={})
    assert everything.complete
    assert [(o.href, o.etag) for o in everything.changed] == [(f"{url}a.ics", first)]
    assert "SUMMARY:First" in everything.changed[0].text

    second = await server.write(f"{url}a.ics", ics("a", "Second"), etag=first)
    await server.write(f"{url}b.ics", ics("b", "Other"), etag=None)
    since = await server.changes(url, sync_token=everything.sync_token, known={})
    assert not since.complete
    assert {o.href: o.etag for o in since.changed}[f"{url}a.ics"] == second
    assert {o.href for o in since.changed} == {f"{url}a.ics", f"{url}b.ics"}

    await server.delete(url, f"{url}b.ics", etag=None)
    after = await server.changes(url, sync_token=since.sync_token, known={})
    assert (after.changed, after.deleted) == ([], [f"{url}b.ics"])


async def test_an_unknown_token_lists_everything_except_what_is_known(
    radicale: RadicaleServer,
) -> None:
    url = radicale.make_calendar("work")
    server = CalDAVServer(radicale.url, USER, PASSWORD)
    etag = await server.write(f"{url}a.ics", ics("a", "Same"), etag=None)
    await server.write(f"{url}b.ics", ics("b", "New"), etag=None)
    found = await server.changes(
        url,
        sync_token="http://radicale.org/ns/sync/unknown",
        known={f"{url}a.ics": RemoteObject(f"{url}a.ics", etag, "")},
    )
    assert found.complete
    assert [o.href for o in found.changed] == [f"{url}b.ics"]


async def test_a_stale_etag_is_a_conflict(radicale: RadicaleServer) -> None:
    url = radicale.make_calendar("work")
    server = CalDAVServer(radicale.url, USER, PASSWORD)
    etag = await server.write(f"{url}a.ics", ics("a", "One"), etag=None)
    await server.write(f"{url}a.ics", ics("a", "Two"), etag=etag)
    with pytest.raises(RemoteConflict):
        await server.write(f"{url}a.ics", ics("a", "Three"), etag=etag)
    with pytest.raises(RemoteConflict):
        await server.delete(url, f"{url}a.ics", etag=etag)
    with pytest.raises(RemoteConflict):
        await server.write(f"{url}a.ics", ics("a", "Again"), etag=None)


async def test_a_full_listing_reports_what_is_gone(radicale: RadicaleServer) -> None:
    url = radicale.make_calendar("work")
    server = CalDAVServer(radicale.url, USER, PASSWORD)
    etag = await server.write(f"{url}a.ics", ics("a", "Kept"), etag=None)
    known = {
        f"{url}a.ics": RemoteObject(f"{url}a.ics", etag, ""),
        f"{url}gone.ics": RemoteObject(f"{url}gone.ics", '"old"', ""),
    }
    found = await server.changes(url, sync_token=None, known=known)
    assert (found.changed, found.deleted) == ([], [f"{url}gone.ics"])

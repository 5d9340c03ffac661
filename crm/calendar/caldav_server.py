"""CalDAV servers (Nextcloud, iCloud, Fastmail, Radicale...) through the `caldav` library,
which is synchronous: every call runs in a worker thread so the event loop never blocks."""

import asyncio
from collections.abc import Callable
from typing import TypeVar

import caldav
from caldav.elements import dav
from caldav.lib import error

from crm.calendar.remote import (
    RemoteAuthError,
    RemoteCalendar,
    RemoteChanges,
    RemoteConflict,
    RemoteError,
    RemoteObject,
)

T = TypeVar("T")
TIMEOUT_SECONDS = 30
ICS_HEADERS = {"Content-Type": "text/calendar; charset=utf-8"}


class CalDAVServer:
    """One CalDAV account: its URL, user name and password."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self._client = caldav.DAVClient(
            url=url, username=username, password=password, timeout=TIMEOUT_SECONDS
        )

    async def calendars(self) -> list[RemoteCalendar]:
        return await _run(self._calendars)

    async def changes(
        self, calendar_url: str, *, sync_token: str | None, known: dict[str, str]
    ) -> RemoteChanges:
        return await _run(lambda: self._changes(calendar_url, sync_token, known))

    async def put(self, href: str, ics: str, *, etag: str | None) -> str:
        return await _run(lambda: self._put(href, ics, etag))

    async def delete(self, href: str, *, etag: str | None) -> None:
        await _run(lambda: self._delete(href, etag))

    def _calendars(self) -> list[RemoteCalendar]:
        found = []
        for calendar in self._client.principal().get_calendars():
            if "VEVENT" not in calendar.get_supported_components():
                continue
            url = str(calendar.url)
            found.append(RemoteCalendar(url, calendar.get_display_name() or url))
        return found

    def _changes(
        self, calendar_url: str, sync_token: str | None, known: dict[str, str]
    ) -> RemoteChanges:
        calendar = self._client.calendar(url=calendar_url)
        result = calendar.get_objects_by_sync_token(sync_token=sync_token, load_objects=True)
        deleted = {str(url) for url in result.deleted_urls}
        listed, changed = set(), []
        for item in result.objects:
            href = str(item.url)
            etag = item.props.get(dav.GetEtag.tag)
            if href in deleted or not item.data or etag is None:
                continue
            listed.add(href)
            if known.get(href) == etag:
                continue  # our own write, or (without sync tokens) an unchanged object
            changed.append(RemoteObject(href, etag, item.data))
        token = str(result.sync_token) if result.sync_token else None
        # No token asked, or one the server no longer knows (the library then lists everything
        # under a made-up "fake-" token): the answer is the whole calendar, so what we know
        # and it does not list is gone.
        complete = sync_token is None or (token or "").startswith("fake-")
        if complete:
            deleted |= set(known) - listed
        return RemoteChanges(changed, sorted(deleted), token, complete)

    def _put(self, href: str, ics: str, etag: str | None) -> str:
        condition = {"If-None-Match": "*"} if etag is None else {"If-Match": etag}
        response = self._client.put(href, ics, {**ICS_HEADERS, **condition})
        if response.status == 412:
            raise RemoteConflict(f"{href} changed on the server")
        if response.status not in (200, 201, 204):
            raise RemoteError(f"the server answered {response.status} to saving {href}")
        new_etag = response.headers.get("ETag")
        return new_etag or self._etag(href)

    def _etag(self, href: str) -> str:
        # Some servers answer a PUT without an ETag (they changed the object on the way in).
        etag = self._client.request(href, "GET").headers.get("ETag")
        if etag is None:
            raise RemoteError(f"the server gave no ETag for {href}")
        return str(etag)

    def _delete(self, href: str, etag: str | None) -> None:
        response = self._client.delete(href, {"If-Match": etag} if etag else None)
        if response.status == 412:
            raise RemoteConflict(f"{href} changed on the server")
        if response.status not in (200, 204, 404):
            raise RemoteError(f"the server answered {response.status} to deleting {href}")


async def _run(call: Callable[[], T]) -> T:
    """Run a blocking caldav call in a thread, its failures as RemoteError."""
    try:
        return await asyncio.to_thread(call)
    except error.AuthorizationError as exc:
        raise RemoteAuthError("the server refused the user name or password") from exc
    except RemoteError:
        raise
    except Exception as exc:
        # The library raises its own errors and its HTTP backend's, of many kinds.
        raise RemoteError(f"the calendar server failed: {exc}") from exc

"""CalDAV servers (Nextcloud, iCloud, Fastmail, Radicale...) through the `caldav` library,
which is synchronous: every call runs in a worker thread so the event loop never blocks."""

import asyncio
from collections.abc import Callable, Mapping
from typing import TypeVar
from urllib.parse import urljoin

import structlog

from crm.calendar import ics
from crm.calendar.remote import (
    RemoteAuthError,
    RemoteCalendar,
    RemoteChanges,
    RemoteConflict,
    RemoteError,
    RemoteObject,
)
from crm.models import CalendarEvent

log = structlog.get_logger()
T = TypeVar("T")
TIMEOUT_SECONDS = 30
ICS_HEADERS = {"Content-Type": "text/calendar; charset=utf-8"}
ETAGS_PROPFIND = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>'
)


class CalDAVServer:
    """One CalDAV account: its URL, user name and password."""

    source = "caldav"

    def __init__(self, url: str, username: str, password: str) -> None:
        # Imported here, where CalDAV is first used: caldav (and the requests it pulls in) cost
        # about half a second of the web app's start-up otherwise.
        import caldav

        self._client = caldav.DAVClient(
            url=url, username=username, password=password, timeout=TIMEOUT_SECONDS
        )

    async def calendars(self) -> list[RemoteCalendar]:
        return await _run(self._calendars)

    async def changes(
        self, calendar_url: str, *, sync_token: str | None, known: Mapping[str, RemoteObject]
    ) -> RemoteChanges:
        etags = {href: obj.etag for href, obj in known.items()}
        return await _run(lambda: self._changes(calendar_url, sync_token, etags))

    def read(self, obj: RemoteObject, *, default_zone: str) -> ics.ParsedEvent | None:
        parsed = ics.parse(obj.text, default_zone=default_zone).events
        return parsed[0] if len(parsed) == 1 else None  # a to-do or a journal entry

    async def put(
        self, calendar_url: str, event: "CalendarEvent", *, previous: RemoteObject | None
    ) -> RemoteObject:
        href = previous.href if previous else f"{calendar_url}{event.id}.ics"
        text = ics.object_text(event, previous=previous.text if previous else None).decode()
        return RemoteObject(
            href, await self.write(href, text, etag=previous.etag if previous else None), text
        )

    async def write(self, href: str, text: str, *, etag: str | None) -> str:
        """Write an object's iCalendar text (create when `etag` is None, else only over that
        version) and answer its new ETag; RemoteConflict when the server's version differs."""
        return await _run(lambda: self._put(href, text, etag))

    async def delete(self, calendar_url: str, href: str, *, etag: str | None) -> None:
        await _run(lambda: self._delete(href, etag))

    def _calendars(self) -> list[RemoteCalendar]:
        found = []
        for calendar in self._client.principal().calendars():
            if "VEVENT" not in calendar.get_supported_components():
                continue
            url = str(calendar.url)
            found.append(RemoteCalendar(url, calendar.get_display_name() or url))
        return found

    def _changes(
        self, calendar_url: str, sync_token: str | None, known: dict[str, str]
    ) -> RemoteChanges:
        from caldav.elements import dav
        from caldav.lib import error

        calendar = self._client.calendar(url=calendar_url)
        try:
            result = calendar.objects_by_sync_token(sync_token=sync_token, load_objects=False)
        except error.DAVError:
            # A token the server no longer knows, or a server without sync tokens: compare
            # every object's ETag with the ones we know instead.
            return self._by_etags(calendar_url, known)
        listed: dict[str, str] = {}
        deleted: set[str] = set()
        for item in result.objects:
            etag = item.props.get(dav.GetEtag.tag)
            if etag is None:
                deleted.add(str(item.url))  # listed with 404: removed since the token
            else:
                listed[str(item.url)] = str(etag)
        if sync_token is None:
            deleted |= set(known) - set(listed)
        token = str(result.sync_token) if result.sync_token else None
        return RemoteChanges(
            self._load(listed, known), sorted(deleted), token, complete=sync_token is None
        )

    def _by_etags(self, calendar_url: str, known: dict[str, str]) -> RemoteChanges:
        from caldav.elements import dav

        response = self._client.propfind(calendar_url, props=ETAGS_PROPFIND, depth=1)
        listed = {
            urljoin(calendar_url, path): str(props[dav.GetEtag.tag])
            for path, props in response.expand_simple_props([dav.GetEtag()]).items()
            if props.get(dav.GetEtag.tag) and not path.endswith("/")  # not the calendar itself
        }
        deleted = sorted(set(known) - set(listed))
        return RemoteChanges(self._load(listed, known), deleted, None, complete=True)

    def _load(self, listed: dict[str, str], known: dict[str, str]) -> list[RemoteObject]:
        """The objects whose ETag is not the one we know (ours, or unchanged, are skipped)."""
        changed = []
        for href, etag in sorted(listed.items()):
            if known.get(href) == etag:
                continue
            response = self._client.request(href, "GET")
            if response.status == 404:
                continue  # deleted meanwhile; the next sync says so
            if response.status != 200:
                raise RemoteError(f"the server answered {response.status} to reading {href}")
            text = response.raw if isinstance(response.raw, str) else response.raw.decode()
            changed.append(RemoteObject(href, response.headers.get("ETag") or etag, text))
        return changed

    def _put(self, href: str, text: str, etag: str | None) -> str:
        condition = {"If-None-Match": "*"} if etag is None else {"If-Match": etag}
        response = self._client.put(href, text, {**ICS_HEADERS, **condition})
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
        response = self._client.request(href, "DELETE", "", {"If-Match": etag} if etag else {})
        if response.status == 412:
            raise RemoteConflict(f"{href} changed on the server")
        if response.status not in (200, 204, 404):
            raise RemoteError(f"the server answered {response.status} to deleting {href}")


async def _run(call: Callable[[], T]) -> T:
    """Run a blocking caldav call in a thread, its failures as RemoteError in words (the
    library's and its HTTP backend's exception texts are for logs, not for people)."""
    from caldav.lib import error  # loaded by the client already (start-up cost, see above)

    try:
        return await asyncio.to_thread(call)
    except error.AuthorizationError as exc:
        raise RemoteAuthError("the server refused the user name or password") from exc
    except RemoteError:
        raise
    except Exception as exc:
        raise RemoteError(_in_words(exc)) from exc


def _in_words(exc: Exception) -> str:
    """What a failed call to the server means for the user, and what to check."""
    import requests  # loaded by the client already (start-up cost, see above)
    from caldav.lib import error

    if isinstance(exc, requests.exceptions.SSLError):
        return "the server's certificate could not be verified (check the address)"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"the server did not answer within {TIMEOUT_SECONDS} seconds; try again later"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "the server could not be reached: check the address and that the server is up"
    if isinstance(exc, error.NotFoundError):
        return "no calendar service was found at this address"
    if isinstance(exc, error.DAVError | requests.exceptions.RequestException):
        return "the server did not answer as a CalDAV server does (check the address)"
    log.warning("caldav_failed", error_type=type(exc).__name__, exc_info=exc)
    return "the calendar server failed in an unexpected way; try again later"

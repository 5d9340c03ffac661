"""The Google Calendar of a Google account as a `CalendarServer` for the one sync engine
(crm/calendar/sync.py), over Calendar API v3.

- Changes come from `events.list`: the first time every event (pages of MAX_RESULTS, 2,500 as
  Google allows), then with the `syncToken` of the last page's `nextSyncToken`; deleted events
  come as `status: cancelled`. A 410 (fullSyncRequired) starts a full listing again
  (`resynced`): known events are matched by id, so nothing is duplicated or deleted for it.
- Exceptions of a recurring event are events of their own (`recurringEventId`,
  `originalStartTime`): the engine's object is the whole series, read as its master and its
  instances in a window (moved or retitled ones become overrides, cancelled ones exdates).
- The CRM's events carry `extendedProperties.private.crmUid` (their UID), so they are
  recognised and never imported back as copies, and are inserted under an id derived from the
  event's own (a repeated insert answers 409 instead of making a copy). Updates and deletions
  send If-Match with the event's etag.
- The Meet link (`hangoutLink`, or the conference's video entry point) is the meeting_url.
"""

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from crm.calendar.parsed import LOCATION_LIMIT, TITLE_LIMIT, ParsedEvent, UnreadableCalendar
from crm.calendar.recurrence import Override, Series
from crm.calendar.remote import (
    RemoteCalendar,
    RemoteChanges,
    RemoteConflict,
    RemoteError,
    RemoteObject,
    Watch,
    window,
)
from crm.integrations.google.api import CALENDAR, GoogleAPI
from crm.integrations.http import ServiceError
from crm.models import CalendarEvent

TAG = "crmUid"
MAX_RESULTS = 2500
MAX_PAGES = 400
CHANNEL_LIFE = timedelta(days=7)


class GoogleCalendar:
    """One account's Google calendars, as the user whose access token it sends."""

    source = "google"

    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str) -> None:
        self.rest = GoogleAPI(http, base_url, token).rest

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self.rest.request(method, path, **kwargs)
        except ServiceError as exc:
            if exc.status == 412 or exc.code == "duplicate":
                raise RemoteConflict(f"{path} changed in Google Calendar") from exc
            raise RemoteError(exc.sentence) from exc

    @staticmethod
    def _events(calendar_url: str) -> str:
        return f"{CALENDAR}/calendars/{quote(calendar_url, safe='@.')}/events"

    async def _listed(self) -> list[dict[str, Any]]:
        body = (await self._call("GET", f"{CALENDAR}/users/me/calendarList")).json()
        return [c for c in body.get("items", []) if c.get("accessRole") in ("owner", "writer")]

    async def calendars(self) -> list[RemoteCalendar]:
        return [_calendar(c) for c in await self._listed()]

    async def default_calendar(self) -> RemoteCalendar:
        listed = sorted(await self._listed(), key=lambda c: not c.get("primary"))
        if not listed:
            raise RemoteError("the Google account has no calendar the CRM can write to")
        return _calendar(listed[0])

    # Reading ---------------------------------------------------------------------------------
    async def changes(
        self, calendar_url: str, *, sync_token: str | None, known: Mapping[str, RemoteObject]
    ) -> RemoteChanges:
        resynced = False
        try:
            items, token = await self._list(calendar_url, sync_token)
        except ServiceError as exc:
            if sync_token is None or exc.status != 410:
                raise RemoteError(exc.sentence) from exc
            items, token = await self._list(calendar_url, None)
            resynced = True
        singles: dict[str, dict[str, Any]] = {}
        series: set[str] = set()
        deleted: list[str] = []
        for item in items:
            if item.get("recurringEventId"):
                series.add(item["recurringEventId"])
            elif item.get("status") == "cancelled":
                deleted += [item["id"]] if item["id"] in known else []
            elif item.get("recurrence"):
                series.add(item["id"])
            else:
                singles[item["id"]] = item
        changed = [
            RemoteObject(i, item.get("etag") or "", json.dumps({"event": item}))
            for i, item in singles.items()
        ]
        for master_id in sorted(series - set(deleted)):
            obj = await self._series(calendar_url, master_id)
            if obj is None:
                deleted += [master_id] if master_id in known else []
            else:
                changed.append(obj)
        changed = [o for o in changed if o.href not in known or known[o.href].etag != o.etag]
        return RemoteChanges(
            changed,
            sorted(set(deleted)),
            token,
            complete=sync_token is None or resynced,
            resynced=resynced,
        )

    async def _list(
        self, calendar_url: str, token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        params: dict[str, Any] = {"maxResults": MAX_RESULTS}
        if token is not None:
            params["syncToken"] = token
        items: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            body = (
                await self.rest.request("GET", self._events(calendar_url), params=params)
            ).json()
            items += body.get("items") or []
            if body.get("nextPageToken"):
                params = {**params, "pageToken": body["nextPageToken"]}
                continue
            return items, body.get("nextSyncToken")
        raise RemoteError("Google Calendar's list of changes did not end; try again later")

    async def _series(self, calendar_url: str, master_id: str) -> RemoteObject | None:
        path = f"{self._events(calendar_url)}/{quote(master_id, safe='')}"
        try:
            master = (await self.rest.request("GET", path)).json()
        except ServiceError as exc:
            if exc.status in (404, 410):
                return None
            raise RemoteError(exc.sentence) from exc
        if master.get("status") == "cancelled":
            return None
        start, end = window()
        params = {
            "timeMin": start.isoformat(),
            "timeMax": end.isoformat(),
            "showDeleted": "true",
            "maxResults": MAX_RESULTS,
        }
        instances = (await self._call("GET", f"{path}/instances", params=params)).json()
        kept = [
            {k: i.get(k) for k in ("id", "status", "originalStartTime", "start", "end")}
            | {k: i.get(k) for k in ("summary", "location", "etag")}
            for i in instances.get("items") or []
        ]
        marks = [master.get("etag") or ""] + [i["etag"] or "" for i in kept]
        etag = hashlib.sha256("|".join(marks).encode()).hexdigest()[:32]
        return RemoteObject(master_id, etag, json.dumps({"event": master, "instances": kept}))

    def read(self, obj: RemoteObject, *, default_zone: str) -> ParsedEvent | None:
        try:
            data = json.loads(obj.text)
            return parse(data["event"], data.get("instances"), default_zone)
        except (KeyError, TypeError, ValueError) as exc:
            raise UnreadableCalendar(
                f"Google Calendar answered an event the CRM cannot read ({exc})"
            ) from exc

    # Writing ---------------------------------------------------------------------------------
    async def put(
        self, calendar_url: str, event: "CalendarEvent", *, previous: RemoteObject | None
    ) -> RemoteObject:
        body = google_event(event)
        events = self._events(calendar_url)
        params = {}
        has_meet = previous is not None and "hangoutLink" in previous.text
        if event.online_meeting and not has_meet:
            body["conferenceData"] = {
                "createRequest": {
                    "requestId": event.id.hex,
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                }
            }
            params["conferenceDataVersion"] = "1"
        if previous is None:
            body["id"] = event.id.hex  # base32hex-safe: a repeated insert is a 409, not a copy
            written = (await self._call("POST", events, json=body, params=params)).json()
        else:
            before = json.loads(previous.text)["event"]
            headers = {"If-Match": before["etag"]} if before.get("etag") else {}
            written = (
                await self._call(
                    "PATCH",
                    f"{events}/{quote(previous.href, safe='')}",
                    json=body,
                    headers=headers,
                    params=params,
                )
            ).json()
        if not event.rrule:
            return RemoteObject(
                written["id"], written.get("etag") or "", json.dumps({"event": written})
            )
        await self._write_occurrences(calendar_url, written["id"], event)
        found = await self._series(calendar_url, written["id"])
        if found is None:
            raise RemoteError("Google lost the series just written; the next sync tries again")
        return found

    async def _write_occurrences(
        self, calendar_url: str, master_id: str, event: "CalendarEvent"
    ) -> None:
        """Change the occurrences changed alone (skipped ones are EXDATE lines already)."""
        changed = {o.recurrence_id.astimezone(UTC): o for o in Series.of(event).overrides}
        if not changed:
            return
        start, end = window()
        path = f"{self._events(calendar_url)}/{quote(master_id, safe='')}"
        params = {"timeMin": start.isoformat(), "timeMax": end.isoformat()}
        listed = (await self._call("GET", f"{path}/instances", params=params)).json()
        for instance in listed.get("items") or []:
            rid = _instant(instance["originalStartTime"])
            override = changed.get(rid)
            if override is not None and _differs(instance, override):
                await self._call(
                    "PATCH",
                    f"{self._events(calendar_url)}/{quote(instance['id'], safe='')}",
                    json=occurrence_body(override, event),
                )

    async def watch(
        self, calendar_url: str, *, address: str, token: str, current: Watch | None
    ) -> Watch:
        """A Google watch channel on the calendar's events; renewed by a new channel (Google
        cannot extend one), the old one stopped."""
        body = {
            "id": uuid.uuid4().hex,
            "type": "web_hook",
            "address": address,
            "token": token,
            "params": {"ttl": str(int(CHANNEL_LIFE.total_seconds()))},
        }
        made = (await self._call("POST", f"{self._events(calendar_url)}/watch", json=body)).json()
        if current is not None:
            stop = {"id": current.id, "resourceId": current.resource}
            try:
                await self.rest.request("POST", f"{CALENDAR}/channels/stop", json=stop)
            except ServiceError:
                pass  # it lapses by itself
        expires = datetime.fromtimestamp(int(made["expiration"]) / 1000, UTC)
        return Watch(made["id"], made.get("resourceId"), expires)

    async def delete(self, calendar_url: str, href: str, *, etag: str | None) -> None:
        path = f"{self._events(calendar_url)}/{quote(href, safe='')}"
        try:
            await self.rest.request("DELETE", path, headers={"If-Match": etag} if etag else {})
        except ServiceError as exc:
            if exc.status in (404, 410):
                return
            if exc.status == 412:
                raise RemoteConflict(f"{href} changed in Google Calendar") from exc
            raise RemoteError(exc.sentence) from exc


def _calendar(entry: dict[str, Any]) -> RemoteCalendar:
    return RemoteCalendar(
        entry["id"], entry.get("summaryOverride") or entry.get("summary") or entry["id"]
    )


def _instant(value: dict[str, Any], zone: str = "UTC") -> datetime:
    if value.get("date"):
        day = date.fromisoformat(value["date"])
        return datetime.combine(day, datetime.min.time(), ZoneInfo(value.get("timeZone") or zone))
    moment = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(value.get("timeZone") or zone))
    return moment.astimezone(UTC)


def _zone(name: str | None) -> str | None:
    try:
        return ZoneInfo(name).key if name else None
    except (ValueError, KeyError, OSError):
        return None


def parse(
    event: dict[str, Any], instances: list[dict[str, Any]] | None, default_zone: str
) -> ParsedEvent:
    """A Google event (single, or a recurring one with its instances) in the CRM's terms."""
    zone = _zone(event["start"].get("timeZone")) or default_zone
    tz = ZoneInfo(zone)
    all_day = "date" in event["start"]
    if all_day:
        starts_at = datetime.combine(
            date.fromisoformat(event["start"]["date"]), datetime.min.time(), tz
        )
        ends_at = datetime.combine(
            date.fromisoformat(event["end"]["date"]), datetime.min.time(), tz
        )
    else:
        starts_at, ends_at = _instant(event["start"], zone), _instant(event["end"], zone)
    tag = ((event.get("extendedProperties") or {}).get("private") or {}).get(TAG)
    video = [
        e.get("uri")
        for e in (event.get("conferenceData") or {}).get("entryPoints") or []
        if e.get("entryPointType") == "video"
    ]
    parsed = ParsedEvent(
        uid=tag or event.get("iCalUID") or event["id"],
        title=(event.get("summary") or "").strip()[:TITLE_LIMIT] or "(no title)",
        starts_at=starts_at,
        ends_at=max(ends_at, starts_at),
        all_day=all_day,
        time_zone=zone,
        description=(event.get("description") or "").strip() or None,
        location=(event.get("location") or "").strip()[:LOCATION_LIMIT] or None,
        meeting_url=event.get("hangoutLink") or (video[0] if video else None),
        attendees=[a["email"] for a in event.get("attendees") or [] if a.get("email")],
        last_modified=_instant({"dateTime": event["updated"]}) if event.get("updated") else None,
        ours=tag is not None,
    )
    organizer = event.get("organizer") or {}
    if organizer and not organizer.get("self"):  # an invitation: read-only in the CRM
        me = [a for a in event.get("attendees") or [] if a.get("self")]
        answer = me[0].get("responseStatus") if me else None
        parsed.organizer = organizer.get("email") or "The organizer"
        parsed.response = answer if answer in ("accepted", "tentative", "declined") else "none"
    lines = event.get("recurrence") or []
    rules = [line.removeprefix("RRULE:") for line in lines if line.startswith("RRULE:")]
    if rules:
        parsed.rrule = rules[0]
        parsed.exdates = _exdates(lines, tz)
        _exceptions(parsed, instances or [])
    return parsed


def _exdates(lines: list[str], tz: ZoneInfo) -> list[datetime]:
    found = []
    for line in lines:
        if not line.startswith("EXDATE"):
            continue
        head, _, values = line.partition(":")
        zone = ZoneInfo(head.split("TZID=")[1]) if "TZID=" in head else tz
        for value in values.split(","):
            if value.endswith("Z"):
                found.append(datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC))
            elif "T" in value:
                found.append(datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=zone))
            else:
                found.append(datetime.strptime(value, "%Y%m%d").replace(tzinfo=zone))
    return found


def _exceptions(parsed: ParsedEvent, instances: list[dict[str, Any]]) -> None:
    """Overrides for the occurrences changed alone; exdates for the cancelled ones."""
    skipped = {d.astimezone(UTC) for d in parsed.exdates}
    for instance in instances:
        rid = _instant(instance["originalStartTime"], parsed.time_zone)
        if instance.get("status") == "cancelled":
            if rid not in skipped:
                parsed.exdates.append(rid)
            continue
        start, end = (
            _instant(instance["start"], parsed.time_zone),
            _instant(instance["end"], parsed.time_zone),
        )
        title = (instance.get("summary") or parsed.title)[:TITLE_LIMIT]
        location = (instance.get("location") or "").strip() or None
        if (
            start != rid
            or title != parsed.title
            or location != parsed.location
            or end - start != parsed.ends_at - parsed.starts_at
        ):
            parsed.overrides.append(Override(rid, start, end, title, location))


def _when(moment: datetime, event: "CalendarEvent") -> dict[str, str]:
    local = moment.astimezone(ZoneInfo(event.time_zone))
    if event.all_day:
        return {"date": local.date().isoformat()}
    return {"dateTime": local.isoformat(), "timeZone": event.time_zone}


def google_event(event: "CalendarEvent") -> dict[str, Any]:
    """The event's fields as Google takes them (what the CRM models; Google keeps the rest)."""
    body: dict[str, Any] = {
        "summary": event.title,
        "description": event.description or "",
        "location": event.location or "",
        "start": _when(event.starts_at, event),
        "end": _when(event.ends_at, event),
        "attendees": [{"email": a} for a in event.attendees or []],
        "extendedProperties": {"private": {TAG: event.uid}},
    }
    if event.rrule:
        zone = ZoneInfo(event.time_zone)
        lines = [f"RRULE:{event.rrule}"]
        for skipped in event.exdates or []:
            local = skipped.astimezone(zone)
            value = (
                f"VALUE=DATE:{local:%Y%m%d}"
                if event.all_day
                else f"TZID={zone.key}:{local:%Y%m%dT%H%M%S}"
            )
            lines.append(f"EXDATE;{value}")
        body["recurrence"] = lines
    else:
        body["recurrence"] = []
    return body


def occurrence_body(override: Override, event: "CalendarEvent") -> dict[str, Any]:
    return {
        "summary": override.title,
        "start": _when(override.start, event),
        "end": _when(override.end, event),
        "location": override.location or "",
    }


def _differs(instance: dict[str, Any], override: Override) -> bool:
    return (
        _instant(instance["start"]) != override.start.astimezone(UTC)
        or _instant(instance["end"]) != override.end.astimezone(UTC)
        or (instance.get("summary") or "") != override.title
        or ((instance.get("location") or "") or None) != override.location
    )

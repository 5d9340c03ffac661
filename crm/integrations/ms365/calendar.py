"""The Outlook calendar of a Microsoft 365 account as a `CalendarServer` for the one sync
engine (crm/calendar/sync.py), over Microsoft Graph.

- Changes come from `calendarView/delta` within a window of time (`crm.calendar.remote.window`:
  180 days back to 540 ahead), page by page (`Prefer: odata.maxpagesize`), ending in a deltaLink
  that is the sync token. A 410 or `syncStateNotFound` starts a full round again (`resynced`):
  known objects are matched by id, so nothing is duplicated, and nothing is deleted for it.
- calendarView lists occurrences, not series: a changed occurrence or exception makes the
  engine's object its series master, read with its instances in the window (exceptions become
  overrides, occurrences the rule makes but Graph no longer lists become exdates).
- Events the CRM writes carry a single-value extended property (TAG) holding their UID, so
  they are recognised (never imported back as copies), and a `transactionId` so a repeated
  create makes one event. Updates and deletions send If-Match with the event's @odata.etag.
- The Teams join link (`onlineMeeting.joinUrl`) is the event's meeting_url.
"""

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from crm.calendar.parsed import LOCATION_LIMIT, TITLE_LIMIT, ParsedEvent, UnreadableCalendar
from crm.calendar.recurrence import Override, Series
from crm.calendar.remote import (
    RemoteCalendar,
    RemoteChanges,
    RemoteConflict,
    RemoteError,
    RemoteObject,
    Unwritable,
    Watch,
    window,
)
from crm.integrations.http import ServiceError
from crm.integrations.ms365.graph import Graph, _id
from crm.models import CalendarEvent

TAG = "String {9d4a7c61-2f0b-4c1e-9a55-5e0c1f0d2c3a} Name crm.uid"
PAGE_SIZE = 200
MAX_PAGES = 500  # a hundred thousand events; a delta that pages further is not followed
SUBSCRIPTION_LIFE = timedelta(days=2)  # Graph allows an events subscription under 3 days
UTC_ONLY = 'outlook.timezone="UTC"'
RESYNC_CODES = {"syncstatenotfound", "syncstateinvalid", "resyncrequired", "fullsyncrequired"}
RESPONSES = {"accepted": "accepted", "tentativelyAccepted": "tentative", "declined": "declined"}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class GraphCalendar:
    """One account's Outlook calendars, as the user whose access token it sends."""

    source = "ms365"

    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str) -> None:
        self.rest = Graph(http, base_url, token).rest

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self.rest.request(method, path, **kwargs)
        except ServiceError as exc:
            if exc.status == 412:
                raise RemoteConflict(f"{path} changed in Outlook") from exc
            raise RemoteError(exc.sentence) from exc

    async def calendars(self) -> list[RemoteCalendar]:
        body = (await self._call("GET", "/me/calendars")).json()
        return [
            RemoteCalendar(c["id"], c.get("name") or "Calendar")
            for c in body.get("value", [])
            if c.get("canEdit", True)
        ]

    async def default_calendar(self) -> RemoteCalendar:
        found = (await self._call("GET", "/me/calendar")).json()
        return RemoteCalendar(found["id"], found.get("name") or "Calendar")

    # Reading ---------------------------------------------------------------------------------
    async def changes(
        self, calendar_url: str, *, sync_token: str | None, known: Mapping[str, RemoteObject]
    ) -> RemoteChanges:
        resynced = False
        try:
            items, token = await self._delta(calendar_url, sync_token)
        except ServiceError as exc:
            if sync_token is None or not _forgotten(exc):
                raise RemoteError(exc.sentence) from exc
            items, token = await self._delta(calendar_url, None)
            resynced = True
        series_of = {i: href for href, obj in known.items() for i in _instance_ids(obj)}
        singles: dict[str, dict[str, Any]] = {}
        series: set[str] = set()
        deleted: list[str] = []
        for item in items:
            item_id = item["id"]
            if "@removed" in item:
                if item_id in series_of:
                    series.add(series_of[item_id])  # an occurrence cancelled, or the series
                elif item_id in known:
                    deleted.append(item_id)
                continue
            kind = item.get("type")
            if kind in ("occurrence", "exception"):
                series.add(item["seriesMasterId"])
            elif kind == "seriesMaster":
                series.add(item_id)
            else:
                singles[item_id] = item
        changed = [
            RemoteObject(i, item.get("changeKey") or "", json.dumps({"event": item}))
            for i, item in singles.items()
        ]
        for master_id in sorted(series):
            obj = await self._series(master_id)
            if obj is None:
                deleted += [master_id] if master_id in known else []
            else:
                changed.append(obj)
        changed = [
            o for o in changed if known.get(o.href, None) is None or known[o.href].etag != o.etag
        ]
        await self._mark_ours(calendar_url, [o for o in changed if o.href not in known], changed)
        return RemoteChanges(
            changed,
            sorted(set(deleted)),
            token,
            complete=sync_token is None or resynced,
            resynced=resynced,
        )

    async def _delta(
        self, calendar_url: str, token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Every page of a delta round: its items and the deltaLink of its last page."""
        headers = {"Prefer": f"odata.maxpagesize={PAGE_SIZE}, {UTC_ONLY}"}
        if token is None:
            start, end = window()
            path: str = f"/me/calendars/{_id(calendar_url)}/calendarView/delta"
            params: dict[str, str] | None = {
                "startDateTime": start.isoformat(),
                "endDateTime": end.isoformat(),
            }
        else:
            path, params = token, None
        items: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            body = (await self.rest.request("GET", path, params=params, headers=headers)).json()
            items += body.get("value") or []
            if "@odata.nextLink" in body:
                path, params = body["@odata.nextLink"], None
                continue
            return items, body.get("@odata.deltaLink")
        raise RemoteError("Outlook's list of changes did not end; try again later")

    async def _series(self, master_id: str) -> RemoteObject | None:
        """A series master with its instances in the window; None when it is gone."""
        try:
            master = (
                await self.rest.request(
                    "GET",
                    f"/me/events/{_id(master_id)}",
                    params={"$expand": f"singleValueExtendedProperties($filter=id eq '{TAG}')"},
                    headers={"Prefer": UTC_ONLY},
                )
            ).json()
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise RemoteError(exc.sentence) from exc
        start, end = window()
        instances = await self._all(
            f"/me/events/{_id(master_id)}/instances",
            {"startDateTime": start.isoformat(), "endDateTime": end.isoformat()},
        )
        kept = [
            {k: i.get(k) for k in ("id", "type", "originalStart", "start", "end", "subject")}
            | {"location": i.get("location"), "changeKey": i.get("changeKey")}
            for i in instances
        ]
        marks = [master.get("changeKey") or ""] + [i["changeKey"] or "" for i in kept]
        etag = hashlib.sha256("|".join(marks).encode()).hexdigest()[:32]
        text = json.dumps(
            {"event": master, "instances": kept, "window": [start.isoformat(), end.isoformat()]}
        )
        return RemoteObject(master_id, etag, text)

    async def _all(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        headers = {"Prefer": f"odata.maxpagesize={PAGE_SIZE}, {UTC_ONLY}"}
        items: list[dict[str, Any]] = []
        request: tuple[str, dict[str, str] | None] = (path, params)
        for _ in range(MAX_PAGES):
            body = (await self._call("GET", request[0], params=request[1], headers=headers)).json()
            items += body.get("value") or []
            if "@odata.nextLink" not in body:
                break
            request = (body["@odata.nextLink"], None)
        return items

    async def _mark_ours(
        self, calendar_url: str, unknown: list[RemoteObject], changed: list[RemoteObject]
    ) -> None:
        """Put the CRM's tag into the text of objects met for the first time that carry it
        (one filtered listing, only when there are such objects)."""
        if not unknown:
            return
        tagged = await self._all(
            f"/me/calendars/{_id(calendar_url)}/events",
            {
                "$filter": "singleValueExtendedProperties/Any"
                f"(ep: ep/id eq '{TAG}' and ep/value ne null)",
                "$expand": f"singleValueExtendedProperties($filter=id eq '{TAG}')",
                "$select": "id",
            },
        )
        tags = {t["id"]: _tag(t) for t in tagged}
        for index, obj in enumerate(changed):
            if tags.get(obj.href):
                data = json.loads(obj.text)
                data["event"]["singleValueExtendedProperties"] = [
                    {"id": TAG, "value": tags[obj.href]}
                ]
                changed[index] = RemoteObject(obj.href, obj.etag, json.dumps(data))

    def read(self, obj: RemoteObject, *, default_zone: str) -> ParsedEvent | None:
        try:
            data = json.loads(obj.text)
            return parse(data["event"], data.get("instances"), default_zone)
        except (KeyError, TypeError, ValueError) as exc:
            raise UnreadableCalendar(
                f"Outlook answered an event the CRM cannot read ({exc})"
            ) from exc

    # Writing ---------------------------------------------------------------------------------
    async def put(
        self, calendar_url: str, event: "CalendarEvent", *, previous: RemoteObject | None
    ) -> RemoteObject:
        body = graph_event(event)
        if previous is None:
            body["transactionId"] = str(event.id)
            body["singleValueExtendedProperties"] = [{"id": TAG, "value": event.uid}]
            created = await self._call(
                "POST",
                f"/me/calendars/{_id(calendar_url)}/events",
                json=body,
                headers={"Prefer": UTC_ONLY},
            )
            written = created.json()
        else:
            before = json.loads(previous.text)["event"]
            headers = {"Prefer": UTC_ONLY, "If-Match": before.get("@odata.etag") or "*"}
            if not event.rrule and before.get("recurrence"):
                body["recurrence"] = None
            written = (
                await self._call(
                    "PATCH", f"/me/events/{_id(previous.href)}", json=body, headers=headers
                )
            ).json()
        if not event.rrule:
            written["singleValueExtendedProperties"] = [{"id": TAG, "value": event.uid}]
            return RemoteObject(
                written["id"], written.get("changeKey") or "", json.dumps({"event": written})
            )
        await self._write_occurrences(written["id"], event)
        found = await self._series(written["id"])
        if found is None:
            raise RemoteError("Outlook lost the series just written; the next sync tries again")
        return found

    async def _write_occurrences(self, master_id: str, event: "CalendarEvent") -> None:
        """Cancel the series' skipped occurrences and change those changed alone."""
        series = Series.of(event)
        skipped = {d.astimezone(UTC) for d in series.exdates}
        changed = {o.recurrence_id.astimezone(UTC): o for o in series.overrides}
        if not skipped and not changed:
            return
        start, end = window()
        for instance in await self._all(
            f"/me/events/{_id(master_id)}/instances",
            {"startDateTime": start.isoformat(), "endDateTime": end.isoformat()},
        ):
            rid = _instant(instance["originalStart"])
            if rid in skipped:
                await self._call("DELETE", f"/me/events/{_id(instance['id'])}")
            elif rid in changed and _differs(instance, changed[rid]):
                await self._call(
                    "PATCH",
                    f"/me/events/{_id(instance['id'])}",
                    json=occurrence_body(changed[rid], event),
                )

    async def watch(
        self, calendar_url: str, *, address: str, token: str, current: Watch | None
    ) -> Watch:
        """A Graph subscription to the calendar's events (created, updated, deleted), renewed
        by PATCH while it lives; Graph checks `address` with a validation token first."""
        expires = datetime.now(UTC) + SUBSCRIPTION_LIFE
        stamp = expires.isoformat().replace("+00:00", "Z")
        if current is not None:
            try:
                await self.rest.request(
                    "PATCH", f"/subscriptions/{_id(current.id)}", json={"expirationDateTime": stamp}
                )
                return Watch(current.id, None, expires)
            except ServiceError as exc:
                if exc.status != 404:
                    raise RemoteError(exc.sentence) from exc
        body = {
            "changeType": "created,updated,deleted",
            "notificationUrl": address,
            "resource": f"me/calendars/{calendar_url}/events",
            "expirationDateTime": stamp,
            "clientState": token,
        }
        made = (await self._call("POST", "/subscriptions", json=body)).json()
        return Watch(made["id"], None, _instant(made["expirationDateTime"]))

    async def delete(self, calendar_url: str, href: str, *, etag: str | None) -> None:
        try:
            await self.rest.request("DELETE", f"/me/events/{_id(href)}")
        except ServiceError as exc:
            if exc.status in (404, 410):
                return
            raise RemoteError(exc.sentence) from exc


def _forgotten(exc: ServiceError) -> bool:
    return exc.status == 410 or (exc.code or "").lower() in RESYNC_CODES


def _instance_ids(obj: RemoteObject) -> list[str]:
    if '"instances"' not in obj.text:
        return []  # a single event (reading thousands of them costs a sync most of its time)
    try:
        return [i["id"] for i in json.loads(obj.text).get("instances") or []]
    except (ValueError, AttributeError):
        return []


def _tag(event: dict[str, Any]) -> str | None:
    for prop in event.get("singleValueExtendedProperties") or []:
        if prop.get("id", "").lower() == TAG.lower():
            return prop.get("value")
    return None


def _instant(value: str | dict[str, Any]) -> datetime:
    """Graph's DateTimeOffset, or a dateTimeTimeZone read in UTC (asked with UTC_ONLY)."""
    if isinstance(value, dict):
        zone = _zone_name(value.get("timeZone")) or "UTC"
        text = re.sub(r"(\.\d{6})\d+", r"\1", value["dateTime"])
        moment = datetime.fromisoformat(text)
        return (
            moment.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
            if moment.tzinfo is None
            else moment.astimezone(UTC)
        )
    return datetime.fromisoformat(
        re.sub(r"(\.\d{6})\d+", r"\1", value).replace("Z", "+00:00")
    ).astimezone(UTC)


def _zone_name(name: str | None) -> str | None:
    """An IANA zone of Graph's zone name (Windows names are mapped), or None."""
    if not name:
        return None
    if name in ("UTC", "tzone://Microsoft/Utc"):
        return "UTC"
    candidate = WINDOWS_TO_OLSON.get(name, name)
    try:
        ZoneInfo(candidate)
    except (ValueError, KeyError, OSError):
        return None
    return candidate


def parse(
    event: dict[str, Any], instances: list[dict[str, Any]] | None, default_zone: str
) -> ParsedEvent:
    """A Graph event (a single one, or a series master with its instances) in the CRM's terms."""
    zone = _zone_name(event.get("originalStartTimeZone")) or default_zone
    tz = ZoneInfo(zone)
    all_day = bool(event.get("isAllDay"))
    if all_day:
        day = date.fromisoformat(event["start"]["dateTime"][:10])
        last = date.fromisoformat(event["end"]["dateTime"][:10])
        starts_at = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        ends_at = datetime.combine(
            max(last, day + timedelta(days=1)), datetime.min.time(), tzinfo=tz
        )
    else:
        starts_at, ends_at = _instant(event["start"]), _instant(event["end"])
    tag = _tag(event)
    body = event.get("body") or {}
    text = body.get("content") or ""
    if body.get("contentType") == "html":
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
    location = ((event.get("location") or {}).get("displayName") or "").strip()
    parsed = ParsedEvent(
        uid=tag or event.get("iCalUId") or event["id"],
        title=(event.get("subject") or "").strip()[:TITLE_LIMIT] or "(no title)",
        starts_at=starts_at,
        ends_at=max(ends_at, starts_at),
        all_day=all_day,
        time_zone=zone,
        description=text.strip() or None,
        location=location[:LOCATION_LIMIT] or None,
        meeting_url=((event.get("onlineMeeting") or {}).get("joinUrl")) or None,
        attendees=[
            a["emailAddress"]["address"]
            for a in event.get("attendees") or []
            if (a.get("emailAddress") or {}).get("address")
        ],
        last_modified=_instant(event["lastModifiedDateTime"])
        if event.get("lastModifiedDateTime")
        else None,
        ours=tag is not None,
    )
    if event.get("isOrganizer") is False:  # an invitation: read-only in the CRM
        organizer = ((event.get("organizer") or {}).get("emailAddress") or {}).get("address")
        answer = (event.get("responseStatus") or {}).get("response") or "none"
        parsed.organizer = organizer or "The organizer"
        parsed.response = RESPONSES.get(answer, "none")
    if event.get("recurrence"):
        parsed.rrule = rrule_of(event["recurrence"], tz)
        _exceptions(parsed, instances or [])
    return parsed


def _exceptions(parsed: ParsedEvent, instances: list[dict[str, Any]]) -> None:
    """Overrides from the exceptions; exdates for the occurrences the rule makes in the window
    that Graph no longer lists (cancelled)."""
    listed = {}
    for instance in instances:
        rid = _instant(instance["originalStart"])
        listed[rid] = instance
        if instance.get("type") == "exception":
            location = ((instance.get("location") or {}).get("displayName") or "").strip()
            parsed.overrides.append(
                Override(
                    rid,
                    _instant(instance["start"]),
                    _instant(instance["end"]),
                    (instance.get("subject") or parsed.title)[:TITLE_LIMIT],
                    location or None,
                )
            )
    if not parsed.rrule:
        return
    start, end = window()
    series = Series(parsed.starts_at, parsed.ends_at, parsed.time_zone, parsed.rrule)
    for made, _ in series.between(max(start, parsed.starts_at), end):
        if made.astimezone(UTC) not in listed and made >= start:
            parsed.exdates.append(made.astimezone(UTC))


def rrule_of(recurrence: dict[str, Any], tz: ZoneInfo) -> str:
    """Graph's patternedRecurrence as an RRULE."""
    pattern, span = recurrence["pattern"], recurrence.get("range") or {}
    kind = pattern["type"]
    parts = []
    days = ",".join(BYDAY[DAYS.index(d)] for d in pattern.get("daysOfWeek") or [])
    if kind == "daily":
        parts.append("FREQ=DAILY")
    elif kind == "weekly":
        parts += ["FREQ=WEEKLY"] + ([f"BYDAY={days}"] if days else [])
    elif kind == "absoluteMonthly":
        parts += ["FREQ=MONTHLY", f"BYMONTHDAY={pattern['dayOfMonth']}"]
    elif kind == "relativeMonthly":
        parts += ["FREQ=MONTHLY", f"BYDAY={days}", f"BYSETPOS={_index(pattern)}"]
    elif kind == "absoluteYearly":
        parts += [
            "FREQ=YEARLY",
            f"BYMONTH={pattern['month']}",
            f"BYMONTHDAY={pattern['dayOfMonth']}",
        ]
    elif kind == "relativeYearly":
        parts += [
            "FREQ=YEARLY",
            f"BYMONTH={pattern['month']}",
            f"BYDAY={days}",
            f"BYSETPOS={_index(pattern)}",
        ]
    else:
        raise ValueError(f"a recurrence of type {kind}")
    if pattern.get("interval", 1) > 1:
        parts.append(f"INTERVAL={pattern['interval']}")
    if span.get("type") == "numbered":
        parts.append(f"COUNT={span['numberOfOccurrences']}")
    elif span.get("type") == "endDate":
        until = datetime.combine(
            date.fromisoformat(span["endDate"]), datetime.max.time(), tzinfo=tz
        )
        parts.append(f"UNTIL={until.astimezone(UTC):%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


INDEXES = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


def _index(pattern: dict[str, Any]) -> int:
    return INDEXES[pattern.get("index") or "first"]


def recurrence_of(event: "CalendarEvent") -> dict[str, Any]:
    """The event's RRULE as Graph's patternedRecurrence; Unwritable for what Graph cannot say."""
    assert event.rrule is not None
    parts = dict(p.split("=", 1) for p in event.rrule.upper().split(";") if "=" in p)
    tz = ZoneInfo(event.time_zone)
    first = event.starts_at.astimezone(tz)
    days = [DAYS[BYDAY.index(d[-2:])] for d in parts.get("BYDAY", "").split(",") if d]
    position = parts.get("BYSETPOS") or next(
        (d[:-2] for d in parts.get("BYDAY", "").split(",") if len(d) > 2), None
    )
    freq = parts.get("FREQ")
    pattern: dict[str, Any] = {"interval": int(parts.get("INTERVAL", "1"))}
    if freq == "DAILY":
        pattern["type"] = "daily"
    elif freq == "WEEKLY":
        pattern |= {"type": "weekly", "daysOfWeek": days or [DAYS[first.weekday()]]}
        pattern["firstDayOfWeek"] = "monday"
    elif freq == "MONTHLY" and position:
        index = {v: k for k, v in INDEXES.items()}.get(int(position))
        if index is None:
            raise Unwritable(f"Outlook cannot repeat on the {position}th weekday of a month")
        pattern |= {"type": "relativeMonthly", "daysOfWeek": days, "index": index}
    elif freq == "MONTHLY":
        pattern |= {
            "type": "absoluteMonthly",
            "dayOfMonth": int(parts.get("BYMONTHDAY", first.day)),
        }
    elif freq == "YEARLY":
        month = int(parts.get("BYMONTH", first.month))
        pattern |= {
            "type": "absoluteYearly",
            "month": month,
            "dayOfMonth": int(parts.get("BYMONTHDAY", first.day)),
        }
    else:
        raise Unwritable(f"Outlook cannot repeat an event {(freq or 'so').lower()}")
    span: dict[str, Any] = {
        "type": "noEnd",
        "startDate": first.date().isoformat(),
        "recurrenceTimeZone": event.time_zone,
    }
    if "COUNT" in parts:
        span |= {"type": "numbered", "numberOfOccurrences": int(parts["COUNT"])}
    elif "UNTIL" in parts:
        until = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").replace(tzinfo=UTC)
        span |= {"type": "endDate", "endDate": until.astimezone(tz).date().isoformat()}
    return {"pattern": pattern, "range": span}


def _when(moment: datetime, event: "CalendarEvent") -> dict[str, str]:
    local = moment.astimezone(ZoneInfo(event.time_zone))
    if event.all_day:
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "dateTime": local.replace(tzinfo=None).isoformat(timespec="seconds"),
        "timeZone": event.time_zone,
    }


def graph_event(event: "CalendarEvent") -> dict[str, Any]:
    """The event's fields as Graph takes them (what the CRM models; Graph keeps the rest)."""
    body: dict[str, Any] = {
        "subject": event.title,
        "body": {"contentType": "text", "content": event.description or ""},
        "start": _when(event.starts_at, event),
        "end": _when(event.ends_at, event),
        "isAllDay": event.all_day,
        "location": {"displayName": event.location or ""},
        "attendees": [
            {"emailAddress": {"address": a}, "type": "required"} for a in event.attendees or []
        ],
    }
    if event.rrule:
        body["recurrence"] = recurrence_of(event)
    if event.online_meeting:
        body |= {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}
    return body


def occurrence_body(override: Override, event: "CalendarEvent") -> dict[str, Any]:
    return {
        "subject": override.title,
        "start": _when(override.start, event),
        "end": _when(override.end, event),
        "location": {"displayName": override.location or ""},
    }


def _differs(instance: dict[str, Any], override: Override) -> bool:
    location = ((instance.get("location") or {}).get("displayName") or "") or None
    return (
        _instant(instance["start"]) != override.start.astimezone(UTC)
        or _instant(instance["end"]) != override.end.astimezone(UTC)
        or (instance.get("subject") or "") != override.title
        or location != override.location
    )

"""The calendar part of the Google APIs stand-in, as Google Calendar v3 documents it:
`events.list` both ways (a window with `timeMin`/`timeMax` and `singleEvents`, or a sync:
every event, then `syncToken` for what changed since, `nextPageToken` pages of `maxResults`
and `nextSyncToken` on the last page, deleted events as `status: cancelled`, 410
fullSyncRequired for a forgotten token), recurring events (`recurrence` lines, exceptions as
events of their own with `recurringEventId` and `originalStartTime`, `instances`), client
ids on insert (409 duplicate), `extendedProperties.private`, Meet links, and If-Match on the
event's etag (412 conditionNotMet)."""

import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.standins.google import api_error

FAR = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def instant(value: dict[str, Any]) -> datetime:
    if "date" in value and value.get("date"):
        return datetime.combine(date.fromisoformat(value["date"]), datetime.min.time(), UTC)
    moment = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(value.get("timeZone") or "UTC"))
    return moment.astimezone(UTC)


def stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


class GoogleCalendar:
    """One account's primary calendar."""

    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self.log: list[str] = []
        self.forgotten_before = 0

    def touch(self, event: dict[str, Any]) -> None:
        event["etag"] = f'"{uuid.uuid4().int % 10**16}"'
        event["updated"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        self.log.append(event["id"])

    # Writes ----------------------------------------------------------------------------------
    def insert(self, body: dict[str, Any], *, email: str, meet: bool) -> dict[str, Any]:
        eid = body.get("id") or uuid.uuid4().hex
        if eid in self.events:
            raise Failure(
                409, "The requested identifier already exists.", "ALREADY_EXISTS", "duplicate"
            )
        event = {
            **body,
            "kind": "calendar#event",
            "id": eid,
            "status": "confirmed",
            "iCalUID": f"{eid}@google.com",
            "organizer": body.get("organizer") or {"email": email, "self": True},
            "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
        }
        event.pop("conferenceData", None)
        if meet:
            event["hangoutLink"] = f"https://meet.google.com/abc-{eid[-4:]}-xyz"
            event["conferenceData"] = {
                "conferenceId": f"abc-{eid[-4:]}-xyz",
                "conferenceSolution": {"key": {"type": "hangoutsMeet"}},
                "entryPoints": [{"entryPointType": "video", "uri": event["hangoutLink"]}],
            }
        self.events[eid] = event
        self.touch(event)
        return event

    def patch(self, eid: str, changes: dict[str, Any], if_match: str | None) -> dict[str, Any]:
        event = self.events.get(eid) or self._instance(eid)
        if if_match and if_match != event["etag"]:
            raise Failure(412, "Precondition Failed", "FAILED_PRECONDITION", "conditionNotMet")
        event.update(changes)
        event["status"] = "confirmed"
        self.events[event["id"]] = event
        self.touch(event)
        return event

    def delete(self, eid: str, if_match: str | None = None) -> None:
        event = self.events.get(eid) or self._instance(eid)
        if event.get("status") == "cancelled":
            raise Failure(410, "Resource has been deleted", "GONE", "deleted")
        if if_match and if_match != event["etag"]:
            raise Failure(412, "Precondition Failed", "FAILED_PRECONDITION", "conditionNotMet")
        event["status"] = "cancelled"
        self.events[event["id"]] = event
        self.touch(event)
        for other in self.events.values():  # a series goes with its exceptions
            if other.get("recurringEventId") == eid and other["status"] != "cancelled":
                other["status"] = "cancelled"
                self.touch(other)

    # Reads -----------------------------------------------------------------------------------
    def get(self, eid: str) -> dict[str, Any]:
        event = self.events.get(eid)
        if event is None:
            return self._instance(eid)
        return event

    def _instance(self, eid: str) -> dict[str, Any]:
        master_id = eid.rpartition("_")[0]
        master = self.events.get(master_id)
        if master is None or not master.get("recurrence"):
            raise Failure(404, "Not Found", "NOT_FOUND", "notFound")
        found = [i for i in self.instances(master, *FAR, deleted=True) if i["id"] == eid]
        if not found:
            raise Failure(404, "Not Found", "NOT_FOUND", "notFound")
        return found[0]

    def instances(
        self, master: dict[str, Any], start: datetime, end: datetime, *, deleted: bool
    ) -> list[dict[str, Any]]:
        zone = ZoneInfo(master["start"].get("timeZone") or "UTC")
        first = instant(master["start"]).astimezone(zone)
        length = instant(master["end"]) - instant(master["start"])
        lines = "\n".join(master["recurrence"])
        rule = rrulestr(f"DTSTART;TZID={zone.key}:{first:%Y%m%dT%H%M%S}\n{lines}", forceset=True)
        own = {
            e["originalStartTime"]["dateTime"]: e
            for e in self.events.values()
            if e.get("recurringEventId") == master["id"]
        }
        found = []
        for occurrence in rule:
            rid = occurrence.astimezone(UTC)
            if rid >= end:
                break
            key = rid.isoformat().replace("+00:00", "Z")
            item = own.get(key) or {
                **{k: v for k, v in master.items() if k not in ("recurrence", "id", "iCalUID")},
                "id": f"{master['id']}_{stamp(rid)}",
                "recurringEventId": master["id"],
                "originalStartTime": {"dateTime": key, "timeZone": zone.key},
                "start": {"dateTime": key, "timeZone": zone.key},
                "end": {
                    "dateTime": (rid + length).isoformat().replace("+00:00", "Z"),
                    "timeZone": zone.key,
                },
            }
            if item.get("status") == "cancelled" and not deleted:
                continue
            if instant(item["end"]) > start and instant(item["start"]) < end:
                found.append(item)
        return found

    def listing(self, query: Any) -> dict[str, Any]:
        """events.list: a window of single events, or a sync (all, or changes since a token)."""
        token = query.get("syncToken")
        if token is not None:
            if token.startswith(("timeMin", "x")) or int(token) < self.forgotten_before:
                raise Failure(
                    410,
                    "Sync token is no longer valid, a full sync is required.",
                    "GONE",
                    "fullSyncRequired",
                )
            items = [self.events[i] for i in dict.fromkeys(self.log[int(token) :])]
        elif "timeMin" in query and query.get("singleEvents") == "true":
            start = instant({"dateTime": query["timeMin"]})
            end = instant({"dateTime": query["timeMax"]})
            items = []
            for event in self.events.values():
                if event.get("status") == "cancelled" or event.get("recurringEventId"):
                    continue
                if event.get("recurrence"):
                    items += self.instances(event, start, end, deleted=False)
                elif instant(event["end"]) > start and instant(event["start"]) < end:
                    items.append(event)
            items.sort(key=lambda e: instant(e["start"]))
        else:
            deleted = query.get("showDeleted") == "true"
            items = [e for e in self.events.values() if deleted or e.get("status") != "cancelled"]
        size = min(int(query.get("maxResults", 250)), 2500)
        offset = int(query.get("pageToken") or 0)
        body: dict[str, Any] = {"kind": "calendar#events", "items": items[offset : offset + size]}
        if offset + size < len(items):
            body["nextPageToken"] = str(offset + size)
        elif "timeMin" not in query or token is not None:
            body["nextSyncToken"] = str(len(self.log))
        return body


class Failure(Exception):
    def __init__(self, status: int, message: str, reason_status: str, reason: str) -> None:
        self.response = api_error(status, message, reason_status, reason)


async def events(self: Any, request: Request) -> Response:
    """GET (list) and POST (insert) of /calendars/{cal}/events, for GoogleAPIs."""
    who = await self._who(request)
    if isinstance(who, Response):
        return who
    box, account = who
    try:
        if request.method == "GET":
            return JSONResponse(box.calendar.listing(request.query_params))
        body = await request.json()
        wants_meet = "createRequest" in (body.get("conferenceData") or {})
        if wants_meet and request.query_params.get("conferenceDataVersion") != "1":
            return api_error(400, "Invalid conference type value.", "INVALID_ARGUMENT", "invalid")
        return JSONResponse(box.calendar.insert(body, email=account.email, meet=wants_meet))
    except Failure as failure:
        return failure.response


async def event(self: Any, request: Request) -> Response:
    """GET, PATCH and DELETE of one event (an instance id names one occurrence)."""
    who = await self._who(request)
    if isinstance(who, Response):
        return who
    box, _ = who
    eid, if_match = request.path_params["id"], request.headers.get("if-match")
    try:
        if request.method == "DELETE":
            box.calendar.delete(eid, if_match)
            return Response(status_code=204)
        if request.method == "PATCH":
            return JSONResponse(box.calendar.patch(eid, await request.json(), if_match))
        return JSONResponse(box.calendar.get(eid))
    except Failure as failure:
        return failure.response


async def instances(self: Any, request: Request) -> Response:
    who = await self._who(request)
    if isinstance(who, Response):
        return who
    box, _ = who
    query = request.query_params
    try:
        master = box.calendar.get(request.path_params["id"])
    except Failure as failure:
        return failure.response
    start = instant({"dateTime": query["timeMin"]}) if "timeMin" in query else FAR[0]
    end = instant({"dateTime": query["timeMax"]}) if "timeMax" in query else FAR[1]
    items = box.calendar.instances(master, start, end, deleted=query.get("showDeleted") == "true")
    return JSONResponse({"kind": "calendar#events", "items": items})


async def watch(self: Any, request: Request) -> Response:
    """events.watch: a web_hook channel on the calendar's events."""
    who = await self._who(request)
    if isinstance(who, Response):
        return who
    body = await request.json()
    ttl = int((body.get("params") or {}).get("ttl", 604800))
    expires = datetime.now(UTC).timestamp() + ttl
    channel = {
        "kind": "api#channel",
        "id": body["id"],
        "resourceId": uuid.uuid4().hex,
        "resourceUri": str(request.url),
        "token": body.get("token"),
        "address": body["address"],
        "expiration": str(int(expires * 1000)),
    }
    self.channels[channel["id"]] = channel
    return JSONResponse(channel)


async def stop(self: Any, request: Request) -> Response:
    """channels.stop: the channel of this id and resource id ends."""
    who = await self._who(request)
    if isinstance(who, Response):
        return who
    body = await request.json()
    found = self.channels.get(body.get("id"))
    if found is None or found["resourceId"] != body.get("resourceId"):
        return api_error(404, "Channel not found", "NOT_FOUND", "notFound")
    del self.channels[body["id"]]
    return Response(status_code=204)

"""The calendar part of the Graph stand-in, as Graph documents it: calendars, events with
their recurrence (series masters, occurrences and exceptions, `instances`), `calendarView/delta`
(initial round in a window, `@odata.nextLink` pages sized by `Prefer: odata.maxpagesize`, an
`@odata.deltaLink` on the last page, `@removed` items, 410 SyncStateNotFound for a forgotten
token), `transactionId` on create, single-value extended properties (`$expand` and the `Any`
filter), and If-Match on a `@odata.etag`.

State lives on the stand-in's Account: `events` holds single events and series masters (a
master keeps its exceptions and cancelled occurrences), `changes` logs every id a change
touched, and a delta token is a position in that log."""

import json
import re
import uuid
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
FAR = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
PROPS_KEY = "singleValueExtendedProperties"


class CalendarFailure(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        body = {"error": {"code": code, "message": message}}
        self.response = JSONResponse(body, status_code=status)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + ".0000000"


def instant(value: dict[str, str]) -> datetime:
    """A Graph dateTimeTimeZone as an instant (IANA or UTC zones here)."""
    local = datetime.fromisoformat(re.sub(r"\.\d+$", "", value["dateTime"]))
    zone = value.get("timeZone") or "UTC"
    return local.replace(tzinfo=UTC if zone == "UTC" else ZoneInfo(zone)).astimezone(UTC)


def _rule(master: dict[str, Any]) -> rrule:
    pattern, span = master["recurrence"]["pattern"], master["recurrence"]["range"]
    zone = master["start"].get("timeZone") or "UTC"
    tz = UTC if zone == "UTC" else ZoneInfo(zone)
    first = instant(master["start"]).astimezone(tz)
    freq = {
        "daily": DAILY,
        "weekly": WEEKLY,
        "absoluteMonthly": MONTHLY,
        "absoluteYearly": YEARLY,
    }[pattern["type"]]
    options: dict[str, Any] = {"interval": pattern.get("interval", 1), "dtstart": first}
    if pattern["type"] == "weekly":
        options["byweekday"] = [DAYS.index(d) for d in pattern.get("daysOfWeek") or []] or None
    if pattern["type"] == "absoluteMonthly":
        options["bymonthday"] = pattern["dayOfMonth"]
    if span["type"] == "numbered":
        options["count"] = span["numberOfOccurrences"]
    elif span["type"] == "endDate":
        end = date.fromisoformat(span["endDate"])
        options["until"] = datetime.combine(end, datetime.max.time(), tzinfo=tz)
    return rrule(freq, **options)


def _oid(master_id: str, rid: datetime) -> str:
    return f"{master_id}.OID.{rid.astimezone(UTC):%Y%m%dT%H%M%S}"


class Calendars:
    """The calendar state of one account."""

    def __init__(self, account: Any) -> None:
        self.account = account
        self.calendar_id = f"AAMkCal-{uuid.uuid4().hex[:8]}"  # the default calendar
        self.names = {self.calendar_id: "Calendar"}
        self.changes: list[str] = []
        self.forgotten_before = 0  # delta tokens below this answer 410
        self.transactions: dict[str, str] = {}

    @property
    def events(self) -> dict[str, dict[str, Any]]:
        return self.account.events

    def add_calendar(self, name: str) -> str:
        calendar_id = f"AAMkCal-{uuid.uuid4().hex[:8]}"
        self.names[calendar_id] = name
        return calendar_id

    def of(self, event: dict[str, Any]) -> str:
        return event.get("_calendar") or self.calendar_id

    # Changes ---------------------------------------------------------------------------------
    def touch(self, event_id: str, before: set[str] | None = None) -> None:
        """Log a change of a single event or a whole series (its occurrences, before and after)."""
        event = self.events.get(event_id)
        ids = set(before or ())
        if event is not None and event.get("type") == "seriesMaster":
            ids |= {o["id"] for o in self.instances(event, *FAR)}
        else:
            ids.add(event_id)
        self.changes.extend(sorted(ids))

    def ids_of(self, event_id: str) -> set[str]:
        event = self.events.get(event_id)
        if event is None or event.get("type") != "seriesMaster":
            return {event_id}
        return {o["id"] for o in self.instances(event, *FAR)}

    def stamp(self, event: dict[str, Any]) -> None:
        key = uuid.uuid4().hex[:12]
        event["changeKey"] = key
        event["@odata.etag"] = f'W/"{key}"'
        event["lastModifiedDateTime"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")

    # Events ---------------------------------------------------------------------------------
    def create(self, body: dict[str, Any], calendar_id: str | None = None) -> dict[str, Any]:
        transaction = body.get("transactionId")
        if transaction and transaction in self.transactions:
            existing = self.events.get(self.transactions[transaction])
            if existing is not None:
                return existing
        event = self.account._create_event(body)
        event["type"] = "seriesMaster" if body.get("recurrence") else "singleInstance"
        event["recurrence"] = body.get("recurrence")
        event["isAllDay"] = bool(body.get("isAllDay"))
        event["isOrganizer"] = body.get("isOrganizer", True)
        event["responseStatus"] = body.get("responseStatus") or {"response": "organizer"}
        if body.get("organizer"):
            event["organizer"] = body["organizer"]
        event["onlineMeetingProvider"] = body.get("onlineMeetingProvider") or (
            "teamsForBusiness" if event["isOnlineMeeting"] else "unknown"
        )
        event["iCalUId"] = f"040000008200E00074C5B7101A82E008{uuid.uuid4().hex}"
        event["originalStartTimeZone"] = body["start"].get("timeZone", "UTC")
        event["_props"] = {p["id"]: p["value"] for p in body.get(PROPS_KEY) or []}
        event["_exceptions"], event["_cancelled"] = {}, set()
        event["_calendar"] = calendar_id or self.calendar_id
        if transaction:
            self.transactions[transaction] = event["id"]
        self.stamp(event)
        self.touch(event["id"])
        return event

    def change(self, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        master_id, rid = self.split(event_id)
        master = self.require(master_id)
        before = self.ids_of(master_id)
        if rid is not None:
            kept = {
                k: v for k, v in changes.items() if k in ("subject", "start", "end", "location")
            }
            master["_exceptions"].setdefault(utc_text(rid), {}).update(kept)
        else:
            if "attendees" in changes:
                changes["attendees"] = [
                    {**a, "status": a.get("status") or {"response": "none"}}
                    for a in changes["attendees"]
                ]
            props = changes.pop(PROPS_KEY, None)
            master.update(changes)
            if props:
                master["_props"].update({p["id"]: p["value"] for p in props})
            if changes.get("recurrence"):
                master["type"] = "seriesMaster"
        self.stamp(master)
        self.touch(master_id, before)
        return self.view(event_id)

    def delete(self, event_id: str) -> None:
        master_id, rid = self.split(event_id)
        master = self.require(master_id)
        before = self.ids_of(master_id)
        if rid is not None:
            master["_cancelled"].add(utc_text(rid))
            master["_exceptions"].pop(utc_text(rid), None)
            self.stamp(master)
        else:
            del self.events[master_id]
        self.touch(master_id, before)

    def split(self, event_id: str) -> tuple[str, datetime | None]:
        master_id, sep, stamp = event_id.partition(".OID.")
        if not sep:
            return event_id, None
        return master_id, datetime.strptime(stamp, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)

    def require(self, event_id: str) -> dict[str, Any]:
        event = self.events.get(event_id)
        if event is None:
            raise CalendarFailure(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return event

    def view(self, event_id: str) -> dict[str, Any]:
        """A single event, master or occurrence, as Graph answers it."""
        master_id, rid = self.split(event_id)
        master = self.require(master_id)
        if rid is None:
            return self.public(master)
        found = [o for o in self.instances(master, *FAR) if o["id"] == event_id]
        if not found:
            raise CalendarFailure(404, "ErrorItemNotFound", "The occurrence is not in the series.")
        return found[0]

    def public(self, event: dict[str, Any], expand: str | None = None) -> dict[str, Any]:
        shown = {k: v for k, v in event.items() if not k.startswith("_") and k != "drive"}
        if expand and PROPS_KEY in expand:
            wanted = re.search(r"id eq '([^']+)'", expand)
            shown[PROPS_KEY] = [
                {"id": k, "value": v}
                for k, v in event["_props"].items()
                if wanted is None or k.lower() == wanted.group(1).lower()
            ]
        return shown

    def instances(self, master: dict[str, Any], start: datetime, end: datetime) -> list[dict]:
        length = instant(master["end"]) - instant(master["start"])
        found = []
        for occurrence in _rule(master):
            rid = occurrence.astimezone(UTC)
            if rid >= end:
                break
            key = utc_text(rid)
            if key in master["_cancelled"]:
                continue
            changed = master["_exceptions"].get(key)
            item = {
                **self.public(master),
                "id": _oid(master["id"], rid),
                "type": "exception" if changed else "occurrence",
                "seriesMasterId": master["id"],
                "recurrence": None,
                "originalStart": rid.isoformat().replace("+00:00", "Z"),
                "start": {"dateTime": utc_text(rid), "timeZone": "UTC"},
                "end": {"dateTime": utc_text(rid + length), "timeZone": "UTC"},
            }
            item.update(changed or {})
            for side in ("start", "end"):
                item[side] = {"dateTime": utc_text(instant(item[side])), "timeZone": "UTC"}
            if instant(item["end"]) > start and instant(item["start"]) < end:
                found.append(item)
        return found

    def in_view(self, start: datetime, end: datetime, calendar_id: str) -> list[dict[str, Any]]:
        """What calendarView lists in a window: single events and occurrences, not masters."""
        found = []
        for event in self.events.values():
            if self.of(event) != calendar_id:
                continue
            if event.get("type") == "seriesMaster":
                found += self.instances(event, start, end)
            elif instant(event["end"]) > start and instant(event["start"]) < end:
                found.append(self.public(event))
        return sorted(found, key=lambda e: e["start"]["dateTime"])

    def find_in_view(self, event_id: str, start: datetime, end: datetime) -> dict | None:
        master_id, rid = self.split(event_id)
        master = self.events.get(master_id)
        if master is None:
            return None
        if rid is None:
            if master.get("type") == "seriesMaster":
                return None
            inside = instant(master["end"]) > start and instant(master["start"]) < end
            return self.public(master) if inside else None
        found = [o for o in self.instances(master, start, end) if o["id"] == event_id]
        return found[0] if found else None


class CalendarRoutes:
    """Route handlers mixed into GraphStandIn (`self.base`, `self.page`, accounts)."""

    base: str
    delta_prefers: list[str]
    subscriptions: dict[str, dict[str, Any]]

    @staticmethod
    def calendars_of(account: Any) -> Calendars:
        if account.calendars is None:
            account.calendars = Calendars(account)
        return account.calendars

    async def list_calendars(self, request: Request, account: Any) -> Response:
        cal = self.calendars_of(account)
        return JSONResponse({"value": [self._calendar(cal, i) for i in cal.names]})

    async def default_calendar(self, request: Request, account: Any) -> Response:
        cal = self.calendars_of(account)
        return JSONResponse(self._calendar(cal, cal.calendar_id))

    @staticmethod
    def _calendar(cal: Calendars, calendar_id: str) -> dict[str, Any]:
        return {
            "id": calendar_id,
            "name": cal.names[calendar_id],
            "canEdit": True,
            "isDefaultCalendar": calendar_id == cal.calendar_id,
        }

    def _own(self, account: Any, calendar_id: str | None) -> Calendars:
        cal = self.calendars_of(account)
        if calendar_id is not None and calendar_id not in cal.names:
            raise CalendarFailure(404, "ErrorItemNotFound", "The calendar was not found.")
        return cal

    async def calendar_events(
        self, request: Request, account: Any, calendar_id: str | None = None
    ) -> Response:
        cal = self._own(account, calendar_id)
        if request.method == "POST":
            made = cal.create(await request.json(), calendar_id)
            return JSONResponse(cal.public(made), status_code=201)
        query = request.query_params
        events = [e for e in cal.events.values() if cal.of(e) == (calendar_id or cal.calendar_id)]
        wanted = re.search(
            r"singleValueExtendedProperties/any\(ep: ep/id eq '([^']+)' and ep/value ne null\)",
            query.get("$filter", ""),
            re.IGNORECASE,
        )
        if wanted:
            key = wanted.group(1).lower()
            events = [e for e in events if key in {k.lower() for k in e.get("_props", {})}]
        shown = [cal.public(e, query.get("$expand")) for e in events]
        return self.page(request, shown)

    async def calendar_event(self, request: Request, account: Any, event_id: str) -> Response:
        cal = self.calendars_of(account)
        if request.method in ("PATCH", "DELETE"):
            current = cal.view(event_id)
            expected = request.headers.get("if-match")
            if expected and expected not in ("*", current.get("@odata.etag")):
                raise CalendarFailure(
                    412, "ErrorIrresolvableConflict", "The change key does not match."
                )
        if request.method == "DELETE":
            cal.delete(event_id)
            return Response(status_code=204)
        if request.method == "PATCH":
            return JSONResponse(cal.change(event_id, await request.json()))
        master_id, rid = cal.split(event_id)
        query = request.query_params
        shown = (
            cal.public(cal.require(master_id), query.get("$expand"))
            if rid is None
            else cal.view(event_id)
        )
        if query.get("$select"):
            fields = {f.strip() for f in query["$select"].split(",")} | {"id", PROPS_KEY}
            shown = {k: v for k, v in shown.items() if k in fields}
        return JSONResponse(shown)

    async def event_instances(self, request: Request, account: Any, event_id: str) -> Response:
        cal = self.calendars_of(account)
        query = request.query_params
        start, end = _window(query)
        return self.page(request, cal.instances(cal.require(event_id), start, end))

    async def subscribe(self, request: Request, account: Any) -> Response:
        body = await request.json()
        made = {**body, "id": str(uuid.uuid4()), "_account": account.mail}
        self.subscriptions[made["id"]] = made
        return JSONResponse({k: v for k, v in made.items() if k != "_account"}, status_code=201)

    async def renew(self, request: Request, account: Any, subscription_id: str) -> Response:
        found = self.subscriptions.get(subscription_id)
        if found is None:
            raise CalendarFailure(404, "ResourceNotFound", "The object was not found.")
        found["expirationDateTime"] = (await request.json())["expirationDateTime"]
        return JSONResponse({k: v for k, v in found.items() if k != "_account"})

    async def calendar_view_delta(
        self, request: Request, account: Any, calendar_id: str | None = None
    ) -> Response:
        cal = self._own(account, calendar_id)
        query = request.query_params
        self.delta_prefers.append(request.headers.get("prefer", ""))
        size = _max_page_size(request.headers.get("prefer", ""))
        token = query.get("$deltatoken") or query.get("$skiptoken")
        if token:
            state = json.loads(token)
            start, end = (datetime.fromisoformat(state[k]) for k in ("start", "end"))
            since, offset = state["since"], state.get("offset", 0)
        else:
            start, end = _window(query)
            since, offset = None, 0
        if since is not None and since < cal.forgotten_before:
            raise CalendarFailure(410, "SyncStateNotFound", "The sync state generation is invalid.")
        own = calendar_id or cal.calendar_id
        if since is None:
            items = cal.in_view(start, end, own)
        else:
            items = []
            for event_id in dict.fromkeys(cal.changes[since:]):
                master = cal.events.get(cal.split(event_id)[0])
                if master is not None and cal.of(master) != own:
                    continue  # another calendar's change
                found = cal.find_in_view(event_id, start, end)
                items.append(found or {"id": event_id, "@removed": {"reason": "deleted"}})
        chunk = items[offset : offset + size]
        path = request.url.path.removeprefix("/v1.0")
        body: dict[str, Any] = {"value": chunk}
        window = {"start": start.isoformat(), "end": end.isoformat()}
        if offset + size < len(items):
            skip = {**window, "since": since, "offset": offset + size}
            body["@odata.nextLink"] = (
                f"{self.base}{path}?{urlencode({'$skiptoken': json.dumps(skip)})}"
            )
        else:
            delta = {**window, "since": len(cal.changes)}
            body["@odata.deltaLink"] = (
                f"{self.base}{path}?{urlencode({'$deltatoken': json.dumps(delta)})}"
            )
        return JSONResponse(body)


def _window(query: Any) -> tuple[datetime, datetime]:
    if "startDateTime" not in query or "endDateTime" not in query:
        raise CalendarFailure(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
        )
    return tuple(  # type: ignore[return-value]
        datetime.fromisoformat(query[k].replace("Z", "+00:00")).astimezone(UTC)
        for k in ("startDateTime", "endDateTime")
    )


def _max_page_size(prefer: str) -> int:
    found = re.search(r"odata\.maxpagesize=(\d+)", prefer)
    return min(int(found.group(1)), 1000) if found else 10


ROUTES = [
    (r"POST /subscriptions", CalendarRoutes.subscribe),
    (r"PATCH /subscriptions/([^/]+)", CalendarRoutes.renew),
    (r"GET /me/calendars", CalendarRoutes.list_calendars),
    (r"GET /me/calendar", CalendarRoutes.default_calendar),
    (r"GET /me/calendarView/delta", CalendarRoutes.calendar_view_delta),
    (r"GET /me/calendars/([^/]+)/calendarView/delta", CalendarRoutes.calendar_view_delta),
    (r"(?:GET|POST) /me/calendars/([^/]+)/events", CalendarRoutes.calendar_events),
    (r"GET /me/events", CalendarRoutes.calendar_events),
    (r"GET /me/events/([^/]+)/instances", CalendarRoutes.event_instances),
]
EVENT_ROUTE = (r"(?:GET|PATCH|DELETE) /me/events/([^/]+)", CalendarRoutes.calendar_event)

"""Eval support for the calendar: events and reminders compared by what a person checks (the
title or message, the weekday and local time, the length, the channels, the linked record's
name), since their dates depend on the day the eval runs; and "@when:<phrase>" in gold calls
for a time read as the offline interpreter reads it (the eval users' time zone is UTC)."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crm.assistant.offline_calendar import CalendarPlans

WINDOW = (timedelta(days=-30), timedelta(days=360))


def when(phrase: str) -> str:
    """The moment a phrase names ("friday at 9"), as the offline interpreter reads it."""
    plans = CalendarPlans()
    plans.zone, plans.time_zone = ZoneInfo("UTC"), "UTC"
    plans.today = datetime.now(UTC).date()
    moment = plans.moment(phrase)
    if moment is None:
        raise ValueError(f"not a time: {phrase!r}")
    return moment.isoformat()


async def compare_calendar(session: Any, expect: dict[str, Any]) -> list[str]:
    """What differs between the expected and the actual events and reminders."""
    problems: list[str] = []
    names: dict[str, str] | None = None
    for kind in ("event", "reminder"):
        expected = expect.get(f"{kind}s")
        if expected is None:
            continue
        if names is None:
            names = {
                r["id"]: r["name"]
                for k in ("contact", "organization")
                for r in await session.records(k)
            }
        keys = {k for item in expected for k in item}
        found = await (_events(session) if kind == "event" else session.records("reminder"))
        actual = [{k: calendar_view(item, names).get(k) for k in keys} for item in found]
        wanted = [{k: item.get(k) for k in keys} for item in expected]
        if _order(actual) != _order(wanted):
            problems.append(f"{kind}s: expected {wanted}, found {actual}")
    return problems


def calendar_view(item: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """An event or a reminder as the eval cases describe it."""
    start = datetime.fromisoformat(item.get("remind_at") or item["start"])
    view = {
        **item,
        "weekday": f"{start:%A}".lower(),
        "time": f"{start:%H:%M}" if isinstance(start, datetime) else None,
        "contact": names.get(str(item.get("contact_id"))),
        "organization": names.get(str(item.get("organization_id"))),
    }
    if "end" in item:
        view["minutes"] = int((datetime.fromisoformat(item["end"]) - start).total_seconds() // 60)
    if "channels" in item:
        view["channels"] = sorted(item["channels"])
    return view


async def _events(session: Any) -> list[dict[str, Any]]:
    today = date.today()
    start, end = today + WINDOW[0], today + WINDOW[1]
    params = {"start": start.isoformat(), "end": end.isoformat()}
    occurrences = await session.call("GET", "/api/v1/calendar/events", params=params)
    ids = dict.fromkeys(o["event_id"] for o in occurrences["items"])
    return [await session.call("GET", f"/api/v1/calendar/events/{i}") for i in ids]


async def event_id(session: Any, title: str) -> str:
    """The id of the event with this title (gold calls name events by title)."""
    for event in await _events(session):
        if event["title"] == title:
            return str(event["id"])
    raise AssertionError(f"no event titled {title!r}")


def _order(items: list[dict[str, Any]]) -> list[str]:
    return sorted(repr(sorted(x.items())) for x in items)

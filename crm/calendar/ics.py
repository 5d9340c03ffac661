"""iCalendar (RFC 5545) text: events written out for the feed and for CalDAV, and calendars
read back (an imported .ics file, a CalDAV object) as crm.calendar.parsed's events. Plain
functions over icalendar's types; what to read or write is the services' business. Imported
where a calendar is first read or written, not with the web app (icalendar: 30 ms)."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Component, Event, vRecur
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from crm.calendar.parsed import (
    LOCATION_LIMIT,
    TITLE_LIMIT,
    ParsedEvent,
    Skipped,
    UnreadableCalendar,
    known_zone,
    zone_of,
)
from crm.calendar.recurrence import Override, Series
from crm.models import CalendarEvent

PRODID = "-//CRM//Calendar//EN"


def new_calendar(name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def finish(calendar: Calendar) -> bytes:
    """The calendar's text, with a VTIMEZONE for every zone its times name."""
    calendar.add_missing_timezones()
    return calendar.to_ical()


def event_component(event: CalendarEvent, *, url: str | None = None) -> Event:
    """A VEVENT of a stored event, its recurrence (RRULE, EXDATE) included."""
    zone = zone_of(event.time_zone)
    component = Event()
    component.add("uid", event.uid)
    component.add("dtstamp", datetime.now(UTC))
    component.add("sequence", event.sequence)
    component.add("created", event.created_at.astimezone(UTC))
    component.add("last-modified", event.updated_at.astimezone(UTC))
    component.add("summary", event.title)
    if event.all_day:
        component.add("dtstart", event.starts_at.astimezone(zone).date())
        component.add("dtend", event.ends_at.astimezone(zone).date())
    else:
        component.add("dtstart", event.starts_at.astimezone(zone))
        component.add("dtend", event.ends_at.astimezone(zone))
    for name, value in (("description", event.description), ("location", event.location)):
        if value:
            component.add(name, value)
    if event.meeting_url:  # RFC 7986's CONFERENCE: how to join
        component.add("conference", event.meeting_url, parameters={"VALUE": "URI"})
    if event.rrule:
        component.add("rrule", vRecur.from_ical(event.rrule))
    for excluded in event.exdates or []:
        local = excluded.astimezone(zone)
        component.add("exdate", local.date() if event.all_day else local)
    for email in event.attendees or []:
        component.add("attendee", f"mailto:{email}")
    if url:
        component.add("url", url)
    return component


def event_components(event: CalendarEvent, *, url: str | None = None) -> list[Event]:
    """The VEVENTs of a stored event: the series, then each occurrence changed on its own
    (same UID, its RECURRENCE-ID)."""
    return [event_component(event, url=url)] + [
        override_component(event, o, url=url) for o in Series.of(event).overrides
    ]


def override_component(event: CalendarEvent, override: Override, *, url: str | None) -> Event:
    """A VEVENT of one occurrence changed on its own."""
    zone = zone_of(event.time_zone)

    def local(moment: datetime) -> date | datetime:
        return moment.astimezone(zone).date() if event.all_day else moment.astimezone(zone)

    component = Event()
    component.add("uid", event.uid)
    component.add("recurrence-id", local(override.recurrence_id))
    component.add("dtstamp", datetime.now(UTC))
    component.add("sequence", event.sequence)
    component.add("last-modified", event.updated_at.astimezone(UTC))
    component.add("summary", override.title)
    component.add("dtstart", local(override.start))
    component.add("dtend", local(override.end))
    for name, value in (("description", override.description), ("location", override.location)):
        if value:
            component.add(name, value)
    for email in event.attendees or []:
        component.add("attendee", f"mailto:{email}")
    if url:
        component.add("url", url)
    return component


def alarm(
    description: str, *, at: datetime | None = None, before: timedelta | None = None
) -> Alarm:
    """A VALARM that displays `description` at a moment, or some time before the start."""
    component = Alarm()
    component.add("action", "DISPLAY")
    component.add("description", description)
    if at is not None:
        component.add("trigger", at.astimezone(UTC))
    else:
        component.add("trigger", -(before or timedelta()))
    return component


def all_day_component(uid: str, title: str, day: date, *, url: str | None = None) -> Event:
    """A one-day VEVENT (a due date), shown as free time."""
    component = Event()
    component.add("uid", uid)
    component.add("dtstamp", datetime.now(UTC))
    component.add("summary", title)
    component.add("dtstart", day)
    component.add("dtend", day + timedelta(days=1))
    component.add("transp", "TRANSPARENT")
    if url:
        component.add("url", url)
    return component


def moment_component(
    uid: str, title: str, at: datetime, zone: str, *, url: str | None = None
) -> Event:
    """A VEVENT without length at one moment (a reminder), with an alarm at that moment."""
    component = Event()
    component.add("uid", uid)
    component.add("dtstamp", datetime.now(UTC))
    component.add("summary", title)
    local = at.astimezone(zone_of(zone))
    component.add("dtstart", local)
    component.add("dtend", local)
    component.add("transp", "TRANSPARENT")
    component.add_component(alarm(title, before=timedelta()))
    if url:
        component.add("url", url)
    return component


class Parsed(NamedTuple):
    events: list[ParsedEvent]
    left_out: list[Skipped]  # to-dos, journal entries, events without a start...


NOT_EVENTS = {"VTODO": "a to-do", "VJOURNAL": "a journal entry"}


def parse(text: bytes | str, *, default_zone: str) -> Parsed:
    """The events of an iCalendar text, one per UID, each with its occurrences changed on
    their own (RECURRENCE-ID components; a cancelled one becomes an exception), and what
    the CRM leaves out. Floating times are read in the calendar's X-WR-TIMEZONE, else in
    `default_zone`."""
    try:
        calendar = Calendar.from_ical(text)
    except ValueError as exc:
        raise UnreadableCalendar(f"this is not an iCalendar file: {exc}") from exc
    if calendar.name != "VCALENDAR":
        raise UnreadableCalendar("this is not an iCalendar file (no VCALENDAR)")
    declared = str(calendar.get("x-wr-timezone", "")) or default_zone
    zone_name = declared if known_zone(declared) else default_zone
    events: dict[str, ParsedEvent] = {}
    changed, left_out = [], []
    for component in calendar.subcomponents:
        if component.name in NOT_EVENTS:
            why = f"{NOT_EVENTS[component.name]}, not an event: the calendar keeps events"
            left_out.append(_skipped(component, why))
        elif component.name != "VEVENT":
            continue  # time zones, free/busy
        elif "dtstart" not in component:
            left_out.append(_skipped(component, "an event without a start (DTSTART)"))
        elif "recurrence-id" in component:
            changed.append(component)
        else:
            parsed = parse_event(component, zone_name)
            events[parsed.uid] = parsed
    for component in changed:
        series = events.get(_uid(component))
        if series is not None and series.rrule:
            _add_override(series, component)
        else:
            left_out.append(
                _skipped(component, "a changed occurrence whose repeating event is not in the file")
            )
    return Parsed(list(events.values()), left_out)


def _uid(component: Component) -> str:
    return str(component.get("uid") or "").strip()[:255]


def _skipped(component: Component, reason: str) -> Skipped:
    return Skipped(_uid(component), str(component.get("summary") or ""), reason)


def _add_override(series: ParsedEvent, component: Event) -> None:
    """A RECURRENCE-ID component read into its series: an override, or an exception when it
    is cancelled."""
    zone = zone_of(series.time_zone)
    rid = _moment(component.decoded("recurrence-id"), zone)
    if str(component.get("status", "")).upper() == "CANCELLED":
        series.exdates = sorted({*series.exdates, rid})
        return
    own = parse_event(component, series.time_zone)
    if own.all_day != series.all_day:
        return  # the CRM keeps one kind per series
    series.overrides = [o for o in series.overrides if o.recurrence_id != rid]
    series.overrides.append(
        Override(rid, own.starts_at, own.ends_at, own.title, own.location, own.description)
    )


def parse_event(component: Event, zone_name: str) -> ParsedEvent:
    """One VEVENT read into the CRM's terms."""
    start = component.decoded("dtstart")
    all_day = not isinstance(start, datetime)
    tzid = str(component["dtstart"].params.get("TZID", ""))
    own_zone = None if all_day else (_iana(tzid) or _zone_name(start))
    zone_name = own_zone or zone_name
    zone = zone_of(zone_name)
    starts_at = _moment(start, zone)
    ends_at = _end(component, start, zone, starts_at)
    uid = _uid(component)
    if not uid:
        raise UnreadableCalendar("an event has no UID")
    modified = component.get("last-modified") or component.get("dtstamp")
    return ParsedEvent(
        uid=uid,
        title=(str(component.get("summary") or "").strip() or "(no title)")[:TITLE_LIMIT],
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=all_day,
        time_zone=zone_name,
        description=_text(component.get("description")),
        location=_text(component.get("location"), LOCATION_LIMIT),
        meeting_url=_meeting_url(component),
        rrule=component["rrule"].to_ical().decode() if "rrule" in component else None,
        exdates=_exdates(component, zone),
        attendees=_attendees(component),
        sequence=int(component.get("sequence", 0)),
        last_modified=_moment(modified.dt, ZoneInfo("UTC")) if modified else None,
    )


def _meeting_url(component: Event) -> str | None:
    conference = component.get("conference")
    first = conference[0] if isinstance(conference, list) else conference
    url = str(first or "").strip()
    return url if url.startswith(("https://", "http://")) and len(url) <= 2000 else None


def _end(component: Event, start: date, zone: ZoneInfo, starts_at: datetime) -> datetime:
    if "dtend" in component:
        ends_at = _moment(component.decoded("dtend"), zone)
    elif "duration" in component:
        ends_at = starts_at + component.decoded("duration")
    elif not isinstance(start, datetime):
        ends_at = starts_at + timedelta(days=1)
    else:
        ends_at = starts_at
    return max(ends_at, starts_at)


def _exdates(component: Event, zone: ZoneInfo) -> list[datetime]:
    found: list[datetime] = []
    values = component.get("exdate")
    for value in values if isinstance(values, list) else [values] if values else []:
        found += [_moment(item.dt, zone) for item in value.dts]
    return sorted(set(found))


def _attendees(component: Event) -> list[str]:
    values = component.get("attendee")
    emails = []
    for value in values if isinstance(values, list) else [values] if values else []:
        text = str(value)
        if text.lower().startswith("mailto:") and "@" in text:
            emails.append(text[7:].strip())
    return emails


def _moment(value: Any, zone: ZoneInfo) -> datetime:
    """A DATE (midnight) or DATE-TIME (floating ones in `zone`) as an aware datetime."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), zone)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _zone_name(value: datetime) -> str | None:
    if value.tzinfo is None:
        return None
    key = getattr(value.tzinfo, "key", None) or getattr(value.tzinfo, "zone", None)
    if key and known_zone(str(key)):
        return str(key)
    return "UTC" if value.utcoffset() == timedelta(0) else None


def _iana(tzid: str) -> str | None:
    """The IANA name of a TZID: itself, or Outlook's Windows name mapped ("W. Europe
    Standard Time" is Europe/Berlin)."""
    if tzid and known_zone(tzid):
        return tzid
    return WINDOWS_TO_OLSON.get(tzid)


def _text(value: Any, limit: int | None = None) -> str | None:
    text = str(value).strip() if value is not None else ""
    return (text[:limit] if limit else text) or None


def object_text(event: CalendarEvent, *, previous: str | None = None) -> bytes:
    """The event as one calendar object resource (CalDAV). Given the object as the server last
    had it, only the properties the CRM models are replaced in its main VEVENT (alarms and the
    other properties stay as they were), and its changed occurrences are the CRM's."""
    fresh, *changed = event_components(event)
    if previous:
        try:
            calendar = Calendar.from_ical(previous)
        except ValueError:
            calendar = None
        master = _master(calendar, event.uid) if calendar is not None else None
        if calendar is not None and master is not None:
            for name in MODELLED:
                master.pop(name, None)
            for name, value in fresh.property_items(recursive=False):
                if name.lower() in MODELLED:
                    master.add(name, value, encode=False)
            calendar.subcomponents = [
                c for c in calendar.subcomponents if not _occurrence_of(c, event.uid)
            ] + changed
            return finish(calendar)
    calendar = new_calendar()
    for component in (fresh, *changed):
        calendar.add_component(component)
    return finish(calendar)


def _occurrence_of(component: Any, uid: str) -> bool:
    return (
        component.name == "VEVENT"
        and "recurrence-id" in component
        and str(component.get("uid", "")) == uid
    )


# What event_component writes from the event's columns (and so replaces in a merged object).
MODELLED = (
    "dtstamp",
    "sequence",
    "last-modified",
    "summary",
    "dtstart",
    "dtend",
    "duration",
    "description",
    "location",
    "conference",
    "rrule",
    "exdate",
    "attendee",
)


def _master(calendar: Calendar, uid: str) -> Event | None:
    for component in calendar.walk("VEVENT"):
        if str(component.get("uid", "")) == uid and "recurrence-id" not in component:
            return component
    return None

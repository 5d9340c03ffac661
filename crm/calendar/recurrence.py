"""Recurrence (RFC 5545 RRULE) in an event's own time zone: rules are checked and normalised
when written, and expanded in wall-clock time, so a weekly 09:00 meeting stays at 09:00 across
a daylight-saving change."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

# More often than hourly makes no sense for a calendar and would explode an expansion.
FREQUENCIES = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_COUNT = 5000
_UNTIL = re.compile(r"UNTIL=([0-9TZ]+)", re.IGNORECASE)


# Daily and weekly rules are expanded from the start of a block of this many periods: the
# ranges of a month's weeks share one, and a first expansion walks little more than the range.
BLOCK = 4

# How far after its first occurrence one occurrence can be changed alone: walking an hourly
# rule is slow (dateutil walks it from its start), the others are not.
REACH = {False: timedelta(days=366 * 100), True: timedelta(days=366 * 2)}


class RecurrenceError(ValueError):
    pass


def _utc_until(value: str, tz: ZoneInfo) -> str:
    """UNTIL in UTC, as RFC 5545 requires with a zoned start: a local time is read in the
    event's time zone, a bare date as the end of that day."""
    if value.upper().endswith("Z"):
        return value.upper()
    try:
        if "T" in value.upper():
            local = datetime.strptime(value.upper(), "%Y%m%dT%H%M%S")
        else:
            local = datetime.combine(datetime.strptime(value, "%Y%m%d").date(), time(23, 59, 59))
    except ValueError as exc:
        raise RecurrenceError("UNTIL is not a date or date-time") from exc
    return local.replace(tzinfo=tz).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def normalize(text: str, tz: ZoneInfo, first_start: datetime) -> str:
    """The rule as stored: without an "RRULE:" prefix, UNTIL in UTC; RecurrenceError when it
    does not parse or repeats more often than hourly."""
    rule_text = text.strip().removeprefix("RRULE:").removeprefix("rrule:")
    if not rule_text or "\n" in rule_text or "DTSTART" in rule_text.upper():
        raise RecurrenceError("must be one RRULE value, without DTSTART")
    rule_text = _UNTIL.sub(lambda m: f"UNTIL={_utc_until(m.group(1), tz)}", rule_text)
    parts = dict(p.split("=", 1) for p in rule_text.upper().split(";") if "=" in p)
    if parts.get("FREQ") not in FREQUENCIES:
        raise RecurrenceError(f"FREQ must be one of {', '.join(FREQUENCIES)}")
    if int(parts.get("COUNT", "1") or 1) > MAX_COUNT:
        raise RecurrenceError(f"COUNT is at most {MAX_COUNT}")
    try:
        parse(rule_text, first_start.astimezone(tz))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"is not a valid RRULE ({exc})") from exc
    return rule_text


def parse(rule_text: str, dtstart: datetime) -> rrule:
    """The rule from `dtstart` (cached: parsing dominates expanding a range's few)."""
    return _parsed(rule_text, dtstart, str(dtstart.tzinfo))


# The rule caches (this one and _resumed's) take the zone's name in their keys: the same
# instant in two zones is one datetime to Python (equal, same hash), but a rule repeats in
# its zone's wall-clock time.


@lru_cache(maxsize=4096)
def _parsed(rule_text: str, dtstart: datetime, zone: str) -> rrule:
    rule = rrulestr(rule_text, dtstart=dtstart)
    assert isinstance(rule, rrule)
    return rule


@dataclass(frozen=True)
class Override:
    """One occurrence of a series changed on its own (iCalendar's RECURRENCE-ID component):
    which one (`recurrence_id`, the start the rule gives it) and what it is now."""

    recurrence_id: datetime
    start: datetime
    end: datetime
    title: str
    location: str | None = None
    description: str | None = None

    @classmethod
    def load(cls, stored: dict[str, Any]) -> "Override":
        """An override as calendar_event.overrides stores it (instants in ISO 8601)."""
        moments = {k: datetime.fromisoformat(stored[k]) for k in ("recurrence_id", "start", "end")}
        return cls(
            **moments,
            title=stored["title"],
            location=stored.get("location"),
            description=stored.get("description"),
        )

    def dump(self) -> dict[str, Any]:
        utc = {
            k: getattr(self, k).astimezone(UTC).isoformat()
            for k in ("recurrence_id", "start", "end")
        }
        return {
            **utc,
            "title": self.title,
            "location": self.location,
            "description": self.description,
        }


@dataclass(slots=True)  # not frozen: that makes one four times slower, and a month has hundreds
class Series:
    """What expanding an event needs: its first occurrence, its rule, exceptions and the
    occurrences changed on their own."""

    starts_at: datetime
    ends_at: datetime
    time_zone: str
    rrule: str | None
    exdates: tuple[datetime, ...] = ()
    overrides: tuple[Override, ...] = ()

    @classmethod
    def of(cls, event: Any) -> "Series":
        """The series of a calendar event (crm.models.CalendarEvent)."""
        return cls(
            event.starts_at,
            event.ends_at,
            event.time_zone,
            event.rrule,
            tuple(event.exdates),
            tuple(Override.load(o) for o in event.overrides) if event.overrides else (),
        )

    def makes(self, moment: datetime) -> bool:
        """Whether the rule gives an occurrence starting at `moment` (exceptions aside), up
        to REACH after the first one. Expanded as a range is (from the period before it for
        daily and weekly rules), so it costs no more than a range there."""
        if not self.rrule:
            return False
        hourly = "FREQ=HOURLY" in self.rrule.upper()
        if moment - self.starts_at > REACH[hourly]:
            return False
        rule_only = Series(self.starts_at, self.ends_at, self.time_zone, self.rrule)
        target = moment.astimezone(UTC)
        made = rule_only._made(moment, moment + timedelta(seconds=1))
        return any(start.astimezone(UTC) == target for start, _ in made)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def wall_duration(self) -> timedelta:
        """The length in wall-clock time (an all-day event of one day is one day long even on
        the 23-hour day of a daylight-saving change)."""
        tz = self.tz
        start = self.starts_at.astimezone(tz).replace(tzinfo=None)
        return self.ends_at.astimezone(tz).replace(tzinfo=None) - start

    def end_of(self, start: datetime) -> datetime:
        """The end of the occurrence the rule starts at `start` (aware arithmetic is in
        wall-clock time)."""
        return start.astimezone(self.tz) + self.wall_duration

    def last_end(self) -> datetime | None:
        """When the last occurrence ends (a moved one included); None when it repeats
        forever."""
        if not self.rrule:
            return self.ends_at
        rule = parse(self.rrule, self.starts_at.astimezone(self.tz))
        if rule._until is None and rule._count is None:  # dateutil has no public API for these
            return None
        last = None
        for last in rule:  # noqa: B007 (bounded by COUNT or UNTIL)
            pass
        ends = [self.end_of(last).astimezone(UTC) if last else self.ends_at]
        return max(ends + [o.end.astimezone(UTC) for o in self.overrides])

    def between(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The (start, end) of each occurrence overlapping [start, end), in the event's zone,
        in start order."""
        for _, s, e, _ in self.occurrences(start, end):
            yield s, e

    def occurrences(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime | None, datetime, datetime, Override | None]]:
        """Each occurrence overlapping [start, end), in start order, in the event's zone:
        (recurrence_id, start, end, its override). A moved occurrence is where it moved."""
        if not self.overrides:
            for s, e in self._made(start, end):
                yield (s if self.rrule else None), s, e, None
            return
        tz, excluded = self.tz, {d.astimezone(UTC) for d in self.exdates}
        moved = {o.recurrence_id.astimezone(UTC): o for o in self.overrides}
        found = [
            (s, s, e, None) for s, e in self._made(start, end) if s.astimezone(UTC) not in moved
        ]
        found += [
            (o.recurrence_id.astimezone(tz), o.start.astimezone(tz), o.end.astimezone(tz), o)
            for rid, o in moved.items()
            if rid not in excluded and self._overlaps(o.start, o.end, start, end)
        ]
        yield from sorted(found, key=lambda f: f[1])

    def _made(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The occurrences the rule makes overlapping [start, end), exceptions left out."""
        tz = self.tz
        if not self.rrule:
            if self._overlaps(self.starts_at, self.ends_at, start, end):
                yield self.starts_at.astimezone(tz), self.ends_at.astimezone(tz)
            return
        excluded = {d.astimezone(UTC) for d in self.exdates}
        length, last = self.wall_duration, end.astimezone(UTC)
        # Occurrences that started before `start` may still be running at it.
        since = (start - length - timedelta(days=1)).astimezone(tz)
        first, period = self.starts_at.astimezone(tz), _period(self.rrule)
        if period is None:
            rule = parse(self.rrule, first)
        else:
            near = _block_start(first, since, period)
            rule = _resumed(self.rrule, first, near, self.time_zone)
        for occurrence in rule.xafter(since, inc=True):
            utc = occurrence.astimezone(UTC)
            if utc >= last:
                return
            finish = occurrence + length  # in wall-clock time, as end_of
            if utc not in excluded and self._overlaps(occurrence, finish, start, end):
                yield occurrence, finish

    @staticmethod
    def _overlaps(s: datetime, e: datetime, start: datetime, end: datetime) -> bool:
        # A zero-length event belongs to the range it starts in.
        return s < end and (e > start or (e == s and s >= start))


def _block_start(first: datetime, since: datetime, period: timedelta) -> datetime:
    """Where to expand a daily or weekly rule without COUNT from to reach `since`: it gives
    the same occurrences from its first one whole periods later (in wall-clock time), so an
    old series is not walked from its beginning on every request. A block of BLOCK periods
    starts there, so that nearby ranges share it."""
    local_first = first.replace(tzinfo=None)
    local_since = since.astimezone(first.tzinfo).replace(tzinfo=None)
    skipped = (local_since - local_first) // (period * BLOCK) * BLOCK - 1
    if skipped <= 0:
        return first
    return (local_first + skipped * period).replace(tzinfo=first.tzinfo)


@lru_cache(maxsize=2048)
def _resumed(rule_text: str, first: datetime, near: datetime, zone: str) -> rrule:
    """The rule resumed at `near` (one of its occurrences), keeping the occurrences it has
    made (dateutil's cache): a range replays them instead of making them again. Each holds
    at most a block and a range's worth (a range is at most MAX_RANGE_DAYS): about 10 KB for
    a weekly rule, 30 KB for a daily one over the longest range."""
    return parse(rule_text, first).replace(dtstart=near, cache=True)


@lru_cache(maxsize=4096)
def _period(rule_text: str) -> timedelta | None:
    """The period of a daily or weekly rule without COUNT (None for any other)."""
    parts = dict(p.split("=", 1) for p in rule_text.upper().split(";") if "=" in p)
    days = {"DAILY": 1, "WEEKLY": 7}.get(parts.get("FREQ", ""))
    if days is None or "COUNT" in parts:
        return None
    return timedelta(days=days * int(parts.get("INTERVAL", "1") or 1))

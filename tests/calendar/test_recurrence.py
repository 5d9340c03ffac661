"""Expansion of a series over a range matches dateutil walking the whole rule, in wall-clock
time of the event's zone, whatever the range (the shortcut for old daily and weekly series
included), across daylight-saving changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.calendar.recurrence import Series

PARIS = ZoneInfo("Europe/Paris")
RULES = [
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
    "FREQ=WEEKLY;UNTIL=20280101T000000Z",
    "FREQ=DAILY;COUNT=400",
    "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=HOURLY;INTERVAL=7",
]


def reference(rule: str, first: datetime, length: timedelta, start: datetime, end: datetime):
    found = []
    for s in rrulestr(rule, dtstart=first):
        if s.astimezone(UTC) >= end:
            break
        e = (s.replace(tzinfo=None) + length).replace(tzinfo=PARIS)
        if s < end and e > start:
            found.append((s.astimezone(UTC), e.astimezone(UTC)))
        if len(found) > 500:
            break
    return found


@settings(max_examples=150, deadline=None)
@given(
    rule=st.sampled_from(RULES),
    offset_days=st.integers(0, 900),
    span_days=st.integers(1, 40),
    hour=st.integers(0, 23),
    minutes=st.sampled_from([15, 60, 24 * 60 + 30]),
)
def test_expansion_matches_walking_the_rule(rule, offset_days, span_days, hour, minutes):
    first = datetime(2026, 1, 5, hour, 30, tzinfo=PARIS)
    length = timedelta(minutes=minutes)
    end_of_first = (first.replace(tzinfo=None) + length).replace(tzinfo=PARIS)
    series = Series(first.astimezone(UTC), end_of_first.astimezone(UTC), "Europe/Paris", rule)
    start = (first + timedelta(days=offset_days)).astimezone(UTC)
    end = start + timedelta(days=span_days)
    got = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in series.between(start, end)]
    assert got[:500] == reference(rule, first, length, start, end)

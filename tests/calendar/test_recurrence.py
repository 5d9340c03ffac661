"""Expansion of a series over a range matches dateutil walking the whole rule, in wall-clock
time of the event's zone, whatever the range (the shortcut for old daily and weekly series
included), across daylight-saving changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.calendar.recurrence import Override, Series

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


def test_an_override_replaces_its_occurrence_in_start_order_and_extends_the_span():
    first = datetime(2026, 12, 1, 9, tzinfo=PARIS)
    hour = timedelta(hours=1)
    moved_from = datetime(2026, 12, 2, 9, tzinfo=PARIS)
    moved_to = datetime(2026, 12, 10, 7, tzinfo=PARIS)  # after the last one the rule makes
    override = Override(moved_from, moved_to, moved_to + hour, "Late")
    series = Series(first, first + hour, "Europe/Paris", "FREQ=DAILY;COUNT=3", (), (override,))
    found = list(series.occurrences(first, first + timedelta(days=30)))
    assert [(rid.day, start.day, o is not None) for rid, start, _, o in found] == [
        (1, 1, False),
        (3, 3, False),
        (2, 10, True),
    ]
    assert series.last_end() == (moved_to + hour).astimezone(UTC)
    assert series.makes(moved_from) and not series.makes(moved_from + hour)
    # Stored and read back as the column keeps it.
    assert Override.load(override.dump()) == override
    # An exception wins over an override of the same occurrence.
    cancelled = Series(
        first, first + hour, "Europe/Paris", "FREQ=DAILY;COUNT=3", (moved_from,), (override,)
    )
    assert [s.day for s, _ in cancelled.between(first, first + timedelta(days=30))] == [1, 3]


def test_an_occurrence_is_addressable_up_to_its_reach_quickly():
    first = datetime(2026, 1, 1, 9, tzinfo=PARIS)
    hourly = Series(first, first + timedelta(hours=1), "Europe/Paris", "FREQ=HOURLY")
    daily = Series(first, first + timedelta(hours=1), "Europe/Paris", "FREQ=DAILY")
    assert hourly.makes(datetime(2027, 1, 1, 9, tzinfo=PARIS))
    assert not hourly.makes(datetime(2029, 1, 1, 9, tzinfo=PARIS))  # beyond two years
    assert daily.makes(datetime(2076, 1, 1, 9, tzinfo=PARIS))  # from the period before it
    assert not daily.makes(datetime(2076, 1, 1, 10, tzinfo=PARIS))


def test_ranges_asked_in_any_order_replay_what_was_made_before():
    """Daily and weekly series keep what they made (dateutil's cache, per block of periods):
    a range inside, before, across or beyond what an earlier one made finds the same
    occurrences as walking the rule."""
    length = timedelta(minutes=45)
    for rule in ("FREQ=DAILY;INTERVAL=2", "FREQ=WEEKLY;BYDAY=MO,TH"):
        first = datetime(2025, 2, 3, 8, 15, tzinfo=PARIS)
        end_of_first = (first.replace(tzinfo=None) + length).replace(tzinfo=PARIS)
        series = Series(first.astimezone(UTC), end_of_first.astimezone(UTC), "Europe/Paris", rule)
        for offset, span in ((300, 3), (290, 40), (330, 5), (280, 120), (20, 400), (300, 3)):
            start = (first + timedelta(days=offset)).astimezone(UTC)
            end = start + timedelta(days=span)
            got = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in series.between(start, end)]
            assert got == reference(rule, first, length, start, end), (rule, offset, span)


def test_series_starting_at_the_same_instant_in_two_zones_keep_their_own_wall_clock():
    """Equal instants in two zones are equal datetimes: the rule caches must still tell a
    London series from a UTC one (London's summer time moves its meetings an hour)."""
    winter = datetime(2027, 1, 4, 9, tzinfo=ZoneInfo("Europe/London"))  # 09:00 UTC as well
    summer = (datetime(2027, 7, 1, tzinfo=UTC), datetime(2027, 7, 15, tzinfo=UTC))
    for rule in ("FREQ=WEEKLY", "FREQ=WEEKLY;COUNT=60", "FREQ=MONTHLY;BYDAY=1MO"):
        in_london = Series(winter, winter + timedelta(hours=1), "Europe/London", rule)
        in_utc = Series(winter, winter + timedelta(hours=1), "UTC", rule)
        for series, hour in ((in_london, 8), (in_utc, 9), (in_london, 8)):
            starts = [s.astimezone(UTC) for s, _ in series.between(*summer)]
            assert starts and {s.hour for s in starts} == {hour}, (rule, series.time_zone)

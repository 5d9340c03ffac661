"""Times of day on the user's clock, and days in words."""

from datetime import date, datetime, time

import pytest

from crm.kit.clock import said_day, time_of_day


@pytest.mark.parametrize(
    ("moment", "on_24", "on_12"),
    [
        (time(0, 5), "00:05", "12:05 AM"),
        (time(9, 0), "09:00", "9:00 AM"),
        (time(12, 0), "12:00", "12:00 PM"),
        (time(14, 30), "14:30", "2:30 PM"),
        (datetime(2026, 12, 2, 23, 59), "23:59", "11:59 PM"),
    ],
)
def test_a_time_of_day_is_written_on_either_clock(moment, on_24, on_12):
    assert (time_of_day(moment, "24h"), time_of_day(moment, "12h")) == (on_24, on_12)


@pytest.mark.parametrize(
    ("day", "said"),
    [
        (date(2026, 12, 4), "Friday 4 December"),
        ("2026-12-04", "Friday 4 December"),  # as the API answers it
        (date(2027, 3, 31), "Wednesday 31 March 2027"),  # another year says which
    ],
)
def test_a_day_is_said_by_its_weekday_and_date(day, said):
    assert said_day(day, today=date(2026, 12, 3)) == said

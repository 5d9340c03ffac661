"""Times of day on the user's clock."""

from datetime import datetime, time

import pytest

from crm.kit.clock import time_of_day


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

"""Times of day written the way the user reads them: their clock, 24-hour ("14:00", the
default) or 12-hour ("2:00 PM"), chosen in Settings → Profile (from the browser's locale at
sign-up). The chat, the offline interpreter's answers, the pages and the e-mails all write
through here; the API keeps ISO 8601."""

from datetime import date, datetime, time
from typing import Literal

Clock = Literal["24h", "12h"]
CLOCKS: dict[str, str] = {"24h": "24-hour (14:00)", "12h": "12-hour (2:00 PM)"}


def time_of_day(moment: datetime | time, clock: str) -> str:
    """ "14:00" on a 24-hour clock, "2:00 PM" on a 12-hour one."""
    if clock == "12h":
        hour = moment.hour % 12 or 12
        return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def said_day(day: date | str, today: date) -> str:
    """ "Friday 4 December" (an ISO date too), with the year when it is not `today`'s:
    "Wednesday 31 March 2027"."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day:%A} {day.day} {day:%B}" + (f" {day.year}" if day.year != today.year else "")

"""The connected services whose calendars sync with the CRM's (crm/calendar/sync.py), by
slug: how to reach each one's calendar as a `CalendarServer` with the user's access token."""

from collections.abc import Callable

import httpx

from crm.config import Settings
from crm.integrations.google.calendar import GoogleCalendar
from crm.integrations.ms365.calendar import GraphCalendar

CalendarFactory = Callable[[httpx.AsyncClient, Settings, str], GraphCalendar | GoogleCalendar]

CALENDARS: dict[str, CalendarFactory] = {
    "ms365": lambda http, settings, token: GraphCalendar(http, settings.microsoft_graph_url, token),
    "google": lambda http, settings, token: GoogleCalendar(http, settings.google_api_url, token),
}

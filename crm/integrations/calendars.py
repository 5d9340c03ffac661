"""The connected services whose calendars sync with the CRM's (crm/calendar/sync.py), by
slug: how to reach each one's calendar as a `CalendarServer` with the user's access token.
Each service's calendar module (its REST client, and what it needs: httpx, icalendar's time
zone table) is imported when one of its calendars is first reached, not with the web app."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from crm.config import Settings

if TYPE_CHECKING:
    import httpx

    from crm.calendar.remote import CalendarServer


def _outlook(http: "httpx.AsyncClient", settings: Settings, token: str) -> "CalendarServer":
    from crm.integrations.ms365.calendar import GraphCalendar

    return GraphCalendar(http, settings.microsoft_graph_url, token)


def _google(http: "httpx.AsyncClient", settings: Settings, token: str) -> "CalendarServer":
    from crm.integrations.google.calendar import GoogleCalendar

    return GoogleCalendar(http, settings.google_api_url, token)


CalendarFactory = Callable[["httpx.AsyncClient", Settings, str], "CalendarServer"]

CALENDARS: dict[str, CalendarFactory] = {"ms365": _outlook, "google": _google}

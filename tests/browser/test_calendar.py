"""The calendar page in a real Chromium: create an event by selecting a slot, move it by
dragging, change it and delete it in the dialog, in the user's time zone; axe-core and the CSP
on each state; screenshots at 1440 and 390 px."""

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NARROW, WIDE
from tests.browser.test_pages import open_tab, register  # noqa: F401 (a fixture)
from tests.rows import fetch

ZONE = "Europe/Paris"
SLOW = 15_000  # ms: what waits on the server may take a while on a loaded machine
KINDS_SHOWN = ("event", "reminder", "project-due")
# The colour an item is drawn in (FullCalendar puts it in a custom property of the element).
COLOUR = "e => getComputedStyle(e).getPropertyValue('--fc-event-color')"


def use_zone(page: Page) -> None:
    site = urlsplit(page.url)
    page.goto(f"{site.scheme}://{site.netloc}/settings/profile")
    page.get_by_label("Time zone").select_option(ZONE)
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".toast").first).to_be_visible(timeout=SLOW)


def slot(page: Page, day: str, time: str):
    """The middle of the week view's cell of `day` at `time` (HH:MM:SS)."""
    page.locator(f'[data-time="{time}"]').last.scroll_into_view_if_needed()
    column = page.locator(f'[data-date="{day}"]').last.bounding_box()
    row = page.locator(f'[data-time="{time}"]').last.bounding_box()
    assert column and row, (day, time)
    return column["x"] + column["width"] / 2, row["y"] + row["height"] / 2


def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0], start[1] + 5, steps=3)
    page.mouse.move(*end, steps=8)
    page.mouse.up()


def test_create_drag_edit_and_delete_an_event(open_tab, admin_url):  # noqa: F811
    tab = open_tab(WIDE)
    register(tab)
    page = tab.page
    use_zone(page)
    page = tab.go("/calendar")
    expect(page.get_by_role("heading", name="Calendar", exact=True)).to_be_visible()
    page.get_by_role("tab", name="Week view").click()
    # A weekday of this week that is not today's column edge: tomorrow, unless it is Sunday.
    today = datetime.now(ZoneInfo(ZONE)).date()
    day = today + timedelta(days=1) if today.weekday() < 5 else today - timedelta(days=1)
    iso = day.isoformat()

    drag(page, slot(page, iso, "10:00:00"), slot(page, iso, "10:30:00"))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=SLOW)
    expect(dialog.get_by_label("Starts")).to_have_value(f"{iso}T10:00")
    expect(dialog.get_by_label("Ends")).to_have_value(f"{iso}T11:00")
    dialog.get_by_label("Title").fill("Call Jane")
    tab.check("calendar-dialog")
    dialog.get_by_role("button", name="Save").click()
    event = page.locator(".cal-event", has_text="Call Jane")
    expect(event).to_be_visible(timeout=SLOW)
    at = lambda hour: datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(ZONE))  # noqa: E731
    assert _events(admin_url) == [("Call Jane", at(10).isoformat(), at(11).isoformat(), ZONE)]

    # Drag it two hours later.
    box = event.bounding_box()
    assert box
    target = slot(page, iso, "12:00:00")
    drag(page, (box["x"] + box["width"] / 2, box["y"] + 6), (target[0], target[1] - 3))
    expect(page.locator(".toast", has_text="Event moved.")).to_be_visible(timeout=SLOW)
    assert _events(admin_url)[0][1:3] == (at(12).isoformat(), at(13).isoformat())

    # Resize it: its bottom edge half an hour lower.
    event = page.locator(".cal-event", has_text="Call Jane")
    event.hover()
    box = event.bounding_box()
    assert box
    bottom = (box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    lower = slot(page, iso, "13:00:00")
    drag(page, bottom, (bottom[0], lower[1] + 2))
    expect(page.locator(".toast", has_text="Event resized.")).to_be_visible(timeout=SLOW)
    assert _events(admin_url)[0][1:3] == (at(12).isoformat(), at(13).replace(minute=30).isoformat())

    # Edit: a new title and place.
    page.locator(".cal-event", has_text="Call Jane").click()
    expect(dialog.get_by_label("Title")).to_have_value("Call Jane", timeout=SLOW)
    dialog.get_by_label("Title").fill("Call Jane Doe")
    dialog.get_by_label("Location").fill("Phone")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator(".cal-event", has_text="Call Jane Doe")).to_be_visible(timeout=SLOW)
    assert _events(admin_url)[0][0] == "Call Jane Doe"
    tab.check("calendar-week")

    # The link of a notification opens the event.
    [(event_id,)] = fetch(admin_url, "SELECT id FROM calendar_event")
    page = tab.go(f"/calendar?event={event_id}")
    expect(dialog.get_by_label("Title")).to_have_value("Call Jane Doe", timeout=SLOW)
    dialog.get_by_role("button", name="Cancel").click()
    page.get_by_role("tab", name="Week view").click()

    # Delete it.
    page.once("dialog", lambda confirm: confirm.accept())
    page.locator(".cal-event", has_text="Call Jane Doe").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator(".cal-event")).to_have_count(0, timeout=SLOW)
    assert _events(admin_url) == []
    tab.check()


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1440", "390"])
def test_month_view_shows_events_reminders_and_due_dates(open_tab, viewport):  # noqa: F811
    tab = open_tab(viewport)
    register(tab)
    page = tab.page
    day = datetime.now(ZoneInfo("UTC")).date() + timedelta(days=2)
    api = page.request
    csrf = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    headers = {"X-CSRF-Token": csrf}
    base = tab.base
    created = api.post(
        f"{base}/api/v1/calendar/events",
        data={"title": "Board meeting", "start": f"{day}T14:00:00Z"},
        headers=headers,
    )
    assert created.ok, created.text()
    reminder = api.post(
        f"{base}/api/v1/reminders",
        data={"message": "Call Acme", "remind_at": f"{day}T09:00:00Z"},
        headers=headers,
    )
    assert reminder.ok, reminder.text()
    project = api.post(
        f"{base}/api/v1/projects", data={"name": "Launch", "due_date": str(day)}, headers=headers
    )
    assert project.ok, project.text()
    page = tab.go("/calendar")
    if viewport is NARROW:
        page.get_by_role("tab", name="Month view").click()
    expect(page.locator(".cal-event", has_text="Board meeting")).to_be_visible(timeout=SLOW)
    expect(page.locator(".cal-reminder", has_text="Call Acme")).to_be_visible(timeout=SLOW)
    expect(page.locator(".cal-project-due", has_text="Launch")).to_be_visible(timeout=SLOW)
    colours = {kind: page.locator(f".cal-{kind}").first.evaluate(COLOUR) for kind in KINDS_SHOWN}
    assert len(set(colours.values())) == 3, colours
    tab.check("calendar-month")
    page.locator(".cal-reminder", has_text="Call Acme").click()
    reminder_dialog = page.get_by_role("dialog", name="Reminder")
    expect(reminder_dialog).to_contain_text("Call Acme", timeout=SLOW)
    tab.check()
    reminder_dialog.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".cal-reminder")).to_have_count(
        0, timeout=SLOW
    )  # dismissed: off the calendar
    title = page.locator("#calendar [role=heading]")
    shown = title.inner_text()
    page.get_by_role("button", name=re.compile("^Next")).click()
    expect(title).not_to_have_text(shown)
    page.get_by_role("button", name=re.compile("^This ")).click()
    expect(title).to_have_text(shown)
    expect(page.locator(".cal-event", has_text="Board meeting")).to_be_visible(timeout=SLOW)
    tab.check()
    page.locator(".cal-project-due", has_text="Launch").click()  # a due date opens its record
    expect(page).to_have_url(f"{base}/projects/{project.json()['id']}", timeout=SLOW)
    expect(page.get_by_role("heading", name="Launch")).to_be_visible()
    # A reminder's notification links to /calendar?reminder=<id>, which opens it.
    page = tab.go(f"/calendar?reminder={reminder.json()['id']}")
    reminder_dialog = page.get_by_role("dialog", name="Reminder")
    expect(reminder_dialog).to_contain_text("Call Acme", timeout=SLOW)


def _events(admin_url: str) -> list[tuple[str, str, str, str]]:
    rows = fetch(
        admin_url,
        "SELECT title, starts_at, ends_at, time_zone FROM calendar_event ORDER BY starts_at",
    )
    zone = ZoneInfo(ZONE)
    return [
        (t, s.astimezone(zone).isoformat(), e.astimezone(zone).isoformat(), z)
        for t, s, e, z in rows
    ]


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1440", "390"])
def test_settings_calendar_feed_and_caldav(open_tab, radicale, viewport):  # noqa: F811
    from tests.radicale import PASSWORD, USER

    radicale.make_calendar("work", "Work")
    tab = open_tab(viewport)
    register(tab)
    page = tab.go("/settings/calendar")
    expect(page.get_by_role("heading", name="Calendar feed")).to_be_visible()
    page.get_by_role("button", name="Make a feed address").click()
    expect(page.get_by_label(re.compile("Your feed address"))).to_have_value(
        re.compile(r"/api/v1/calendar/feed/.+\.ics$")
    )
    page.get_by_label("Server address").fill(radicale.url)
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Connect").click()
    expect(page.locator("#caldav-password-error")).to_contain_text("refused", timeout=SLOW)
    tab.check()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Connect").click()
    expect(page.locator("[data-caldav-calendar]")).to_have_text("Work")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("[data-sync-report]")).to_be_visible(timeout=SLOW)
    # Toasts fade by themselves; stacked and fading they fool the contrast check.
    page.evaluate("document.querySelectorAll('[data-toast]').forEach(t => t.remove())")
    tab.check("settings-calendar")

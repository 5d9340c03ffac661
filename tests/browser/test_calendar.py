"""The calendar page in a real Chromium: create an event by selecting a slot, move it by
dragging, change it and delete it in the dialog, in the user's time zone; axe-core and the CSP
on each state; screenshots at 1440 and 390 px."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID
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
# Scrolls a row of the week view to the middle unless it shows below the (sticky) day header.
SHOW_ROW = """(e, day) => {
  const top = document.querySelector(`[data-date="${day}"]`).getBoundingClientRect().bottom;
  const box = e.getBoundingClientRect();
  if (box.top < top || box.bottom > window.innerHeight) e.scrollIntoView({block: 'center'});
}"""


def use_zone(page: Page) -> None:
    site = urlsplit(page.url)
    page.goto(f"{site.scheme}://{site.netloc}/settings/profile")
    page.get_by_label("Time zone").select_option(ZONE)
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".toast").first).to_be_visible(timeout=SLOW)


def use_clock(page: Page, clock: str) -> None:
    site = urlsplit(page.url)
    page.goto(f"{site.scheme}://{site.netloc}/settings/profile")
    page.get_by_label("Clock").select_option(clock)
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".toast").first).to_be_visible(timeout=SLOW)
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-clock", clock)


def slot(page: Page, day: str, time: str):
    """The middle of the week view's cell of `day` at `time` (HH:MM:SS), scrolled to the middle
    of the window if it is not in view below the sticky headers (scrolled only as far as
    needed, a row above the view, as the week opens at the current hour, stopped under them,
    where a press lands on the header)."""
    page.locator(f'[data-time="{time}"]').last.evaluate(SHOW_ROW, day)
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
    use_clock(page, "24h")  # Chromium's en-US locale started the account on 12-hour
    page = tab.go("/calendar")
    expect(page.get_by_role("heading", name="Calendar", exact=True)).to_be_visible()
    page.get_by_role("tab", name="Week view").click()
    expect(page.locator('[data-time="14:00:00"]').first).to_have_text("14:00")  # the hours
    # A weekday of this week that is not today's column edge: tomorrow, unless it is Sunday.
    today = datetime.now(ZoneInfo(ZONE)).date()
    day = today + timedelta(days=1) if today.weekday() < 5 else today - timedelta(days=1)
    iso = day.isoformat()

    drag(page, slot(page, iso, "10:00:00"), slot(page, iso, "10:30:00"))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=SLOW)
    expect(dialog.get_by_label("Starts")).to_have_value(iso)
    expect(dialog.get_by_label("Start time")).to_have_value("10:00")
    expect(dialog.get_by_label("Ends")).to_have_value(iso)
    expect(dialog.get_by_label("End time")).to_have_value("11:00")
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


def test_a_12_hour_user_reads_and_types_times_on_that_clock(open_tab, admin_url):  # noqa: F811
    tab = open_tab(WIDE)
    register(tab)  # in Chromium's en-US locale: on a 12-hour clock from the start
    page = tab.page
    expect(page.locator("html")).to_have_attribute("data-clock", "12h")
    use_zone(page)
    page = tab.go("/calendar")
    page.get_by_role("tab", name="Week view").click()
    expect(page.get_by_text("2:00 PM", exact=True).first).to_be_attached(timeout=SLOW)
    expect(page.get_by_text("14:00", exact=True)).to_have_count(0)
    hours = page.locator('[data-time="14:00:00"]').first
    expect(hours).to_have_text(re.compile(r"^2:00\s*PM$"))
    today = datetime.now(ZoneInfo(ZONE)).date()
    day = today + timedelta(days=1) if today.weekday() < 5 else today - timedelta(days=1)
    iso = day.isoformat()
    drag(page, slot(page, iso, "10:00:00"), slot(page, iso, "10:30:00"))
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Start time")).to_have_value("10:00 AM", timeout=SLOW)
    expect(dialog.get_by_label("End time")).to_have_value("11:00 AM")
    dialog.get_by_label("Title").fill("Call Nora")
    dialog.get_by_label("Start time").fill("25:00")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "Start time: \u201c25:00\u201d is not a time of day; write it like 2:30 PM."
    )
    dialog.get_by_label("Start time").fill("3:30 pm")
    dialog.get_by_label("End time").fill("4:15 PM")
    dialog.get_by_role("button", name="Save").click()
    event = page.locator(".cal-event", has_text="Call Nora")
    expect(event).to_contain_text(re.compile(r"3:30\s*–\s*4:15\s*PM"), timeout=SLOW)
    at = lambda h, m: datetime(day.year, day.month, day.day, h, m, tzinfo=ZoneInfo(ZONE))  # noqa: E731
    assert _events(admin_url) == [
        ("Call Nora", at(15, 30).isoformat(), at(16, 15).isoformat(), ZONE)
    ]
    event.click()
    expect(dialog.get_by_label("Start time")).to_have_value("3:30 PM", timeout=SLOW)
    tab.check()


def api_headers(page: Page) -> dict[str, str]:
    csrf = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    return {"X-CSRF-Token": csrf}


def make_contact(tab, name: str, email: str | None) -> str:
    body = {"name": name, **({"email": email} if email else {})}
    made = tab.page.request.post(
        f"{tab.base}/api/v1/contacts", data=body, headers=api_headers(tab.page)
    )
    assert made.ok, made.text()
    return made.json()["id"]


def test_a_weekly_event_with_a_contact_and_one_occurrence_dragged_alone(open_tab, admin_url):  # noqa: F811
    tab = open_tab(WIDE)
    register(tab)
    page = tab.page
    use_zone(page)
    jane = make_contact(tab, "Jane Doe", "jane@example.com")
    make_contact(tab, "No Mail", None)
    page = tab.go("/calendar")
    page.get_by_role("tab", name="Week view").click()
    today = datetime.now(ZoneInfo(ZONE)).date()
    day = today + timedelta(days=1) if today.weekday() < 5 else today - timedelta(days=1)
    iso = day.isoformat()

    drag(page, slot(page, iso, "10:00:00"), slot(page, iso, "10:30:00"))
    dialog = page.get_by_role("dialog", name="New event")
    expect(dialog).to_be_visible(timeout=SLOW)
    dialog.get_by_label("Title").fill("Weekly sync")
    # A contact without an e-mail cannot be invited: the server says so, naming them.
    attendee = dialog.get_by_role("combobox", name="Attendees")
    attendee.fill("No Mail (no e-mail)")
    attendee.press("Enter")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("No Mail has no e-mail", timeout=SLOW)
    dialog.get_by_role("button", name="Remove No Mail").click()
    # A contact picked from the list, and an address typed (keyboard only).
    attendee.fill("Jane Doe <jane@example.com>")
    attendee.press("Enter")
    attendee.fill("pat@elsewhere.org")
    dialog.get_by_role("button", name="Add", exact=True).click()
    expect(dialog.get_by_role("list", name="Invited").get_by_role("listitem")).to_have_text(
        ["Jane Doe (jane@example.com)×", "pat@elsewhere.org×"]
    )
    dialog.get_by_label("Linked record").select_option(label="Jane Doe")
    dialog.get_by_label("Repeat").select_option(label="Every week")
    dialog.get_by_label("Location").fill("Room 4")
    dialog.get_by_label("Description").fill("Agenda first")
    tab.check("calendar-event-dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator(".cal-event", has_text="Weekly sync")).to_be_visible(timeout=SLOW)
    [row] = fetch(
        admin_url,
        "SELECT rrule, attendees, contact_id, location, description FROM calendar_event",
    )
    assert row == (
        "FREQ=WEEKLY",
        ["jane@example.com", "pat@elsewhere.org"],
        UUID(jane),
        "Room 4",
        "Agenda first",
    )

    # Next week's occurrence, dragged two hours later: "This event" moves only it.
    page.get_by_role("button", name=re.compile("^Next")).click()
    later = (day + timedelta(days=7)).isoformat()
    occurrence = page.locator(".cal-event", has_text="Weekly sync")
    expect(occurrence).to_be_visible(timeout=SLOW)
    target = slot(page, later, "12:00:00")  # scrolls first: the box is read after
    box = occurrence.bounding_box()
    assert box
    drag(page, (box["x"] + box["width"] / 2, box["y"] + 6), (target[0], target[1] - 3))
    scope = page.get_by_role("dialog", name="Move a repeating event")
    expect(scope).to_be_visible(timeout=SLOW)
    tab.check("calendar-scope")
    scope.get_by_role("button", name="This event").click()
    expect(page.locator(".toast", has_text="Event moved.")).to_be_visible(timeout=SLOW)
    at = lambda d, hour: datetime(d.year, d.month, d.day, hour, tzinfo=ZoneInfo(ZONE))  # noqa: E731
    [(starts_at, overrides)] = fetch(admin_url, "SELECT starts_at, overrides FROM calendar_event")
    assert starts_at == at(day, 10)
    moved = day + timedelta(days=7)
    assert [(o["recurrence_id"], o["start"]) for o in overrides] == [
        (at(moved, 10).astimezone(UTC).isoformat(), at(moved, 12).astimezone(UTC).isoformat())
    ]
    # The week before keeps its 10:00; the week after too.
    found = page.request.get(
        f"{tab.base}/api/v1/calendar/events",
        params={"start": iso, "end": (day + timedelta(days=15)).isoformat()},
    ).json()["items"]
    assert [o["start"][11:16] for o in found] == ["10:00", "12:00", "10:00"]

    # Its dialog edits it alone too: "This event" keeps the series' title.
    page.locator(".cal-event", has_text="Weekly sync").click()
    edit = page.get_by_role("dialog", name="Edit event")
    expect(edit.get_by_label("Starts")).to_have_value(later, timeout=SLOW)
    expect(edit.get_by_label("Start time")).to_have_value("12:00 PM")
    expect(edit.get_by_role("list", name="Invited")).to_contain_text("Jane Doe")
    edit.get_by_label("Title").fill("Weekly sync (moved)")
    edit.get_by_role("button", name="Save").click()
    page.get_by_role("dialog", name="Change a repeating event").get_by_role(
        "button", name="This event"
    ).click()
    expect(page.locator(".cal-event", has_text="Weekly sync (moved)")).to_be_visible(timeout=SLOW)
    [(title, overrides)] = fetch(admin_url, "SELECT title, overrides FROM calendar_event")
    assert (title, [o["title"] for o in overrides]) == ("Weekly sync", ["Weekly sync (moved)"])


def test_the_event_dialog_at_390_px(open_tab, admin_url):  # noqa: F811
    tab = open_tab(NARROW)
    register(tab)
    page = tab.page
    jane = make_contact(tab, "Jane Doe", "jane@example.com")
    start = datetime.now(ZoneInfo("UTC")).replace(hour=10, minute=0, second=0, microsecond=0)
    made = page.request.post(
        f"{tab.base}/api/v1/calendar/events",
        data={
            "title": "Standup",
            "start": start.isoformat(),
            "rrule": "FREQ=DAILY",
            "attendee_contact_ids": [jane],
        },
        headers=api_headers(page),
    )
    assert made.ok, made.text()
    page = tab.go("/calendar")  # phones open on the day view: today's occurrence
    page.locator(".cal-event", has_text="Standup").click()
    edit = page.get_by_role("dialog", name="Edit event")
    expect(edit.get_by_role("list", name="Invited")).to_contain_text("Jane Doe", timeout=SLOW)
    expect(edit.get_by_label("Repeat")).to_have_value("FREQ=DAILY")
    tab.check("calendar-event-dialog")
    edit.get_by_role("button", name="Delete").click()
    scope = page.get_by_role("dialog", name="Delete a repeating event")
    expect(scope).to_be_visible()
    tab.check()
    scope.get_by_role("button", name="This event").click()
    expect(page.locator(".toast", has_text="Event deleted.")).to_be_visible(timeout=SLOW)
    [(exdates, rrule)] = fetch(admin_url, "SELECT exdates, rrule FROM calendar_event")
    assert (exdates, rrule) == ([start], "FREQ=DAILY")


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


def test_an_unreachable_caldav_server_is_said_in_words_and_the_form_keeps_its_layout(
    open_tab,  # noqa: F811
):
    from tests.smtp import free_port

    tab = open_tab(WIDE)
    register(tab)
    page = tab.go("/settings/calendar")
    page.get_by_label("Server address").fill(f"http://127.0.0.1:{free_port()}/dav")
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill("secret secret")
    page.get_by_role("button", name="Connect").click()
    error = page.locator("#caldav-url-error")
    expect(error).to_have_text(
        "The server could not be reached: check the address and that the server is up.",
        timeout=SLOW,
    )
    address, user = page.get_by_label("Server address"), page.get_by_label("User name")
    form, said = error.locator("xpath=ancestor::form").bounding_box(), error.bounding_box()
    assert address.bounding_box()["y"] < user.bounding_box()["y"], "the address comes first"
    assert said["x"] + said["width"] <= form["x"] + form["width"], "the error stays in the form"
    tab.check("settings-caldav-error")


def test_month_marks_items_in_colour_with_whole_titles_and_week_opens_at_the_first(
    open_tab,  # noqa: F811
):
    tab = open_tab(NARROW)
    register(tab)
    page = tab.page
    today = datetime.now(ZoneInfo("UTC")).date()
    csrf = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    headers = {"X-CSRF-Token": csrf}
    later = today + timedelta(days=1 if today.day < 27 else -1)
    for path, body in [
        ("calendar/events", {"title": "Quarterly planning", "start": f"{later}T15:00:00Z"}),
        ("reminders", {"message": "Call Acme", "remind_at": f"{later}T09:00:00Z"}),
        (
            "calendar/events",
            {"title": "Supplier visit", "start": f"{today + timedelta(7)}T16:00:00Z"},
        ),
    ]:
        assert page.request.post(f"{tab.base}/api/v1/{path}", data=body, headers=headers).ok
    page = tab.go("/calendar")
    page.get_by_role("tab", name="Month view").click()
    event = page.locator(".cal-event", has_text="Quarterly planning")
    reminder = page.locator(".cal-reminder", has_text="Call Acme")
    expect(event).to_be_visible(timeout=SLOW)
    marks = [e.evaluate("e => getComputedStyle(e).boxShadow") for e in (event, reminder)]
    assert all(m.startswith("rgb") for m in marks) and marks[0] != marks[1], marks
    whole = "e => [e, ...e.querySelectorAll('*')].every(n => n.scrollWidth <= n.clientWidth + 1)"
    assert event.evaluate(whole), "the title wraps instead of being cut"
    tab.check("calendar-month")
    page.get_by_role("tab", name="Day view").click()
    page.get_by_role("button", name=re.compile("^Next")).click()
    for _ in range(6):
        page.get_by_role("button", name=re.compile("^Next")).click()
    visit = page.locator(".cal-event", has_text="Supplier visit")
    expect(visit).to_be_visible(timeout=SLOW)
    expect(visit).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 300, "scrolled down from midnight"

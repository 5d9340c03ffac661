"""The bell in a real browser: a reminder fired by the server's worker shows up live (count and
toast, over the WebSocket), the inbox lists it and marks it read; axe and the CSP stay clean."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from crm.db import app_url
from tests.browser.test_pages import open_tab, register  # noqa: F401 (fixture)


@pytest.fixture
def worker(admin_url):
    """A `crm worker` beside the live server (which runs none) for this test only."""
    env = {**os.environ, "DATABASE_URL": app_url(admin_url)}
    process = subprocess.Popen(
        [sys.executable, "-m", "crm.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield process
    process.terminate()
    process.wait(timeout=30)


def test_a_fired_reminder_rings_the_bell_live(open_tab, worker):  # noqa: F811
    tab = open_tab()
    register(tab)
    page = tab.page
    bell = page.locator("[data-notifications]")
    expect(bell).to_have_attribute("aria-label", "Notifications")
    page.wait_for_load_state("networkidle")
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "crm_csrf")
    at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    created = page.request.post(
        tab.base + "/api/v1/reminders",
        data={"message": "Call Jane back", "remind_at": at},
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status == 201, created.text()
    expect(bell.locator("[data-notifications-count]")).to_have_text("1", timeout=15_000)
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    expect(page.locator("[data-toast]").filter(has_text="Call Jane back")).to_be_visible()
    tab.check()

    bell.click()
    expect(page.get_by_role("link", name="Call Jane back")).to_be_visible()
    tab.check()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("button", name="Mark all read")).to_have_count(0)
    expect(bell.locator("[data-notifications-count]")).to_be_hidden()
    tab.check()


def test_a_reminder_of_an_online_meeting_offers_join_live_and_in_the_inbox(open_tab, worker):  # noqa: F811
    tab = open_tab()
    register(tab)
    page = tab.page
    page.wait_for_load_state("networkidle")
    csrf = {
        "X-CSRF-Token": next(c["value"] for c in page.context.cookies() if c["name"] == "crm_csrf")
    }
    join = "https://meet.google.com/abc-defg-hij"
    event = {"title": "Acme call", "start": "2027-03-01T10:00:00Z", "meeting_url": join}
    made = page.request.post(tab.base + "/api/v1/calendar/events", data=event, headers=csrf)
    assert made.status == 201, made.text()
    at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    reminder = {"message": "Acme call", "remind_at": at, "event_id": made.json()["id"]}
    created = page.request.post(tab.base + "/api/v1/reminders", data=reminder, headers=csrf)
    assert created.status == 201, created.text()
    toast = page.locator("[data-toast]").filter(has_text="Acme call")
    expect(toast.get_by_role("link", name="Join")).to_have_attribute("href", join, timeout=15_000)
    tab.check()

    page.locator("[data-notifications]").click()
    expect(page.get_by_role("link", name="Join Acme call")).to_have_attribute("href", join)
    tab.check()

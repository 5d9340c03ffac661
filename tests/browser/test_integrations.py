"""Settings → Integrations in a real browser: connect Microsoft 365 through the stand-in's
sign-in page and come back connected, a declined consent said in words, disconnect after
confirming; connect Google Workspace with a scope left unticked; axe-core on each state, at
1440 and 390 px."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NARROW, WIDE
from tests.browser.test_pages import open_tab, register  # noqa: F401 (a fixture)
from tests.standins.google import GoogleAccount
from tests.standins.microsoft_identity import MicrosoftAccount


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1440", "390"])
def test_connect_microsoft_365_and_disconnect(open_tab, microsoft, viewport):  # noqa: F811
    tab = open_tab(viewport)
    register(tab, name="Ada Lovelace")
    page = tab.go("/settings/profile")
    page.get_by_role("link", name="Integrations").click()
    expect(page).to_have_url(re.compile(r"/settings/integrations$"))
    card = page.locator('[data-integration="ms365"]')
    expect(card.get_by_role("heading", name="Microsoft 365")).to_be_visible()
    expect(card.locator("[data-integration-status]")).to_have_text("Not connected")
    tab.check()

    microsoft.consents = False
    card.get_by_role("button", name="Connect Microsoft 365").click()
    expect(page).to_have_url(re.compile(r"/settings/integrations\?error=access_denied"))
    expect(page.get_by_role("alert")).to_contain_text("You declined the permissions")
    expect(card).to_have_attribute("data-status", "disconnected")

    microsoft.consents = True
    microsoft.signing_in = MicrosoftAccount("Ada Lovelace", "ada@contoso.com")
    card.get_by_role("button", name="Connect Microsoft 365").click()
    expect(page).to_have_url(re.compile(r"/settings/integrations\?connected=ms365$"))
    expect(page.locator("[data-callback-done]")).to_have_text("Microsoft 365 is connected.")
    expect(card.locator("[data-integration-status]")).to_have_text("Connected")
    expect(card.locator("[data-integration-account]")).to_have_text(
        "Ada Lovelace · ada@contoso.com"
    )
    assert microsoft.authorize_requests[-1]["code_challenge_method"] == "S256"
    tab.check("settings-integrations")

    sync = page.locator("[data-calendar-sync]")
    sync.get_by_role("button", name="Sync now").click()
    expect(page.locator(".toast")).to_contain_text("Your calendars are synced.")
    expect(sync.locator('[data-calendar-source="Calendar"]')).to_contain_text("Receives new events")
    expect(sync.locator('[data-sync-run="ok"]').first).to_be_visible()
    tab.check()

    card.get_by_role("link", name="Disconnect").click()
    expect(card.locator("[data-confirm-disconnect]")).to_contain_text("Disconnect Microsoft 365?")
    tab.check()
    card.get_by_role("button", name="Disconnect").click()
    expect(page.locator(".toast").last).to_contain_text("Microsoft 365 is disconnected")
    expect(card.locator("[data-integration-status]")).to_have_text("Not connected")
    tab.check()


def test_connect_google_workspace_with_a_scope_left_unticked(open_tab, google):  # noqa: F811
    tab = open_tab(WIDE)
    register(tab, name="Grace Hopper")
    page = tab.go("/settings/integrations")
    card = page.locator('[data-integration="google"]')
    expect(card.get_by_role("heading", name="Google Workspace")).to_be_visible()
    google.signing_in = GoogleAccount("Grace Hopper", "grace@example.org")
    google.unticked = {"https://www.googleapis.com/auth/drive"}
    card.get_by_role("button", name="Connect Google Workspace").click()
    expect(page).to_have_url(re.compile(r"/settings/integrations\?connected=google$"))
    expect(page.locator("[data-callback-done]")).to_have_text("Google Workspace is connected.")
    expect(card.locator("[data-integration-status]")).to_have_text("Connected")
    expect(card.locator("[data-integration-account]")).to_have_text(
        "Grace Hopper · grace@example.org"
    )
    expect(card.get_by_role("alert")).to_contain_text("share files in your Google Drive")
    sent = google.authorize_requests[-1]
    assert sent["access_type"] == "offline" and sent["prompt"] == "consent"
    tab.check()


def test_an_invitation_synced_from_outlook_opens_read_only(open_tab, microsoft):  # noqa: F811
    from datetime import UTC, datetime, timedelta

    tab = open_tab(WIDE)
    register(tab, name="Ada Lovelace")
    account = MicrosoftAccount("Ada Lovelace", "ada.invited@contoso.com")
    start = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    microsoft.graph.mailbox(account.mail, account.display_name).add_event(
        subject="Board meeting",
        start=start + timedelta(days=1),
        end=start + timedelta(days=1, hours=1),
        online=True,
        isOrganizer=False,
        organizer={"emailAddress": {"name": "Boss", "address": "boss@contoso.com"}},
        responseStatus={"response": "accepted"},
    )
    microsoft.signing_in = account
    page = tab.go("/settings/integrations")
    page.locator('[data-integration="ms365"]').get_by_role(
        "button", name="Connect Microsoft 365"
    ).click()
    expect(page.locator("[data-callback-done]")).to_have_text("Microsoft 365 is connected.")
    page.locator("[data-calendar-sync]").get_by_role("button", name="Sync now").click()
    expect(page.locator(".toast").first).to_contain_text("Your calendars are synced.")
    day = (start + timedelta(days=1)).date()
    found = page.request.get(
        f"{tab.base}/api/v1/calendar/events?start={day}&end={day + timedelta(days=1)}"
    ).json()["items"]
    page = tab.go(f"/calendar?event={found[0]['event_id']}")  # goes to it and opens it
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#event-invited")).to_contain_text(
        "boss@contoso.com organises this meeting; your answer: accepted."
    )
    expect(dialog.locator("#event-save")).to_be_hidden()
    expect(dialog.locator("#event-join")).to_be_visible()
    tab.check()

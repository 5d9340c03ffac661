"""Settings → Notifications in a real browser at 1440 and 390 px: the choice of the mailbox
reminder e-mails leave through, saved and shown checked; axe-core on each state."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NARROW, WIDE
from tests.browser.test_pages import open_tab, register  # noqa: F401 (a fixture)


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1440", "390"])
def test_the_mailbox_of_reminder_emails_is_chosen_and_saved(open_tab, viewport):  # noqa: F811
    tab = open_tab(viewport)
    register(tab)
    page = tab.go("/settings/notifications")
    automatic = page.get_by_label("Automatic: your own mailbox when one is connected")
    expect(automatic).to_be_checked()
    expect(page.get_by_text("Connect Outlook (Microsoft 365) or Gmail (Google)")).to_be_visible()
    tab.check()
    page.get_by_label("This server's mail (SMTP)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your choice is saved.")).to_be_visible()
    expect(page.get_by_label("This server's mail (SMTP)")).to_be_checked()
    tab.check("settings-notifications")
    page.reload()
    expect(page.get_by_label("This server's mail (SMTP)")).to_be_checked()

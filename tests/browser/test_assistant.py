"""The assistant's page in Chromium: send, stream, entity card, confirm a delete; axe-clean."""

import re

from playwright.sync_api import expect

from tests.browser.test_pages import open_tab, register  # noqa: F401 (fixture)


def test_chat_streams_a_reply_shows_the_record_and_confirms_a_delete(open_tab):  # noqa: F811
    tab = open_tab()
    register(tab)
    page = tab.go("/")
    expect(page).to_have_url(re.compile(r"/assistant$"))
    tab.check("assistant-empty")
    box = page.get_by_label("Message to the assistant")
    box.fill("add contact Grace Hopper")
    box.press("Enter")
    card = page.locator(".entity-card", has_text="Created contact Grace Hopper")
    expect(card).to_be_visible()
    assert re.fullmatch(r"/contacts/[0-9a-f-]{36}", card.get_attribute("href"))
    expect(page).to_have_url(re.compile(r"/assistant\?c=[0-9a-f-]{36}$"))
    box.fill("delete it")
    page.get_by_role("button", name="Send").click()
    confirm = page.get_by_role("button", name="Confirm")
    expect(confirm).to_be_focused()
    tab.check("assistant-confirm")
    page.keyboard.press("Enter")
    expect(page.locator(".chat-text", has_text="Deleted contact Grace Hopper.")).to_be_visible()
    page.reload()  # the conversation is stored: the list and the messages come back
    expect(page.get_by_role("link", name=re.compile("add contact Grace Hopper"))).to_be_visible()
    expect(page.locator(".entity-card")).to_have_count(2)
    tab.check()

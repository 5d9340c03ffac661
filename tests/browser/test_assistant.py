"""The assistant's page in Chromium: send, stream, entity card, confirm a delete; a provider's
reply streamed word by word and stopped; axe-clean."""

import re
import threading

from playwright.sync_api import expect

from tests.ai.fake_providers import Text
from tests.browser.conftest import NARROW
from tests.browser.test_ai_settings import provider_server  # noqa: F401 (fixture)
from tests.browser.test_pages import Tab, open_tab, register  # noqa: F401 (fixture)


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
    expect(page.get_by_role("button", name="Send")).to_be_enabled()  # the turn is done, stored
    page.reload()  # the conversation is stored: the list and the messages come back
    expect(page.get_by_role("link", name=re.compile("add contact Grace Hopper"))).to_be_visible()
    expect(page.locator(".entity-card")).to_have_count(2)
    tab.check()


def test_a_new_conversation_joins_the_list_without_a_reload(open_tab):  # noqa: F811
    tab = open_tab()
    register(tab)
    page = tab.go("/assistant")
    expect(page.get_by_text("Your conversations appear here.")).to_be_visible()
    box = page.get_by_label("Message to the assistant")
    box.fill("add contact Ada Byron")
    box.press("Enter")
    listed = page.locator(".chat-history-list a[aria-current=page]")
    expect(listed).to_contain_text("add contact Ada Byron")
    expect(listed).to_contain_text("now")
    expect(page.get_by_text("Your conversations appear here.")).to_have_count(0)
    expect(listed).to_have_attribute("href", re.compile(r"^/assistant\?c=[0-9a-f-]{36}$"))
    box.fill("add contact Bea Byron")
    box.press("Enter")
    expect(page.locator(".entity-card", has_text="Bea Byron")).to_be_visible()
    expect(page.locator(".chat-history-list li")).to_have_count(1)
    tab.check()


def test_a_conversation_begun_in_one_tab_joins_the_list_of_another(open_tab):  # noqa: F811
    tab = open_tab()
    register(tab)
    other = Tab(tab.page.context, tab.base, tab.shots)  # a second tab, signed in the same
    watching = other.go("/assistant")
    expect(watching.locator("[data-notifications][data-unread]")).to_have_count(1)  # live
    page = tab.go("/assistant")
    box = page.get_by_label("Message to the assistant")
    box.fill("add contact Ada Byron")
    box.press("Enter")
    expect(page.locator(".entity-card", has_text="Ada Byron")).to_be_visible()
    expect(page.locator(".chat-history-list li")).to_have_count(1)
    expect(page.locator(".chat-history-list a[aria-current=page]")).to_have_count(1)
    joined = watching.locator(".chat-history-list a", has_text="add contact Ada Byron")
    expect(joined).to_have_attribute("href", page.url.removeprefix(tab.base))
    expect(watching.locator(".chat-history-list a[aria-current]")).to_have_count(0)
    other.check()
    tab.check()


def test_a_typed_yes_decides_the_question_and_a_reload_keeps_it_decided(open_tab):  # noqa: F811
    tab = open_tab()
    register(tab)
    page = tab.go("/assistant")
    box = page.get_by_label("Message to the assistant")
    box.fill("add contact Alan Turing")
    box.press("Enter")
    expect(page.locator(".entity-card", has_text="Created contact Alan Turing")).to_be_visible()
    box.fill("delete it")
    box.press("Enter")
    question = page.locator(".chat-confirm")
    expect(question.get_by_role("button", name="Confirm")).to_be_enabled()
    box.fill("yes")
    box.press("Enter")
    expect(page.locator(".chat-text", has_text="Deleted contact Alan Turing.")).to_be_visible()
    expect(question.get_by_role("button")).to_have_count(0)
    expect(question.locator(".pill")).to_have_text("Confirmed")
    tab.check("assistant-decided")
    page.reload()
    expect(page.locator(".chat-confirm")).to_have_count(1)
    expect(page.locator(".chat-confirm .pill")).to_have_text("Confirmed")
    expect(page.locator(".chat-confirm button")).to_have_count(0)
    tab.check()


def test_a_providers_reply_streams_word_by_word_and_stop_cancels_it(
    open_tab,  # noqa: F811
    provider_server,  # noqa: F811
):
    tab = open_tab()
    register(tab)
    page = tab.go("/settings/ai")
    page.get_by_label("Provider", exact=True).first.select_option("openai_compatible")
    page.get_by_label("Model", exact=True).first.fill("llama3.2")
    page.get_by_label("Base URL").fill(provider_server.url + "/v1")
    page.get_by_role("button", name="Save AI settings").click()
    expect(page.locator(".toast")).to_contain_text("The AI settings are saved.")

    page = tab.go("/assistant")
    expect(page.get_by_text("Answering with OpenAI-compatible server llama3.2")).to_be_visible()
    hold = threading.Event()
    provider_server.then(Text("Streaming words arrive one by one.", hold=hold))
    box = page.get_by_label("Message to the assistant")
    box.fill("hello")
    box.press("Enter")
    answer = page.locator(".chat-assistant .chat-text").last
    expect(answer).to_have_text(re.compile(r"^Streaming\s*$"))  # the first word, alone
    page.get_by_role("button", name="Stop").click()
    expect(answer).to_contain_text("(stopped: nothing of this answer was kept)")
    expect(page.get_by_role("button", name="Stop")).to_be_hidden()
    hold.set()

    provider_server.then(Text("Every word arrives in turn.", pause=0.05))
    box.fill("hello again")
    box.press("Enter")
    expect(page.locator(".chat-assistant .chat-text").last).to_have_text(
        "Every word arrives in turn."
    )
    tab.check()


def test_on_a_phone_the_chat_comes_first_and_the_message_box_stays_at_the_foot(open_tab):  # noqa: F811
    tab = open_tab(NARROW)
    register(tab)
    page = tab.go("/assistant")
    box = page.get_by_label("Message to the assistant")
    for name in ("Ann Arbor", "Ben Bow", "Cid Cole", "Dee Dunn"):
        box.fill(f"add contact {name}")
        box.press("Enter")
        expect(page.locator(".entity-card", has_text=name)).to_be_visible()
        expect(page.get_by_role("button", name="Send")).to_be_enabled()
    chat = page.locator(".chat").bounding_box()
    history = page.locator(".chat-history").bounding_box()
    assert chat["y"] < history["y"], "the conversation list comes after the chat"
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate("document.documentElement.scrollHeight") > NARROW["height"]
    form = page.locator("#chat-form").bounding_box()
    assert NARROW["height"] - 5 <= form["y"] + form["height"] <= NARROW["height"] + 1
    tab.check("assistant")

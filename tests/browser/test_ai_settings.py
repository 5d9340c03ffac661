"""Settings → AI in a real browser at 1440 and 390 px: save a provider and key (shown masked
afterwards), an inline error, and "Test connection" against a local OpenAI-compatible server;
axe-core on each state."""

import re

import pytest
from playwright.sync_api import expect

from tests.ai.fake_providers import FakeProviders, Text
from tests.browser.conftest import NARROW, WIDE
from tests.browser.test_pages import open_tab, register  # noqa: F401 (a fixture)


@pytest.fixture(scope="module")
def provider_server():
    fake = FakeProviders().start()
    yield fake
    fake.stop()


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1440", "390"])
def test_ai_tab_saves_masks_the_key_and_tests_the_connection(
    open_tab,  # noqa: F811
    provider_server,
    viewport,
):
    tab = open_tab(viewport)
    register(tab)
    page = tab.go("/settings/ai")
    expect(page.get_by_role("heading", name="AI provider")).to_be_visible()

    page.get_by_label("Provider", exact=True).first.select_option("openai_compatible")
    page.get_by_label("Model", exact=True).first.fill("llama3.2")
    page.get_by_role("button", name="Save AI settings").click()
    expect(page.locator("#ai-base_url-error")).to_contain_text("needed")
    tab.check()

    page.get_by_label("Base URL").fill(provider_server.url + "/v1")
    page.get_by_label("API key").first.fill("sk-local-BROWSERKEY-4e5f")
    page.get_by_role("button", name="Save AI settings").click()
    expect(page.locator(".toast")).to_contain_text("The AI settings are saved.")
    expect(page.get_by_text("A key is saved (sk-…4e5f)")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("BROWSERKEY")
    expect(page.get_by_label("API key").first).to_have_value("")

    provider_server.then(Text("OK"))
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("[data-ai-test]")).to_have_attribute("data-ai-test", "ok", timeout=20_000)
    expect(page.locator("[data-ai-test]")).to_contain_text(re.compile("answered with llama3.2"))
    tab.check("settings-ai")

"""The pages in a real browser: register, sign in and out, settings, invitations, feedback,
the sidebar and account menu at 390 px and 1440 px, the Ctrl+K palette; axe-core on each page,
and no Content-Security-Policy violation anywhere."""

import re
import uuid
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import NARROW, WIDE
from tests.conftest import PASSWORD

AXE = Axe()


class Tab:
    """A page of one browser context that records CSP violations and console errors."""

    def __init__(self, context: BrowserContext, base: str, shots: Path) -> None:
        self.page: Page = context.new_page()
        self.base, self.shots, self.problems = base, shots, []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))

    def _console(self, message) -> None:
        # An answer such as a 422 with a form's messages is expected; scripts must not fail.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"{message.text} at {message.location}")

    def go(self, path: str) -> Page:
        self.page.goto(self.base + path)
        return self.page

    def check(self, name: str | None = None) -> None:
        """axe-core finds nothing serious or critical; no script error or CSP violation;
        and, with a name, a screenshot `<name>-<width>.png`."""
        self.page.wait_for_load_state("networkidle")
        results = AXE.run(self.page)
        bad = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], f"axe on {self.page.url}: {bad}"
        assert self.problems == [], f"console errors on {self.page.url}: {self.problems}"
        if name:
            width = self.page.viewport_size["width"]
            self.page.screenshot(path=self.shots / f"{name}-{width}.png")


@pytest.fixture
def open_tab(browser: Browser, live_server: str, screenshots: Path):
    contexts = []

    def make(viewport=WIDE, color_scheme="light", **options) -> Tab:
        context = browser.new_context(viewport=viewport, color_scheme=color_scheme, **options)
        contexts.append(context)
        return Tab(context, live_server, screenshots)

    yield make
    for context in contexts:
        context.close()


def register(tab: Tab, name="Ada Lovelace", shoot=False) -> str:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    page = tab.go("/register")
    if shoot:
        tab.check("register")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/assistant$"))
    return email


def test_register_sign_out_and_sign_in_again(open_tab):
    tab = open_tab()
    email = register(tab, shoot=True)
    page = tab.go("/settings/profile")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    expect(page.locator(".brand-initials")).to_have_text("AL")
    tab.check("settings-profile")

    page.get_by_label("Account menu of Ada Lovelace").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    tab.check("login")

    tab.go("/feedback")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Ffeedback$"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The e-mail or password is wrong.")
    expect(page.get_by_label("E-mail")).to_have_value(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/feedback$"))


def test_settings_tabs_save_with_htmx_and_show_inline_errors(open_tab):
    tab = open_tab()
    register(tab)
    page = tab.go("/settings/profile")
    page.get_by_role("link", name="Workspace", exact=True).click()
    expect(page).to_have_url(re.compile(r"/settings/workspace$"))
    expect(page.get_by_text("No open invitations")).to_be_visible()
    tab.check("settings-workspace")

    page.get_by_label("Name", exact=True).fill("Analytical Engines Ltd")
    page.get_by_role("button", name="Save name").click()
    expect(page.locator(".toast")).to_contain_text("The workspace's name is saved.")
    expect(page.locator(".brand-name")).to_have_text("Analytical Engines Ltd")

    page.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill("another long passphrase")
    page.get_by_label("Repeat the new password").fill("another long passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".field-error")).to_contain_text("Current password is wrong")
    expect(page.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")
    tab.check()


def test_invite_a_member_who_accepts_in_another_browser(open_tab):
    owner = open_tab()
    register(owner, name="Olivia Owner")
    page = owner.go("/settings/workspace")
    page.get_by_label("E-mail").fill("bob@example.com")
    page.get_by_role("button", name="Invite").click()
    link = page.get_by_label("Invitation link").input_value()
    assert "/invite/" in link
    expect(page.get_by_role("cell", name="bob@example.com", exact=True)).to_be_visible()
    owner.check()

    bob = open_tab()
    bob_page = bob.go(link.split("127.0.0.1", 1)[1].split("/", 1)[1].join(["/", ""]))
    expect(bob_page.get_by_role("heading", name="Join Olivia Owner's workspace")).to_be_visible()
    bob.check("invite")
    bob_page.get_by_label("Your name").fill("Bob Builder")
    bob_page.get_by_label("Password").fill(PASSWORD)
    bob_page.get_by_role("button", name=re.compile("^Join")).click()
    expect(bob_page).to_have_url(re.compile(r"/assistant$"))
    expect(bob_page.locator(".brand-name")).to_have_text("Olivia Owner's workspace")

    page.reload()
    expect(page.locator(".person-name", has_text="Bob Builder")).to_be_visible()
    page.get_by_label("Role of Bob Builder").select_option("admin")
    page.get_by_role("button", name="Change the role of Bob Builder").click()
    expect(page.locator(".toast")).to_contain_text("Bob Builder is now admin.")


def test_feedback_is_sent_and_listed(open_tab):
    tab = open_tab()
    register(tab)
    page = tab.go("/feedback")
    expect(page.get_by_text("No feedback yet")).to_be_visible()
    tab.check("feedback")
    page.get_by_label("An idea").check()
    page.get_by_label("Message").fill("A weekly summary by e-mail would help.")
    page.get_by_label("5 of 5").check()
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator(".toast")).to_contain_text("your feedback is sent")
    expect(page.locator(".feedback-item")).to_contain_text("A weekly summary by e-mail")
    expect(page.locator(".feedback-item")).to_contain_text("5/5")
    tab.check()


def test_sidebar_and_account_menu_at_1440_px(open_tab):
    tab = open_tab(WIDE)
    register(tab)
    page = tab.page
    sidebar = page.get_by_role("complementary", name="Sidebar")
    expect(sidebar).to_be_visible()
    expect(sidebar.get_by_role("link", name="Feedback")).to_be_visible()
    expect(page.get_by_role("link", name="Open the menu")).to_be_hidden()
    page.get_by_label("Account menu of Ada Lovelace").click()
    expect(page.get_by_role("link", name="Profile", exact=True).last).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()


def test_sidebar_and_account_menu_at_390_px_and_every_page_narrow(open_tab):
    tab = open_tab(NARROW)
    for path, name in (("/login", "login"), ("/register", "register")):
        tab.go(path)
        tab.check(name)
    register(tab)
    page = tab.go("/settings/profile")
    tab.check("settings-profile")
    sidebar = page.get_by_role("complementary", name="Sidebar")
    expect(sidebar).to_be_hidden()
    page.get_by_role("link", name="Open the menu").click()
    expect(sidebar).to_be_visible()
    expect(page.get_by_role("link", name="Open the menu")).to_have_attribute(
        "aria-expanded", "true"
    )
    tab.check("menu")
    sidebar.get_by_role("link", name="Feedback").click()
    expect(page).to_have_url(re.compile(r"/feedback$"))
    expect(sidebar).to_be_hidden()
    tab.check("feedback")
    tab.go("/settings/workspace")
    tab.check("settings-workspace")
    page.get_by_label("Account menu of Ada Lovelace").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_invite_page_at_390_px(open_tab):
    owner = open_tab()
    register(owner, name="Olivia Owner")
    page = owner.go("/settings/workspace")
    page.get_by_label("E-mail").fill("narrow@example.com")
    page.get_by_role("button", name="Invite").click()
    link = page.get_by_label("Invitation link").input_value()
    guest = open_tab(NARROW)
    guest.go("/invite/" + link.rsplit("/invite/", 1)[1])
    guest.check("invite")


def test_dark_mode_keeps_contrast(open_tab):
    tab = open_tab(WIDE, color_scheme="dark")
    register(tab)
    tab.go("/settings/profile")
    tab.check("settings-profile-dark")
    tab.go("/settings/workspace")
    tab.check()


def test_ctrl_k_palette_jumps_to_a_page(open_tab):
    tab = open_tab()
    register(tab)
    page = tab.page
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name="Jump to a page")
    expect(dialog).to_be_visible()
    expect(page.get_by_role("combobox", name="Jump to a page")).to_be_focused()
    tab.check("palette")
    page.keyboard.type("feed")
    expect(dialog.get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/feedback$"))
    page.keyboard.press("Control+k")
    page.keyboard.type("workspace")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/settings/workspace$"))


def test_ctrl_k_palette_finds_a_record_by_name(open_tab):
    tab = open_tab()
    register(tab)
    page = tab.page
    box = page.get_by_label("Message to the assistant")
    box.fill("add contact Grace Hopper")
    box.press("Enter")
    expect(page.locator(".entity-card", has_text="Grace Hopper")).to_be_visible()
    page.keyboard.press("Control+k")
    page.keyboard.type("grace hop")
    dialog = page.get_by_role("dialog", name="Jump to a page")
    option = dialog.get_by_role("option", name=re.compile("Grace Hopper"))
    expect(option).to_contain_text("Contact")
    expect(option).to_have_attribute("aria-selected", "true")
    tab.check("palette-records")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/contacts/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()


def test_sign_up_takes_the_browsers_time_zone_and_times_read_in_english(open_tab):
    tab = open_tab(timezone_id="Europe/Rome", locale="de-DE")
    register(tab)
    page = tab.page
    box = page.get_by_label("Message to the assistant")
    box.fill("add contact Dante Alighieri")
    box.press("Enter")
    expect(page.locator(".entity-card", has_text="Dante Alighieri")).to_be_visible()
    # The card shows while the turn runs; the conversation is stored when it is done.
    expect(page).to_have_url(re.compile(r"/assistant\?c="))
    page.reload()
    expect(page.locator(".chat-history-list time").first).to_have_text(
        re.compile(r"^(now|\d+ minutes? ago)$")
    )
    page = tab.go("/settings/profile")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Rome")
    tab.check()


def test_the_api_docs_work_with_no_internet(open_tab):
    tab = open_tab()
    local = re.compile(r"^https?://127\.0\.0\.1[:/]")
    tab.page.route(lambda url: not local.match(url), lambda route: route.abort())
    page = tab.go("/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("CRM", timeout=30_000)
    expect(page.get_by_text("/api/v1/contacts").first).to_be_visible()
    page = tab.go("/redoc")
    expect(page.get_by_role("heading", name=re.compile(r"^CRM"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/v1/contacts").first).to_be_attached()

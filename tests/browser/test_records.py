"""The record pages in Chromium: organizations, contacts, a project with two assignees and its
tasks, edits in the side panel, a stale edit, deletes with confirmation, search, filters,
statuses changed in place, every sidebar page, at 1440 and 390 px; axe-clean, no CSP
violation, and a screenshot of each page at both widths."""

import re
import uuid

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import NARROW, WIDE
from tests.browser.test_pages import Tab, open_tab, register  # noqa: F401 (fixture)
from tests.conftest import PASSWORD

SIDEBAR = ["Assistant", "Contacts", "Organizations", "Projects", "Tasks", "Settings", "Feedback"]


def join(owner: Tab, name: str) -> None:
    """Invite a member on the Workspace tab; they accept through the API."""
    page = owner.go("/settings/workspace")
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Invite").click()
    token = page.get_by_label("Invitation link").input_value().rsplit("/", 1)[1]
    accepted = httpx.post(
        f"{owner.base}/api/v1/auth/invites/accept",
        json={"token": token, "name": name, "password": PASSWORD},
    )
    assert accepted.status_code == 201, accepted.text


def same_user(signed_in: Tab, other: Tab) -> Tab:
    """`other` (another width or colour scheme) signed in as `signed_in`, which is closed."""
    other.page.context.add_cookies(signed_in.page.context.cookies())
    signed_in.page.context.close()
    return other


def panel(page: Page, title: str):
    dialog = page.get_by_role("dialog", name=title)
    expect(dialog).to_be_visible(timeout=15_000)
    return dialog


def toast(page: Page, text: str) -> None:
    # A shared CI machine can be slow; the toast stays for 6 s once shown.
    expect(page.locator(".toast", has_text=text).last).to_be_visible(timeout=15_000)
    # The lists that reload after a change (records-changed) have reloaded.
    expect(page.locator(".htmx-request")).to_have_count(0, timeout=15_000)


def add_organization(tab: Tab, name: str, industry: str) -> None:
    page = tab.go("/organizations")
    page.get_by_role("link", name="New organization").click()
    form = panel(page, "New organization")
    expect(form.get_by_label("Name")).to_be_focused()
    form.get_by_label("Name").fill(name)
    form.get_by_label("Industry").fill(industry)
    form.get_by_role("button", name="Add").click()
    toast(page, f"Organization “{name}” is added.")
    expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()


def add_contact_with_an_error_first(tab: Tab) -> None:
    page = tab.go("/contacts")
    expect(page.get_by_text("No contacts yet")).to_be_visible()
    page.get_by_role("link", name="New contact").click()
    form = panel(page, "New contact")
    form.get_by_label("Name").fill("Charles Babbage")
    form.get_by_label("E-mail").fill("not an address")
    form.get_by_label("Organization").fill("Analytical Engines")
    form.get_by_role("button", name="Add").click()
    expect(form.get_by_label("E-mail")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".field-error")).to_contain_text("E-mail")
    expect(form.get_by_label("Name")).to_have_value("Charles Babbage")
    tab.check("contact-invalid")
    form.get_by_label("E-mail").fill("charles@example.com")
    form.get_by_role("button", name="Add").click()
    toast(page, "Contact “Charles Babbage” is added.")
    row = page.get_by_role("row", name=re.compile("Charles Babbage"))
    expect(row.get_by_role("link", name="Analytical Engines", exact=True)).to_be_visible()


def add_project(tab: Tab) -> None:
    page = tab.go("/projects")
    page.get_by_role("link", name="New project").click()
    form = panel(page, "New project")
    form.get_by_label("Name").fill("Difference Engine")
    form.get_by_label("Organization").select_option(label="Analytical Engines")
    form.get_by_label("Bob Builder").check()
    form.get_by_label("Carol Coder").check()
    form.get_by_label("Due date").fill("2027-06-30")
    tab.check("project-new")
    form.get_by_role("button", name="Add").click()
    toast(page, "Project “Difference Engine” is added.")
    row = page.get_by_role("row", name=re.compile("Difference Engine"))
    expect(row).to_contain_text("Bob Builder, Carol Coder")
    expect(row.locator(".pill")).to_have_text("Planned")


def add_tasks_and_change_statuses(tab: Tab) -> None:
    page = tab.page
    page.get_by_role("link", name="Difference Engine", exact=True).click()
    expect(page.get_by_role("heading", name="Difference Engine")).to_be_visible()
    page.wait_for_load_state("networkidle")  # htmx is ready
    expect(page.get_by_text("No tasks yet")).to_be_visible()
    for name, assignee, priority in [("Draw the plans", "Bob Builder", "High"),
                                     ("Cast the gears", "Carol Coder", "Urgent")]:  # fmt: skip
        page.get_by_role("link", name="Add task").click()
        form = panel(page, "New task")
        expect(form.get_by_label("Project")).to_have_value(re.compile(".+"))
        form.get_by_label("Task name").fill(name)
        form.get_by_label("Priority").select_option(label=priority)
        form.get_by_label("Assignee").select_option(label=assignee)
        form.get_by_label("Due date").fill("2020-01-15")
        form.get_by_role("button", name="Add").click()
        toast(page, f"Task “{name}” is added.")
        expect(page.get_by_role("row", name=re.compile(name))).to_contain_text(assignee)
    drawn = page.get_by_role("row", name=re.compile("Draw the plans"))
    expect(drawn.locator("time.late")).to_have_count(1)
    page.get_by_label("Status of Draw the plans").select_option(label="Done")
    toast(page, "“Draw the plans” is now done.")
    expect(drawn.locator("time.late")).to_have_count(0)  # the row is drawn again, done
    expect(page.get_by_label("Status of Draw the plans")).to_have_value("done")
    page.get_by_label("Status of Difference Engine").select_option(label="In progress")
    toast(page, "“Difference Engine” is now in progress.")
    tab.check("project")

    page.get_by_role("link", name="Edit Cast the gears").click()
    form = panel(page, "Edit task")
    form.get_by_label("Task name").fill("Cast the brass gears")
    form.get_by_role("button", name="Save").click()
    toast(page, "Task “Cast the brass gears” is saved.")
    expect(page.get_by_role("row", name=re.compile("Cast the brass gears"))).to_be_visible()


def stale_edit_keeps_what_was_typed(tab: Tab, email: str) -> None:
    page = tab.go("/contacts")
    page.get_by_role("link", name="Edit Charles Babbage").click()
    form = panel(page, "Edit contact")
    # Someone else (another tab, the assistant, the API) changes the contact meanwhile.
    href = page.get_by_role("link", name="Charles Babbage", exact=True).get_attribute("href")
    tokens = httpx.post(
        f"{tab.base}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
    ).json()
    changed = httpx.patch(
        f"{tab.base}/api/v1{href}",
        json={"job_position": "Mathematician"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert changed.status_code == 200, changed.text
    form.get_by_label("Phone").fill("+44 20 7946 0958")
    form.get_by_label("Job position").fill("Inventor")
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("alert")).to_contain_text("Someone else changed this contact")
    expect(form.get_by_label("Phone")).to_have_value("+44 20 7946 0958")
    expect(form.get_by_label("Job position")).to_have_value("Inventor")
    expect(form.get_by_role("link", name="reload the contact")).to_be_visible()
    tab.check("contact-conflict")
    form.get_by_role("button", name="Save").click()
    toast(page, "Contact “Charles Babbage” is saved.")
    page.get_by_role("link", name="Charles Babbage", exact=True).click()
    expect(page.get_by_role("heading", name="Charles Babbage")).to_be_visible()
    expect(page.get_by_role("region", name="Details")).to_contain_text("Inventor")
    expect(page.locator(".timeline")).to_contain_text("Job position")
    tab.check("contact")


def search_and_filters(tab: Tab) -> None:
    page = tab.go("/contacts")
    page.get_by_role("link", name="New contact").click()
    form = panel(page, "New contact")
    form.get_by_label("Name").fill("Ada Lovelace")
    form.get_by_role("button", name="Add").click()
    toast(page, "Contact “Ada Lovelace” is added.")
    search = page.get_by_role("searchbox", name="Search contacts")
    search.press_sequentially("babb")
    expect(page.get_by_role("row", name=re.compile("Ada Lovelace"))).to_have_count(0)
    expect(page.get_by_role("row", name=re.compile("Charles Babbage"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/contacts\?q=babb"))
    search.fill("zzzz")
    search.press("Enter")
    expect(page.get_by_text("Nothing matches")).to_be_visible()
    page.get_by_role("link", name="Clear the filters").click()
    expect(page.get_by_role("row", name=re.compile("Ada Lovelace"))).to_be_visible()
    tab.check()

    page = tab.go("/tasks")
    page.get_by_label("Status", exact=True).select_option(label="Done")
    expect(page.get_by_role("row", name=re.compile("Cast the brass gears"))).to_have_count(0)
    expect(page.get_by_role("row", name=re.compile("Draw the plans"))).to_be_visible()
    page.get_by_label("Status", exact=True).select_option(label="Any")
    page.get_by_label("Due", exact=True).select_option(label="Overdue")
    expect(page.get_by_role("row", name=re.compile("Draw the plans"))).to_have_count(0)
    expect(page.get_by_role("row", name=re.compile("Cast the brass gears"))).to_be_visible()
    expect(page.locator("time.late")).to_have_count(1)
    tab.check()


def delete_with_confirmation(tab: Tab) -> None:
    page = tab.go("/contacts")
    page.get_by_role("link", name="Delete Ada Lovelace").click()
    confirm = panel(page, "Delete this contact?")
    expect(confirm).to_contain_text("This cannot be undone.")
    tab.check("contact-delete")
    confirm.get_by_role("link", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(page.get_by_role("row", name=re.compile("Ada Lovelace"))).to_be_visible()
    page.get_by_role("link", name="Delete Ada Lovelace").click()
    panel(page, "Delete this contact?").get_by_role("button", name="Delete").click()
    toast(page, "Contact “Ada Lovelace” is deleted.")
    expect(page.get_by_role("row", name=re.compile("Ada Lovelace"))).to_have_count(0)


def every_page(tab: Tab, suffix: str = "") -> None:
    """Each sidebar entry reachable, each record page and its record's page checked."""
    page = tab.page
    for label in SIDEBAR:
        tab.go("/contacts")
        if page.viewport_size["width"] < 800:
            page.get_by_role("link", name="Open the menu").click()
        page.get_by_role("complementary", name="Sidebar").get_by_role("link", name=label).click()
        expect(page).to_have_url(re.compile(rf"/{label.lower()}(/\w+)?$"))
        tab.check(label.lower() + suffix if label in SIDEBAR[1:5] else None)
    page = tab.go("/organizations")
    page.get_by_role("link", name="Analytical Engines", exact=True).click()
    expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    expect(page.get_by_role("link", name="Charles Babbage", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Difference Engine", exact=True)).to_be_visible()
    tab.check("organization" + suffix)


def test_records_from_an_empty_workspace_to_a_project_with_tasks(open_tab):  # noqa: F811
    tab = open_tab(WIDE)
    email = register(tab, name="Olivia Owner")
    for name in ("Bob Builder", "Carol Coder"):
        join(tab, name)
    page = tab.go("/projects")
    expect(page.get_by_text("No projects yet")).to_be_visible()
    tab.check("projects-empty")

    add_organization(tab, "Analytical Engines", "Machinery")
    add_contact_with_an_error_first(tab)
    add_project(tab)
    add_tasks_and_change_statuses(tab)
    stale_edit_keeps_what_was_typed(tab, email)
    search_and_filters(tab)
    delete_with_confirmation(tab)
    every_page(tab)

    # The same records on a phone: the sidebar is a drawer, the panel covers the screen.
    narrow = same_user(tab, open_tab(NARROW))
    every_page(narrow)
    page = narrow.go("/projects")
    page.get_by_role("link", name="Difference Engine", exact=True).click()
    narrow.check("project")
    page.get_by_role("link", name="Edit Draw the plans").click()
    panel(page, "Edit task")
    narrow.check("task-edit")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Edit task")).to_be_hidden()
    page = narrow.go("/contacts")
    page.get_by_role("link", name="Charles Babbage", exact=True).click()
    narrow.check("contact")

    # Dark mode: the pills, the statuses and the panel keep their contrast.
    dark = same_user(narrow, open_tab(WIDE, color_scheme="dark"))
    page = dark.go("/projects")
    dark.check()
    page.get_by_role("link", name="Difference Engine", exact=True).click()
    edit = page.get_by_role("link", name="Edit Draw the plans").get_attribute("href")
    # A task's own address (the assistant's cards link to it): its project, its form open.
    page = dark.go(edit.removesuffix("/edit"))
    expect(page.get_by_role("heading", name="Difference Engine")).to_be_visible()
    expect(panel(page, "Edit task").get_by_label("Task name")).to_have_value("Draw the plans")
    dark.check("project-dark")


def test_the_contact_forms_organization_links_or_creates_as_you_type(open_tab):  # noqa: F811
    tab = open_tab()
    register(tab)
    page = tab.page
    csrf = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    made = page.request.post(
        f"{tab.base}/api/v1/organizations",
        data={"name": "Fabbrica Italia"},
        headers={"X-CSRF-Token": csrf},
    )
    assert made.ok
    page = tab.go("/contacts")
    page.get_by_role("link", name="New contact").click()
    form = panel(page, "New contact")
    form.get_by_label("Name").fill("Marco Rossi")
    field = form.get_by_label("Organization")
    status = form.locator("[data-organization-status]")
    field.press_sequentially("fabbrica italia")
    expect(status).to_have_text("Links to Fabbrica Italia.")
    field.fill("")
    field.press_sequentially("Fabbrica Roma")
    expect(status).to_contain_text("No organization of yours has this name.")
    tab.check("contact-organization")
    status.get_by_role("button", name="Create organization “Fabbrica Roma”").click()
    toast(page, "Organization Fabbrica Roma created.")
    expect(status).to_have_text("Links to Fabbrica Roma.")
    form.get_by_role("button", name="Add").click()
    toast(page, "Contact “Marco Rossi” is added.")
    contacts = page.request.get(f"{tab.base}/api/v1/contacts").json()["items"]
    assert contacts[0]["organization"] == "Fabbrica Roma" and contacts[0]["organization_id"]

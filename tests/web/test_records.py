"""The record pages over httpx: lists, search and filters as HTMX fragments, keyset "load more",
the side panel's forms with inline messages, stale edits, deletes, record pages with history,
in-place status changes, and another user's records answering 404."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import PASSWORD, http_client
from tests.web.pages import csrf, invite_link, post_form, sign_up

HTMX = {"HX-Request": "true"}


async def create(client: httpx.AsyncClient, kind: str, fields: dict) -> str:
    """Add a record through its form (no JavaScript); answers its id."""
    response = await post_form(client, f"/{kind}", fields)
    assert response.status_code == 303, response.text
    match = re.fullmatch(rf"/{kind}/([0-9a-f-]{{36}})", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


async def api_patch(client: httpx.AsyncClient, path: str, body: dict) -> httpx.Response:
    """A change through the REST API with the same cookie session (as another tab would)."""
    return await client.patch(path, json=body, headers={"X-CSRF-Token": csrf(client)})


@pytest.mark.parametrize("path", ["/contacts", "/organizations", "/projects", "/tasks"])
async def test_record_pages_need_a_signed_in_user(client, path):
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/contacts", "No contacts yet"),
        ("/organizations", "No organizations yet"),
        ("/projects", "No projects yet"),
        ("/tasks", "No tasks yet"),
    ],
)
async def test_an_empty_list_says_what_to_do(client, path, says):
    await sign_up(client)
    page = await client.get(path)
    assert page.status_code == 200
    assert says in page.text
    assert f'href="{path}/new"' in page.text, "the page offers to add one"
    assert f'<a class="nav-link" href="{path}" aria-current="page">' in page.text


async def test_sign_in_lands_on_the_assistant(client):
    email = await sign_up(client)
    client.cookies.clear()
    await client.get("/login")
    response = await post_form(client, "/login", {"email": email, "password": PASSWORD})
    assert (response.status_code, response.headers["location"]) == (303, "/assistant")


async def test_a_contact_is_added_linked_and_shown_with_its_history(client):
    await sign_up(client)
    organization_id = await create(client, "organizations", {"name": "Analytical Engines"})
    contact_id = await create(
        client,
        "contacts",
        {"name": "Charles Babbage", "organization": "analytical engines"},
    )
    page = await client.get(f"/contacts/{contact_id}")
    assert page.status_code == 200
    assert "<h1>Charles Babbage</h1>" in page.text
    assert f'href="/organizations/{organization_id}">Analytical Engines</a>' in page.text
    assert "created this contact" in page.text

    organization = await client.get(f"/organizations/{organization_id}")
    assert f'href="/contacts/{contact_id}">Charles Babbage</a>' in organization.text


async def test_form_errors_show_at_their_field_and_keep_what_was_typed(client):
    await sign_up(client)
    await client.get("/contacts")
    response = await post_form(
        client, "/contacts", {"name": "Ada", "email": "not an e-mail", "phone": "+44 20"}, htmx=True
    )
    assert response.status_code == 422
    assert '<aside id="panel"' in response.text and "<html" not in response.text
    assert 'id="contact-email-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="Ada"' in response.text and 'value="not an e-mail"' in response.text
    listing = await client.get("/contacts")
    assert "No contacts yet" in listing.text, "nothing was written"


async def test_a_taken_organization_name_is_refused_in_the_form(client):
    await sign_up(client)
    await create(client, "organizations", {"name": "Acme"})
    response = await post_form(client, "/organizations", {"name": "ACME"}, htmx=True)
    assert response.status_code == 409
    assert "You already have an organization named" in response.text
    assert 'value="ACME"' in response.text


async def test_a_save_answers_the_closed_panel_a_toast_and_a_list_reload(client):
    await sign_up(client)
    await client.get("/contacts")
    response = await post_form(client, "/contacts", {"name": "Grace Hopper"}, htmx=True)
    assert response.status_code == 200
    assert '<div id="panel" hidden></div>' in response.text
    trigger = response.headers["HX-Trigger"]
    assert '"records-changed": true' in trigger and "Grace Hopper" in trigger


async def test_a_stale_edit_shows_the_conflict_and_keeps_the_typed_values(client):
    await sign_up(client)
    contact_id = await create(client, "contacts", {"name": "Ada Lovelace", "phone": "+1"})
    form = await client.get(f"/contacts/{contact_id}/edit", headers=HTMX)
    assert 'name="version" value="1"' in form.text

    changed = await api_patch(client, f"/api/v1/contacts/{contact_id}", {"job_position": "Poet"})
    assert changed.status_code == 200, changed.text

    mine = {"version": "1", "name": "Ada King", "email": "ada@example.com", "job_position": ""}
    stale = await post_form(client, f"/contacts/{contact_id}", mine, htmx=True)
    assert stale.status_code == 409
    assert "Someone else changed this contact while you were editing it." in stale.text
    assert f'hx-get="/contacts/{contact_id}/edit"' in stale.text, "a reload link"
    assert 'value="Ada King"' in stale.text and 'value="ada@example.com"' in stale.text
    assert 'name="version" value="2"' in stale.text
    kept = (await client.get(f"/api/v1/contacts/{contact_id}")).json()
    assert (kept["name"], kept["job_position"]) == ("Ada Lovelace", "Poet"), "nothing written"

    again = await post_form(client, f"/contacts/{contact_id}", {**mine, "version": "2"}, htmx=True)
    assert again.status_code == 200
    saved = (await client.get(f"/api/v1/contacts/{contact_id}")).json()
    assert (saved["name"], saved["job_position"], saved["version"]) == ("Ada King", None, 3)


async def test_search_answers_only_the_results_and_filters_the_rows(client):
    await sign_up(client)
    for name in ("Katherine Johnson", "Dorothy Vaughan", "Mary Jackson"):
        await create(client, "contacts", {"name": name})
    page = await client.get("/contacts", params={"q": "dorothy"}, headers=HTMX)
    assert page.status_code == 200
    assert page.text.startswith('<div id="results"')
    assert "Dorothy Vaughan" in page.text and "Katherine Johnson" not in page.text
    nothing = await client.get("/contacts", params={"q": "zzzz"}, headers=HTMX)
    assert "Nothing matches" in nothing.text
    assert 'href="/contacts">Clear the filters' in nothing.text
    full = await client.get("/contacts", params={"q": "mary"})
    assert "<html" in full.text and 'value="mary"' in full.text, "the address is a page too"


async def test_load_more_appends_the_next_rows_by_cursor(client):
    await sign_up(client)
    for n in range(5):
        await create(client, "contacts", {"name": f"Person {n}"})
    first = await client.get("/contacts", params={"limit": 2})
    assert "Person 0" in first.text and "Person 2" not in first.text
    more = re.search(r'hx-get="(/contacts\?limit=2&amp;cursor=[^"]+)"', first.text)
    assert more, "a load-more link"
    second = await client.get(more.group(1).replace("&amp;", "&"), headers=HTMX)
    assert second.text.lstrip().startswith("<tr>"), "rows only"
    assert "Person 2" in second.text and "Person 3" in second.text
    assert "Person 0" not in second.text and "Load more" in second.text
    last = re.search(r'hx-get="(/contacts\?[^"]+)"', second.text).group(1).replace("&amp;", "&")
    third = await client.get(last, headers=HTMX)
    assert "Person 4" in third.text and "Load more" not in third.text


async def test_delete_asks_first_then_deletes(client):
    await sign_up(client)
    contact_id = await create(client, "contacts", {"name": "Temporary Person"})
    confirm = await client.get(f"/contacts/{contact_id}/delete", headers=HTMX)
    assert "will be deleted. This cannot be undone." in confirm.text
    still = await client.get(f"/contacts/{contact_id}")
    assert still.status_code == 200, "asking deletes nothing"
    done = await post_form(client, f"/contacts/{contact_id}/delete", htmx=True)
    assert done.status_code == 200 and "records-changed" in done.headers["HX-Trigger"]
    assert (await client.get(f"/contacts/{contact_id}")).status_code == 404


async def test_a_delete_asked_before_someone_elses_change_asks_again(client):
    await sign_up(client)
    contact_id = await create(client, "contacts", {"name": "Changing Person"})
    confirm = await client.get(f"/contacts/{contact_id}/delete", headers=HTMX)
    version = re.search(r'name="version" value="(\d+)"', confirm.text).group(1)
    changed = await api_patch(client, f"/api/v1/contacts/{contact_id}", {"job_position": "CTO"})
    assert changed.status_code == 200

    stale = await post_form(
        client, f"/contacts/{contact_id}/delete", {"version": version}, htmx=True
    )
    assert stale.status_code == 409
    assert "Someone else changed this contact after you asked to delete it." in stale.text
    assert (await client.get(f"/api/v1/contacts/{contact_id}")).status_code == 200
    current = re.search(r'name="version" value="(\d+)"', stale.text).group(1)
    assert current == str(changed.json()["version"])

    done = await post_form(
        client, f"/contacts/{contact_id}/delete", {"version": current}, htmx=True
    )
    assert done.status_code == 200 and "records-changed" in done.headers["HX-Trigger"]
    assert (await client.get(f"/api/v1/contacts/{contact_id}")).status_code == 404


async def test_deleting_from_the_records_own_page_goes_to_the_list(client):
    await sign_up(client)
    organization_id = await create(client, "organizations", {"name": "Gone Ltd"})
    headers = {**HTMX, "HX-Current-URL": f"http://localhost/organizations/{organization_id}"}
    done = await client.post(
        f"/organizations/{organization_id}/delete",
        headers={**headers, "X-CSRF-Token": csrf(client)},
    )
    assert done.headers["HX-Redirect"] == "/organizations"


async def test_another_users_records_are_404(app, client):
    await sign_up(client)
    contact_id = await create(client, "contacts", {"name": "Private Person"})
    project_id = await create(client, "projects", {"name": "Secret", "status": "planned"})
    async with http_client(app) as other:
        await sign_up(other, name="Eve Other")
        for path in (f"/contacts/{contact_id}", f"/contacts/{contact_id}/edit",
                     f"/projects/{project_id}", f"/projects/{project_id}/delete"):  # fmt: skip
            assert (await other.get(path)).status_code == 404, path
        edit = await post_form(other, f"/contacts/{contact_id}", {"name": "Hijacked"})
        assert edit.status_code == 404
    assert "Private Person" in (await client.get(f"/contacts/{contact_id}")).text


async def test_a_project_with_two_assignees_its_tasks_and_statuses(app, client):
    await sign_up(client, name="Olivia Owner")
    members = []
    for name in ("Bob Builder", "Carol Coder"):
        link = await invite_link(client, f"{uuid.uuid4().hex[:8]}@example.com")
        async with http_client(app) as member:
            await member.get(link.removeprefix("http://127.0.0.1:8000"))
            path = link.removeprefix("http://127.0.0.1:8000")
            await post_form(member, path, {"name": name, "password": PASSWORD})
            members.append((await member.get("/api/v1/me")).json()["id"])
    organization_id = await create(client, "organizations", {"name": "Acme"})
    form = await client.get("/projects/new")
    assert "Bob Builder" in form.text and "Carol Coder" in form.text
    project_id = await create(
        client,
        "projects",
        {"name": "Launch", "status": "planned", "organization_id": organization_id,
         "assignee_ids": members, "due_date": "2027-01-31"},
    )  # fmt: skip
    listing = await client.get("/projects")
    row = listing.text.split(f'href="/projects/{project_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Bob Builder, Carol Coder" in row and "Acme" in row and "tone-gray" in row

    task_id = await create(
        client,
        "tasks",
        {"name": "Write the plan", "project_id": project_id, "status": "todo",
         "priority": "urgent", "assignee_id": members[0], "due_date": "2027-01-15"},
    )  # fmt: skip
    page = await client.get(f"/projects/{project_id}")
    assert "Write the plan" in page.text and "Bob Builder" in page.text
    assert f'href="/tasks/new?project_id={project_id}"' in page.text and "Add task" in page.text

    changed = await post_form(client, f"/tasks/{task_id}/status", {"status": "done"}, htmx=True)
    assert changed.status_code == 200
    assert '<option value="done" selected>' in changed.text and "tone-green" in changed.text
    project = await post_form(
        client, f"/projects/{project_id}/status", {"status": "in_progress"}, htmx=True
    )
    assert '<option value="in_progress" selected>' in project.text
    assert (await client.get(f"/api/v1/projects/{project_id}")).json()["status"] == "in_progress"
    history = (await client.get(f"/projects/{project_id}")).text
    assert "Status: <del>Planned</del> → <ins>In progress</ins>" in history
    bad = await post_form(client, f"/tasks/{task_id}/status", {"status": "nope"}, htmx=True)
    assert bad.status_code == 422

    opened = await client.get(f"/tasks/{task_id}")
    assert opened.headers["location"] == f"/projects/{project_id}?task={task_id}"
    with_panel = await client.get(opened.headers["location"])
    assert 'id="panel-title">Edit task' in with_panel.text
    assert 'value="Write the plan"' in with_panel.text


async def test_task_filters_overdue_this_week_and_sort(client):
    await sign_up(client)
    project_id = await create(client, "projects", {"name": "Chores", "status": "planned"})
    today = datetime.now(UTC).date()  # the user's time zone is UTC
    for name, due, status in [
        ("Late one", today - timedelta(days=30), "todo"),
        ("Late but done", today - timedelta(days=30), "done"),
        ("Today one", today, "todo"),
        ("Far one", today + timedelta(days=60), "todo"),
    ]:
        fields = {"name": name, "project_id": project_id, "status": status,
                  "priority": "medium", "due_date": due.isoformat()}  # fmt: skip
        await create(client, "tasks", fields)

    overdue = (await client.get("/tasks", params={"due": "overdue"}, headers=HTMX)).text
    assert "Late one" in overdue and "Late but done" not in overdue and "Today one" not in overdue
    week = (await client.get("/tasks", params={"due": "week"}, headers=HTMX)).text
    assert "Today one" in week and "Far one" not in week and "Late one" not in week
    done = (await client.get("/tasks", params={"status": "done"}, headers=HTMX)).text
    assert "Late but done" in done and "Today one" not in done
    latest = (await client.get("/tasks", params={"sort": "-due_date"}, headers=HTMX)).text
    assert latest.index("Far one") < latest.index("Today one") < latest.index("Late one")
    ignored = await client.get("/tasks", params={"priority": "nonsense"})
    assert ignored.status_code == 200 and "Far one" in ignored.text, "a bad filter is left out"


async def test_going_back_to_a_searched_address_gets_the_whole_page(client):
    await sign_up(client)
    back = {**HTMX, "HX-History-Restore-Request": "true"}
    page = await client.get("/contacts", params={"q": "ada"}, headers=back)
    assert "<html" in page.text and 'value="ada"' in page.text


async def test_without_javascript_the_panel_is_a_page_and_errors_keep_it_open(client):
    await sign_up(client)
    page = await client.get("/organizations/new")
    assert "<html" in page.text and 'id="panel-title">New organization' in page.text
    failed = await post_form(client, "/organizations", {"name": ""})
    assert failed.status_code == 422
    assert "<html" in failed.text and 'id="organization-name-error"' in failed.text


async def test_an_assignee_sees_the_project_and_only_its_owner_changes_it(app, client):
    await sign_up(client, name="Olivia Owner")
    link = await invite_link(client, f"{uuid.uuid4().hex[:8]}@example.com")
    async with http_client(app) as bob:
        path = link.removeprefix("http://127.0.0.1:8000")
        await bob.get(path)
        await post_form(bob, path, {"name": "Bob Builder", "password": PASSWORD})
        bob_id = (await bob.get("/api/v1/me")).json()["id"]
        project_id = await create(
            client, "projects", {"name": "Shared", "status": "planned", "assignee_ids": [bob_id]}
        )
        assert "Shared" in (await bob.get("/projects")).text
        page = await bob.get(f"/projects/{project_id}")
        assert page.status_code == 200 and "<h1>Shared</h1>" in page.text
        refused = await post_form(
            bob, f"/projects/{project_id}", {"version": "1", "name": "Mine now"}, htmx=True
        )
        assert refused.status_code == 403
        assert "Only the project" in refused.headers["HX-Trigger"]
        assert refused.headers["HX-Reswap"] == "none", "the form stays as typed"
        task_id = await create(bob, "tasks", {"name": "Bob's task", "project_id": project_id,
                                              "status": "todo", "priority": "low"})  # fmt: skip
        assert "Bob&#39;s task" in (await client.get(f"/projects/{project_id}")).text
        assert (await client.get(f"/tasks/{task_id}")).status_code == 303


async def test_record_writes_without_the_csrf_token_are_refused(client):
    await sign_up(client)
    contact_id = await create(client, "contacts", {"name": "Kept Person"})
    for path, data in [
        ("/contacts", {"name": "Forged"}),
        (f"/contacts/{contact_id}", {"name": "Forged"}),
        (f"/contacts/{contact_id}/delete", {}),
    ]:
        response = await client.post(path, data={**data, "csrf_token": "forged"})
        assert response.status_code == 403, path
    assert "Forged" not in (await client.get("/contacts")).text
    assert "Kept Person" in (await client.get(f"/contacts/{contact_id}")).text


async def test_record_text_is_escaped(client):
    await sign_up(client)
    contact_id = await create(client, "contacts", {"name": "<script>alert(1)</script>"})
    page = await client.get(f"/contacts/{contact_id}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_a_task_done_in_its_row_is_no_longer_shown_late(client):
    await sign_up(client)
    project_id = await create(client, "projects", {"name": "Chores", "status": "planned"})
    late = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()
    task_id = await create(
        client,
        "tasks",
        {"name": "File taxes", "project_id": project_id, "status": "todo",
         "priority": "high", "due_date": late},
    )  # fmt: skip
    listing = (await client.get("/tasks")).text
    row = listing.split(f'id="status-{task_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="late"' in row
    assert 'hx-target="closest tr"' in listing and 'name="row" value="1"' in listing

    changed = await post_form(
        client, f"/tasks/{task_id}/status", {"status": "done", "row": "1"}, htmx=True
    )
    assert changed.status_code == 200
    assert changed.text.lstrip().startswith("<tr>") and changed.text.rstrip().endswith("</tr>")
    assert '<option value="done" selected>' in changed.text and "File taxes" in changed.text
    assert 'class="late"' not in changed.text
    assert "is now done" in changed.headers["HX-Trigger"]


async def test_a_projects_assignee_is_not_offered_edit_or_delete(app, client):
    await sign_up(client, name="Olivia Owner")
    link = await invite_link(client, f"{uuid.uuid4().hex[:8]}@example.com")
    async with http_client(app) as member:
        path = link.removeprefix("http://127.0.0.1:8000")
        await member.get(path)
        await post_form(member, path, {"name": "Bob Builder", "password": PASSWORD})
        member_id = (await member.get("/api/v1/me")).json()["id"]
        project_id = await create(
            client, "projects", {"name": "Launch", "status": "planned", "assignee_ids": [member_id]}
        )
        edit = f'href="/projects/{project_id}/edit"'
        status = f'id="status-{project_id}"'
        owners_list, owners_page = (
            await client.get("/projects"),
            await client.get(f"/projects/{project_id}"),
        )
        assert edit in owners_list.text and edit in owners_page.text and status in owners_page.text

        assignees_list = await member.get("/projects")
        assignees_page = await member.get(f"/projects/{project_id}")
        assert "Launch" in assignees_list.text and "Launch" in assignees_page.text
        assert edit not in assignees_list.text and edit not in assignees_page.text
        assert f'href="/projects/{project_id}/delete"' not in assignees_page.text
        assert status not in assignees_page.text and "pill tone-gray" in assignees_page.text


async def test_editing_keeps_an_organization_beyond_the_first_choices(client):
    await sign_up(client)
    headers = {"X-CSRF-Token": csrf(client)}
    for n in range(200):
        created = await client.post(
            "/api/v1/organizations", json={"name": f"Org {n:03d}"}, headers=headers
        )
        assert created.status_code == 201
    last = await client.post("/api/v1/organizations", json={"name": "Zeta"}, headers=headers)
    zeta = last.json()["id"]
    project_id = await create(
        client, "projects", {"name": "Far", "status": "planned", "organization_id": zeta}
    )
    form = (await client.get(f"/projects/{project_id}/edit", headers=HTMX)).text
    assert f'<option value="{zeta}" selected>Zeta</option>' in form
    assert 'name="organization_id_label" value="Zeta"' in form

    # Saved as the form stands (the name changed), the organization stays linked.
    fields = {"name": "Farther", "status": "planned", "organization_id": zeta,
              "organization_id_label": "Zeta", "version": "1"}  # fmt: skip
    saved = await post_form(client, f"/projects/{project_id}", fields, htmx=True)
    assert saved.status_code == 200, saved.text
    project = (await client.get(f"/api/v1/projects/{project_id}")).json()
    assert (project["name"], project["organization"]["id"]) == ("Farther", zeta)


async def test_phone_numbers_read_grouped_and_stay_e164_in_the_api(client):
    await sign_up(client)
    contact_id = await create(client, "contacts", {"name": "Marco", "phone": "+39 3337654321"})
    stored = (await client.get(f"/api/v1/contacts/{contact_id}")).json()
    assert stored["phone"] == "+393337654321"
    detail = (await client.get(f"/contacts/{contact_id}")).text
    assert '<a href="tel:+393337654321">+39 333 765 4321</a>' in detail
    listed = (await client.get("/contacts")).text
    assert "+39 333 765 4321" in listed and "+393337654321" not in listed

"""Row-level security on the records' tables, proven with raw SQL as the application role:
whatever the services do, the database itself hides another user's rows."""

import pytest
from psycopg import errors

from tests.people import join, sign_up
from tests.rows import as_app, fetch

TABLES = ("organization", "contact", "project", "project_assignee", "task", "activity")


async def records_of(client, person, colleague=None):
    """An organization, a linked contact, a project (assigned to `colleague`) with a task,
    and the activity they wrote."""
    h = person.headers
    org = (
        await client.post("/api/v1/organizations", json={"name": f"{person.name} Corp"}, headers=h)
    ).json()
    contact = (
        await client.post(
            "/api/v1/contacts",
            json={"name": f"{person.name}'s contact", "organization": f"{person.name} Corp"},
            headers=h,
        )
    ).json()
    assignees = [str(colleague.user_id)] if colleague else [str(person.user_id)]
    project = (
        await client.post(
            "/api/v1/projects",
            json={
                "name": f"{person.name}'s project",
                "organization_id": org["id"],
                "assignee_ids": assignees,
            },
            headers=h,
        )
    ).json()
    task = (
        await client.post(
            "/api/v1/tasks",
            json={"name": f"{person.name}'s task", "project_id": project["id"]},
            headers=h,
        )
    ).json()
    return {"organization": org, "contact": contact, "project": project, "task": task}


@pytest.fixture
async def two_workspaces(client):
    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    await records_of(client, ada)
    await records_of(client, bob)
    return ada, bob


@pytest.mark.parametrize("table", TABLES)
async def test_a_user_sees_none_of_another_workspaces_rows(two_workspaces, admin_url, table):
    ada, bob = two_workspaces
    query = f"SELECT workspace_id FROM {table}"
    seen, theirs = (
        as_app(admin_url, query, context=ada.context),
        as_app(admin_url, query, context=bob.context),
    )
    assert seen and theirs, f"both should see their own {table} rows"
    assert {row[0] for row in seen} == {ada.workspace_id}
    assert {row[0] for row in theirs} == {bob.workspace_id}


@pytest.mark.parametrize("table", TABLES)
async def test_without_context_every_table_is_empty(two_workspaces, admin_url, table):
    assert as_app(admin_url, f"SELECT * FROM {table}") == []


@pytest.mark.parametrize("table", TABLES)
async def test_a_user_changes_and_deletes_none_of_another_workspaces_rows(
    two_workspaces, admin_url, table
):
    ada, bob = two_workspaces
    touched = as_app(
        admin_url,
        f"UPDATE {table} SET workspace_id = workspace_id WHERE workspace_id = %s",
        bob.workspace_id,
        context=ada.context,
    )
    deleted = as_app(
        admin_url,
        f"DELETE FROM {table} WHERE workspace_id = %s",
        bob.workspace_id,
        context=ada.context,
    )
    assert touched == deleted == [(0,)]
    assert as_app(admin_url, f"SELECT count(*) FROM {table}", context=bob.context)[0][0] > 0


async def test_a_colleague_sees_none_of_my_contacts_organizations_or_unassigned_projects(
    client, admin_url
):
    ada = await sign_up(client, "Ada")
    linus = await join(client, ada, "Linus")
    await records_of(client, ada)
    for table in ("organization", "contact", "project", "task", "activity"):
        assert as_app(admin_url, f"SELECT * FROM {table}", context=linus.context) == [], table


async def test_an_assignee_sees_the_project_its_tasks_and_their_activity_but_not_the_rest(
    client, admin_url
):
    ada = await sign_up(client, "Ada")
    grace = await join(client, ada, "Grace")
    records = await records_of(client, ada, colleague=grace)
    ctx = grace.context
    assert as_app(admin_url, "SELECT id::text FROM project", context=ctx) == [
        (records["project"]["id"],)
    ]
    assert as_app(admin_url, "SELECT id::text FROM task", context=ctx) == [(records["task"]["id"],)]
    entities = {r[0] for r in as_app(admin_url, "SELECT entity_type FROM activity", context=ctx)}
    assert entities == {"project", "task"}
    assert as_app(admin_url, "SELECT * FROM contact", context=ctx) == []
    assert as_app(admin_url, "SELECT * FROM organization", context=ctx) == []


async def test_assignment_rows_are_workspace_wide_but_only_the_owner_writes_them(client, admin_url):
    """Documented choice: a project's assignees must see each other, so assignment rows (ids
    only) are visible across the workspace, like memberships; the project itself is not."""
    ada = await sign_up(client, "Ada")
    linus = await join(client, ada, "Linus")
    records = await records_of(client, ada)
    project_id = records["project"]["id"]
    assert len(as_app(admin_url, "SELECT * FROM project_assignee", context=linus.context)) == 1
    with pytest.raises(errors.InsufficientPrivilege):
        as_app(
            admin_url,
            "INSERT INTO project_assignee (project_id, user_id, workspace_id, "
            "owner_id) VALUES (%s, %s, %s, %s)",
            project_id,
            linus.user_id,
            linus.workspace_id,
            ada.user_id,
            context=linus.context,
        )


async def test_rows_cannot_be_written_for_another_user(two_workspaces, admin_url):
    ada, bob = two_workspaces
    with pytest.raises(errors.InsufficientPrivilege):
        as_app(
            admin_url,
            "INSERT INTO contact (id, workspace_id, owner_id, name) "
            "VALUES (gen_random_uuid(), %s, %s, 'planted')",
            bob.workspace_id,
            bob.user_id,
            context=ada.context,
        )
    with pytest.raises(errors.InsufficientPrivilege):
        as_app(
            admin_url,
            "INSERT INTO activity (id, workspace_id, user_id, owner_id, "
            "entity_type, entity_id, action, channel) VALUES (gen_random_uuid(), %s, %s, %s, "
            "'contact', gen_random_uuid(), 'created', 'api')",
            ada.workspace_id,
            bob.user_id,
            bob.user_id,
            context=ada.context,
        )


async def test_a_task_cannot_be_put_into_a_colleagues_project_one_does_not_see(client, admin_url):
    ada = await sign_up(client, "Ada")
    linus = await join(client, ada, "Linus")
    linuses = await records_of(client, linus)
    with pytest.raises(errors.InsufficientPrivilege):
        as_app(
            admin_url,
            "INSERT INTO task (id, workspace_id, project_id, name, status, "
            "priority) VALUES (gen_random_uuid(), %s, %s, 'planted', 'todo', 'low')",
            ada.workspace_id,
            linuses["project"]["id"],
            context=ada.context,
        )


async def test_the_app_role_cannot_read_the_search_index_at_all(two_workspaces, admin_url):
    ada, _ = two_workspaces
    with pytest.raises(errors.InsufficientPrivilege):
        as_app(admin_url, "SELECT * FROM record_search", context=ada.context)


async def test_crm_search_answers_only_the_callers_visible_records(client, admin_url):
    ada = await sign_up(client, "Ada")
    grace, linus = await join(client, ada, "Grace"), await join(client, ada, "Linus")
    bob = await sign_up(client, "Bob")
    adas = await records_of(client, ada, colleague=grace)
    await records_of(client, bob)

    def search(kind, person=None):
        query = "SELECT unnest(crm_search(%s, ARRAY['%%'], NULL, 100))::text"
        rows = as_app(admin_url, query, kind, context=person.context if person else None)
        return {row[0] for row in rows}

    for kind in ("contact", "organization", "project", "task"):
        assert search(kind, ada) == {adas[kind]["id"]}
        assert search(kind, bob) & {adas[kind]["id"]} == set()
        assert search(kind, linus) == set()
        assert search(kind) == set()
    assert search("project", grace) == {adas["project"]["id"]}
    assert search("task", grace) == {adas["task"]["id"]}
    assert search("contact", grace) == set()


async def test_the_search_index_follows_renames_moves_and_deletes(client, admin_url):
    ada = await sign_up(client, "Ada")
    records = await records_of(client, ada)
    other = (
        await client.post("/api/v1/projects", json={"name": "Other"}, headers=ada.headers)
    ).json()
    h = ada.headers
    await client.patch(
        f"/api/v1/contacts/{records['contact']['id']}", json={"name": "Renamed Person"}, headers=h
    )
    await client.patch(
        f"/api/v1/tasks/{records['task']['id']}", json={"project_id": other["id"]}, headers=h
    )

    def indexed(entity_id):
        return fetch(
            admin_url,
            "SELECT search_text, project_id::text FROM record_search WHERE entity_id = %s",
            entity_id,
        )

    # A linked contact is found by its organization's current name.
    assert indexed(records["contact"]["id"]) == [("renamed person ada corp", None)]
    assert indexed(records["task"]["id"]) == [("ada's task", other["id"])]
    await client.patch(
        f"/api/v1/organizations/{records['organization']['id']}",
        json={"name": "Lovelace Ltd"},
        headers=h,
    )
    assert indexed(records["contact"]["id"]) == [("renamed person lovelace ltd", None)]
    await client.delete(f"/api/v1/projects/{other['id']}", headers=h)  # cascades to the task
    await client.delete(f"/api/v1/contacts/{records['contact']['id']}", headers=h)
    assert indexed(records["task"]["id"]) == indexed(records["contact"]["id"]) == []
    assert indexed(other["id"]) == []

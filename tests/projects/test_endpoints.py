import uuid

from tests.people import join, sign_up
from tests.rows import count, fetch

PROJECTS = "/api/v1/projects"


async def create(client, person, name="Difference Engine", **fields):
    response = await client.post(PROJECTS, json={"name": name, **fields}, headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_project_answers_organization_assignees_counts_and_timestamps(client):
    ada = await sign_up(client)
    grace = await join(client, ada, "Grace Hopper")
    org = (
        await client.post("/api/v1/organizations", json={"name": "Engines"}, headers=ada.headers)
    ).json()
    project = await create(
        client,
        ada,
        organization_id=org["id"],
        status="in_progress",
        assignee_ids=[str(grace.user_id)],
        due_date="2027-03-01",
        description="Build it",
        metadata={"budget": 17000},
    )
    assert project["organization"] == {"id": org["id"], "name": "Engines"}
    assert project["assignees"] == [{"id": str(grace.user_id), "name": "Grace Hopper"}]
    assert project["assignee_ids"] == [str(grace.user_id)]
    assert project["task_counts"] == {"todo": 0, "in_progress": 0, "done": 0, "blocked": 0}
    assert (project["status"], project["due_date"], project["owner_id"]) == (
        "in_progress",
        "2027-03-01",
        str(ada.user_id),
    )
    assert project["created_at"].endswith(("Z", "+00:00"))
    assert project["version"] == 1


async def test_status_defaults_to_planned_and_unknown_status_is_422(client):
    ada = await sign_up(client)
    assert (await create(client, ada))["status"] == "planned"
    response = await client.post(
        PROJECTS, json={"name": "X", "status": "Done!"}, headers=ada.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


async def test_due_date_that_is_not_a_date_is_422(client):
    ada = await sign_up(client)
    for bad in ("tomorrow", "2027-02-30", "2027-03-01T10:00:00", 1767225600):
        response = await client.post(
            PROJECTS, json={"name": "X", "due_date": bad}, headers=ada.headers
        )
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == "due_date"


async def test_assignee_outside_the_workspace_is_422_and_nothing_is_written(client, admin_url):
    ada, bob = await sign_up(client), await sign_up(client, "Bob")
    response = await client.post(
        PROJECTS, json={"name": "X", "assignee_ids": [str(bob.user_id)]}, headers=ada.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "assignee_ids"
    assert (count(admin_url, "project"), count(admin_url, "activity")) == (0, 0)


async def test_organization_of_another_user_is_422(client):
    ada, bob = await sign_up(client), await sign_up(client, "Bob")
    grace = await join(client, ada)
    for owner in (bob, grace):  # another workspace, or a colleague's
        org = (
            await client.post(
                "/api/v1/organizations", json={"name": "Theirs"}, headers=owner.headers
            )
        ).json()
        response = await client.post(
            PROJECTS, json={"name": "X", "organization_id": org["id"]}, headers=ada.headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "organization_id"


async def test_assignees_see_the_project_and_other_members_do_not(client):
    ada = await sign_up(client)
    grace, linus = await join(client, ada, "Grace"), await join(client, ada, "Linus")
    project = await create(client, ada, assignee_ids=[str(grace.user_id)])
    url = f"{PROJECTS}/{project['id']}"
    assert (await client.get(url, headers=grace.headers)).status_code == 200
    assert [
        p["id"] for p in (await client.get(PROJECTS, headers=grace.headers)).json()["items"]
    ] == [project["id"]]
    assert (await client.get(url, headers=linus.headers)).status_code == 404
    assert (await client.get(PROJECTS, headers=linus.headers)).json()["items"] == []


async def test_assignee_sees_the_organization_id_but_not_the_owners_organization(client):
    ada = await sign_up(client)
    grace = await join(client, ada, "Grace")
    org = (
        await client.post("/api/v1/organizations", json={"name": "Engines"}, headers=ada.headers)
    ).json()
    project = await create(
        client, ada, organization_id=org["id"], assignee_ids=[str(grace.user_id)]
    )
    seen = (await client.get(f"{PROJECTS}/{project['id']}", headers=grace.headers)).json()
    assert (seen["organization_id"], seen["organization"]) == (org["id"], None)


async def test_only_the_owner_changes_or_deletes_a_project(client, admin_url):
    ada = await sign_up(client)
    grace = await join(client, ada, "Grace")
    project = await create(client, ada, assignee_ids=[str(grace.user_id)])
    url = f"{PROJECTS}/{project['id']}"
    for response in (
        await client.patch(url, json={"name": "Grace's"}, headers=grace.headers),
        await client.put(url, json={"name": "Grace's"}, headers=grace.headers),
        await client.delete(url, headers=grace.headers),
        await client.put(f"{url}/assignees/{grace.user_id}", headers=grace.headers),
    ):
        assert response.status_code == 403
    assert fetch(admin_url, "SELECT name, version FROM project") == [("Difference Engine", 1)]


async def test_another_users_project_is_404_for_read_update_and_delete(client, admin_url):
    ada, bob = await sign_up(client), await sign_up(client, "Bob")
    project = await create(client, ada)
    url = f"{PROJECTS}/{project['id']}"
    for response in (
        await client.get(url, headers=bob.headers),
        await client.put(url, json={"name": "Bob's"}, headers=bob.headers),
        await client.patch(url, json={"name": "Bob's"}, headers=bob.headers),
        await client.delete(url, headers=bob.headers),
        await client.get(f"{url}/tasks", headers=bob.headers),
        await client.get(f"{url}/activity", headers=bob.headers),
        await client.put(f"{url}/assignees/{bob.user_id}", headers=bob.headers),
    ):
        assert response.status_code == 404
    assert fetch(admin_url, "SELECT name, version FROM project") == [("Difference Engine", 1)]


async def test_assign_and_unassign_members(client):
    ada = await sign_up(client)
    grace = await join(client, ada, "Grace")
    project = await create(client, ada)
    url = f"{PROJECTS}/{project['id']}/assignees/{grace.user_id}"
    assigned = await client.put(url, headers=ada.headers)
    assert assigned.json()["assignee_ids"] == [str(grace.user_id)]
    assert assigned.headers["etag"] == '"2"'
    again = await client.put(url, headers=ada.headers)
    assert again.json()["version"] == 2  # already assigned: nothing changed
    unassigned = await client.delete(url, headers=ada.headers)
    assert (unassigned.json()["assignees"], unassigned.json()["version"]) == ([], 3)
    assert (
        await client.get(f"{PROJECTS}/{project['id']}", headers=grace.headers)
    ).status_code == 404
    stranger = await client.put(
        f"{PROJECTS}/{project['id']}/assignees/{uuid.uuid4()}", headers=ada.headers
    )
    assert stranger.status_code == 422


async def test_patch_assignee_ids_replaces_the_assignees(client):
    ada = await sign_up(client)
    grace, linus = await join(client, ada, "Grace"), await join(client, ada, "Linus")
    project = await create(client, ada, assignee_ids=[str(grace.user_id)])
    response = await client.patch(
        f"{PROJECTS}/{project['id']}",
        json={"assignee_ids": [str(linus.user_id), str(ada.user_id)]},
        headers=ada.headers,
    )
    assert {a["name"] for a in response.json()["assignees"]} == {"Linus", "Ada Lovelace"}
    log = (await client.get(f"{PROJECTS}/{project['id']}/activity", headers=ada.headers)).json()
    change = log["items"][0]["changes"]["assignee_ids"]
    assert change["from"] == [str(grace.user_id)]
    assert set(change["to"]) == {str(linus.user_id), str(ada.user_id)}


async def test_deleting_a_project_deletes_its_tasks(client, admin_url):
    ada = await sign_up(client)
    project = await create(client, ada)
    other = await create(client, ada, "Other")
    for name in ("one", "two"):
        await client.post(
            f"{PROJECTS}/{project['id']}/tasks", json={"name": name}, headers=ada.headers
        )
    await client.post(
        f"{PROJECTS}/{other['id']}/tasks", json={"name": "three"}, headers=ada.headers
    )
    assert (
        await client.delete(f"{PROJECTS}/{project['id']}", headers=ada.headers)
    ).status_code == 204
    assert fetch(admin_url, "SELECT name FROM task") == [("three",)]
    assert fetch(admin_url, "SELECT effects FROM activity WHERE action = 'deleted'") == [
        ({"tasks_deleted": 2},)
    ]


async def test_task_counts_by_status(client):
    ada = await sign_up(client)
    project = await create(client, ada)
    for status in ("todo", "todo", "done", "blocked"):
        await client.post(
            f"{PROJECTS}/{project['id']}/tasks",
            json={"name": status, "status": status},
            headers=ada.headers,
        )
    listed = (await client.get(PROJECTS, headers=ada.headers)).json()["items"][0]
    single = (await client.get(f"{PROJECTS}/{project['id']}", headers=ada.headers)).json()
    expected = {"todo": 2, "in_progress": 0, "done": 1, "blocked": 1}
    assert listed["task_counts"] == single["task_counts"] == expected


async def test_list_filters_and_sorts(client):
    ada = await sign_up(client)
    grace = await join(client, ada, "Grace")
    await create(client, ada, "Alpha", status="completed", due_date="2027-05-01")
    await create(client, ada, "Beta", status="in_progress", assignee_ids=[str(grace.user_id)])
    await create(client, ada, "Gamma", status="in_progress", due_date="2027-01-01")

    async def names(**params):
        response = await client.get(PROJECTS, params=params, headers=ada.headers)
        assert response.status_code == 200, response.text
        return [p["name"] for p in response.json()["items"]]

    assert await names(status="in_progress") == ["Beta", "Gamma"]
    assert await names(status=["completed", "in_progress"], sort="-name") == [
        "Gamma",
        "Beta",
        "Alpha",
    ]
    assert await names(assignee_id=str(grace.user_id)) == ["Beta"]
    # An undated project counts as due on the last day there is.
    assert await names(sort="due_date") == ["Gamma", "Alpha", "Beta"]
    assert await names(sort="-due_date") == ["Beta", "Alpha", "Gamma"]
    assert await names(sort="due_date", limit=1) == ["Gamma"]
    assert await names(q="amm") == ["Gamma"]


async def test_stale_if_match_is_412_and_changes_nothing(client):
    ada = await sign_up(client)
    project = await create(client, ada)
    url = f"{PROJECTS}/{project['id']}"
    await client.patch(url, json={"status": "on_hold"}, headers=ada.headers)
    stale = await client.patch(
        url, json={"status": "cancelled"}, headers={**ada.headers, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert (await client.get(url, headers=ada.headers)).json()["status"] == "on_hold"

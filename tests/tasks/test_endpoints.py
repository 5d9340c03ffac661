import uuid
from datetime import date, timedelta

from tests.people import join, sign_up
from tests.rows import count, fetch

TASKS = "/api/v1/tasks"


async def project(client, person, name="Difference Engine", **fields):
    response = await client.post(
        "/api/v1/projects", json={"name": name, **fields}, headers=person.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def create(client, person, project_id, name="Cut the gears", **fields):
    response = await client.post(
        TASKS, json={"name": name, "project_id": project_id, **fields}, headers=person.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_task_answers_project_and_assignee_references(client):
    ada = await sign_up(client)
    grace = await join(client, ada, "Grace Hopper")
    p = await project(client, ada, assignee_ids=[str(grace.user_id)])
    response = await client.post(
        TASKS,
        json={
            "name": "Cut the gears",
            "project_id": p["id"],
            "assignee_id": str(grace.user_id),
            "priority": "high",
            "due_date": "2027-01-15",
            "description": "Brass",
        },
        headers=ada.headers,
    )
    assert response.status_code == 201
    task = response.json()
    assert task["project"] == {"id": p["id"], "name": "Difference Engine"}
    assert task["assignee"] == {"id": str(grace.user_id), "name": "Grace Hopper"}
    assert (task["status"], task["priority"], task["due_date"]) == ("todo", "high", "2027-01-15")
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"{TASKS}/{task['id']}"


async def test_project_of_another_user_is_422_naming_project_id(client, admin_url):
    ada, bob = await sign_up(client), await sign_up(client, "Bob")
    theirs = await project(client, bob)
    for project_id in (theirs["id"], str(uuid.uuid4())):
        response = await client.post(
            TASKS, json={"name": "X", "project_id": project_id}, headers=ada.headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "project_id"
    assert count(admin_url, "task") == 0


async def test_missing_project_id_is_422(client):
    ada = await sign_up(client)
    response = await client.post(TASKS, json={"name": "X"}, headers=ada.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "project_id"


async def test_assignee_not_in_the_workspace_is_422_naming_assignee_id(client):
    ada, bob = await sign_up(client), await sign_up(client, "Bob")
    p = await project(client, ada)
    response = await client.post(
        TASKS,
        json={"name": "X", "project_id": p["id"], "assignee_id": str(bob.user_id)},
        headers=ada.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "assignee_id", "message": "is not a member of this workspace"}
    ]


async def test_assignee_must_be_on_the_project(client):
    ada = await sign_up(client)
    linus = await join(client, ada, "Linus")
    p = await project(client, ada)
    off = await client.post(
        TASKS,
        json={"name": "X", "project_id": p["id"], "assignee_id": str(linus.user_id)},
        headers=ada.headers,
    )
    assert off.status_code == 422
    assert off.json()["errors"][0]["field"] == "assignee_id"
    mine = await create(client, ada, p["id"], assignee_id=str(ada.user_id))
    assert mine["assignee"]["id"] == str(ada.user_id)


async def test_bad_priority_and_status_are_422_naming_them(client):
    ada = await sign_up(client)
    p = await project(client, ada)
    for field, value in (
        ("priority", "critical"),
        ("status", "finished"),
        ("due_date", "next week"),
    ):
        response = await client.post(
            TASKS, json={"name": "X", "project_id": p["id"], field: value}, headers=ada.headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field


async def test_project_assignees_see_and_work_on_its_tasks(client):
    ada = await sign_up(client)
    grace, linus = await join(client, ada, "Grace"), await join(client, ada, "Linus")
    p = await project(client, ada, assignee_ids=[str(grace.user_id)])
    task = await create(client, ada, p["id"])
    url = f"{TASKS}/{task['id']}"
    changed = await client.patch(url, json={"status": "done"}, headers=grace.headers)
    assert changed.status_code == 200
    own = await create(client, grace, p["id"], "Grace's task", assignee_id=str(grace.user_id))
    assert own["assignee"]["name"] == "Grace"
    assert (await client.get(url, headers=linus.headers)).status_code == 404
    assert (await client.get(TASKS, headers=linus.headers)).json()["items"] == []
    log = (await client.get(f"{url}/activity", headers=ada.headers)).json()["items"]
    assert (log[0]["user"]["name"], log[0]["changes"]) == (
        "Grace",
        {"status": {"from": "todo", "to": "done"}},
    )


async def test_another_users_task_is_404_for_read_update_and_delete(client, admin_url):
    ada, bob = await sign_up(client), await sign_up(client, "Bob")
    p = await project(client, ada)
    task = await create(client, ada, p["id"])
    url = f"{TASKS}/{task['id']}"
    nested = f"/api/v1/projects/{p['id']}/tasks/{task['id']}"
    for response in (
        await client.get(url, headers=bob.headers),
        await client.put(url, json={"name": "B", "project_id": p["id"]}, headers=bob.headers),
        await client.patch(url, json={"name": "B"}, headers=bob.headers),
        await client.delete(url, headers=bob.headers),
        await client.get(f"{url}/activity", headers=bob.headers),
        await client.get(nested, headers=bob.headers),
        await client.patch(nested, json={"name": "B"}, headers=bob.headers),
        await client.delete(nested, headers=bob.headers),
    ):
        assert response.status_code == 404
    assert fetch(admin_url, "SELECT name, version FROM task") == [("Cut the gears", 1)]


async def test_nested_routes_serve_only_the_projects_own_tasks(client):
    ada = await sign_up(client)
    p, q = await project(client, ada, "P"), await project(client, ada, "Q")
    task = await create(client, ada, p["id"])
    base = f"/api/v1/projects/{q['id']}/tasks/{task['id']}"
    assert (await client.get(base, headers=ada.headers)).status_code == 404
    assert (await client.patch(base, json={"name": "x"}, headers=ada.headers)).status_code == 404
    assert (await client.delete(base, headers=ada.headers)).status_code == 404
    own = f"/api/v1/projects/{p['id']}/tasks/{task['id']}"
    assert (await client.get(own, headers=ada.headers)).json()["id"] == task["id"]
    replaced = await client.put(own, json={"name": "Polish"}, headers=ada.headers)
    assert (replaced.json()["name"], replaced.json()["project_id"]) == ("Polish", p["id"])
    patched = await client.patch(own, json={"priority": "urgent"}, headers=ada.headers)
    assert patched.json()["priority"] == "urgent"
    moved = await client.patch(own, json={"project_id": q["id"]}, headers=ada.headers)
    assert moved.status_code == 422  # the nested body has no project_id
    assert (await client.delete(own, headers=ada.headers)).status_code == 204


async def test_nested_create_and_list(client):
    ada = await sign_up(client)
    p, q = await project(client, ada, "P"), await project(client, ada, "Q")
    created = await client.post(
        f"/api/v1/projects/{p['id']}/tasks", json={"name": "one"}, headers=ada.headers
    )
    assert created.status_code == 201
    assert created.json()["project"]["name"] == "P"
    await create(client, ada, q["id"], "two")
    listed = (await client.get(f"/api/v1/projects/{p['id']}/tasks", headers=ada.headers)).json()
    assert [t["name"] for t in listed["items"]] == ["one"]


async def test_patch_project_id_moves_the_task(client):
    ada = await sign_up(client)
    p, q = await project(client, ada, "P"), await project(client, ada, "Q")
    task = await create(client, ada, p["id"])
    moved = await client.patch(
        f"{TASKS}/{task['id']}", json={"project_id": q["id"]}, headers=ada.headers
    )
    assert moved.json()["project"] == {"id": q["id"], "name": "Q"}


async def test_list_filters_across_projects(client):
    ada = await sign_up(client)
    grace = await join(client, ada, "Grace")
    p = await project(client, ada, "P", assignee_ids=[str(grace.user_id)])
    q = await project(client, ada, "Q")
    today = date.today()
    await create(
        client,
        ada,
        p["id"],
        "late",
        due_date=str(today - timedelta(days=3)),
        priority="urgent",
        assignee_id=str(grace.user_id),
    )
    await create(
        client,
        ada,
        p["id"],
        "late but done",
        status="done",
        due_date=str(today - timedelta(days=5)),
    )
    await create(
        client,
        ada,
        q["id"],
        "soon",
        due_date=str(today + timedelta(days=2)),
        priority="low",
        status="in_progress",
    )
    await create(client, ada, q["id"], "someday", priority="high")

    async def names(**params):
        response = await client.get(TASKS, params=params, headers=ada.headers)
        assert response.status_code == 200, response.text
        return [t["name"] for t in response.json()["items"]]

    assert await names() == ["late but done", "late", "soon", "someday"]  # by due date
    assert await names(overdue="true") == ["late"]
    assert await names(overdue="false") == ["late but done", "soon", "someday"]
    assert await names(status="done") == ["late but done"]
    assert await names(status=["todo", "in_progress"], sort="name") == ["late", "someday", "soon"]
    assert await names(priority=["urgent", "high"]) == ["late", "someday"]
    assert await names(assignee_id=str(grace.user_id)) == ["late"]
    assert await names(project_id=q["id"]) == ["soon", "someday"]
    assert await names(due_before=str(today)) == ["late but done", "late"]
    assert await names(due_after=str(today)) == ["soon"]
    assert await names(sort="-priority") == ["late", "someday", "late but done", "soon"]
    assert await names(sort="-due_date") == ["someday", "soon", "late", "late but done"]
    assert await names(q="done") == ["late but done"]


async def test_sort_by_updated_pages_through_all(client):
    ada = await sign_up(client)
    p = await project(client, ada)
    tasks = [await create(client, ada, p["id"], f"t{i}") for i in range(5)]
    await client.patch(f"{TASKS}/{tasks[0]['id']}", json={"status": "done"}, headers=ada.headers)
    seen, cursor = [], None
    while True:
        params = {"sort": "-updated_at", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(TASKS, params=params, headers=ada.headers)).json()
        seen += [t["name"] for t in body["items"]]
        if not (cursor := body["next_cursor"]):
            break
    assert seen == ["t0", "t4", "t3", "t2", "t1"]


async def test_undated_tasks_page_through_by_due_date_both_ways(client):
    ada = await sign_up(client)
    p = await project(client, ada)
    dated = await create(client, ada, p["id"], "dated", due_date="2027-01-04")
    undated = [await create(client, ada, p["id"], f"undated {i}") for i in range(3)]
    last_first = sorted((t["id"], t["name"]) for t in undated)  # ties broken by id
    for sort, expected in (
        ("due_date", [dated["name"]] + [name for _, name in last_first]),
        ("-due_date", [name for _, name in reversed(last_first)] + [dated["name"]]),
    ):
        seen, cursor = [], None
        for _ in range(10):  # a cursor that does not move would loop forever
            params = {"sort": sort, "limit": 1, **({"cursor": cursor} if cursor else {})}
            body = (await client.get(TASKS, params=params, headers=ada.headers)).json()
            seen += [t["name"] for t in body["items"]]
            if not (cursor := body["next_cursor"]):
                break
        assert seen == expected, sort


async def test_bad_filter_values_are_422_naming_the_parameter(client):
    ada = await sign_up(client)
    for params, field in (
        ({"due_before": "soon"}, "due_before"),
        ({"overdue": "maybe"}, "overdue"),
        ({"priority": "critical"}, "priority"),
        ({"sort": "colour"}, "sort"),
        ({"assignee_id": "me"}, "assignee_id"),
    ):
        response = await client.get(TASKS, params=params, headers=ada.headers)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"].split(".")[0] == field


async def test_no_op_update_keeps_the_version(client):
    ada = await sign_up(client)
    p = await project(client, ada)
    task = await create(client, ada, p["id"], priority="high")
    same = await client.patch(
        f"{TASKS}/{task['id']}", json={"priority": "high"}, headers=ada.headers
    )
    assert (same.json()["version"], same.json()["updated_at"]) == (1, task["updated_at"])
    assert same.headers["etag"] == '"1"'


async def test_stale_if_match_is_412_and_changes_nothing(client):
    ada = await sign_up(client)
    p = await project(client, ada)
    task = await create(client, ada, p["id"])
    url = f"{TASKS}/{task['id']}"
    await client.patch(url, json={"status": "blocked"}, headers=ada.headers)
    stale = {**ada.headers, "If-Match": '"1"'}
    assert (await client.patch(url, json={"status": "done"}, headers=stale)).status_code == 412
    assert (await client.delete(url, headers=stale)).status_code == 412
    assert (await client.get(url, headers=ada.headers)).json()["status"] == "blocked"


async def test_a_task_moved_to_a_colleagues_project_is_seen_by_that_projects_owner(client):
    ada = await sign_up(client)
    grace = await join(client, ada, "Grace")
    mine = await project(client, ada, "Mine")
    graces = await project(client, grace, "Grace's", assignee_ids=[str(ada.user_id)])
    task = await create(client, ada, mine["id"])
    assert (await client.get(f"{TASKS}/{task['id']}", headers=grace.headers)).status_code == 404
    moved = await client.patch(
        f"{TASKS}/{task['id']}", json={"project_id": graces["id"]}, headers=ada.headers
    )
    assert moved.status_code == 200
    seen = await client.get(f"{TASKS}/{task['id']}", headers=grace.headers)
    assert seen.json()["project"] == {"id": graces["id"], "name": "Grace's"}
    assert [
        t["id"]
        for t in (await client.get(TASKS, params={"q": "gears"}, headers=grace.headers)).json()[
            "items"
        ]
    ] == [task["id"]]


async def test_a_member_who_leaves_is_unassigned_from_projects_and_tasks(client, admin_url):
    ada = await sign_up(client)
    grace = await join(client, ada, "Grace")
    p = await project(client, ada, assignee_ids=[str(grace.user_id)])
    task = await create(client, ada, p["id"], assignee_id=str(grace.user_id))
    removed = await client.delete(f"/api/v1/workspace/members/{grace.user_id}", headers=ada.headers)
    assert removed.status_code == 204
    after = (await client.get(f"{TASKS}/{task['id']}", headers=ada.headers)).json()
    assert (after["assignee_id"], after["assignee"]) == (None, None)
    assert (await client.get(f"/api/v1/projects/{p['id']}", headers=ada.headers)).json()[
        "assignees"
    ] == []


async def test_overdue_is_judged_by_the_users_own_date(client):
    """A task due yesterday in Kiritimati (UTC+14) is overdue there, and not yet due for
    someone at UTC-12, whose calendar is a day or two behind."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    early, late = await sign_up(client, "Early"), await sign_up(client, "Late")
    for person, zone in ((early, "Pacific/Kiritimati"), (late, "Etc/GMT+12")):
        response = await client.patch(
            "/api/v1/me", json={"time_zone": zone}, headers=person.headers
        )
        assert response.status_code == 200
    yesterday_in_kiritimati = datetime.now(ZoneInfo("Pacific/Kiritimati")).date() - timedelta(1)
    for person in (early, late):
        p = await project(client, person)
        await create(client, person, p["id"], "edge", due_date=str(yesterday_in_kiritimati))

    async def overdue(person):
        body = (await client.get(TASKS, params={"overdue": "true"}, headers=person.headers)).json()
        return [t["name"] for t in body["items"]]

    assert await overdue(early) == ["edge"]
    assert await overdue(late) == []

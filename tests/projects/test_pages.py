"""The project and task pages the API answers are read as plain rows (`page`); the tools
read them as records (`list`). Both must show the same page, related rows included, for a
user who owns some projects and is assigned to others."""

from crm.projects.schemas import ProjectQuery
from crm.projects.service import project as project_service
from crm.tasks.schemas import TaskQuery
from crm.tasks.service import task as task_service
from tests.people import join, sign_up

API = "/api/v1"


async def post(client, person, path, **body):
    response = await client.post(f"{API}/{path}", json=body, headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def both_pages(app, person, service, query):
    """Every page of the list as rows and as records, following the cursor, as JSON."""
    pages = []
    for read in ("page", "list"):
        found, cursor = [], None
        while len(found) < 10:
            step = query.model_copy(update={"cursor": cursor})
            async with app.state.db.transaction(**person.context) as session:
                if read == "page":
                    page = await service.page(session, person.actor(), query=step)
                else:
                    listed = await service.list(session, person.actor(), query=step)
                    page = listed.page(service.Out.of)
            found.append(page.model_dump(mode="json"))
            if (cursor := page.next_cursor) is None:
                break
        assert cursor is None
        pages.append(found)
    return pages


async def test_pages_read_as_rows_are_the_pages_of_the_records(client, app):
    ada = await sign_up(client, "Ada Lovelace")
    grace = await join(client, ada, "Grace Hopper")
    linus = await join(client, ada, "Linus Torvalds")
    engines = await post(client, ada, "organizations", name="Engines")
    navy = await post(client, grace, "organizations", name="Navy")
    ids = [str(grace.user_id), str(linus.user_id)]
    mine = await post(
        client, ada, "projects", name="Engine", organization_id=engines["id"], assignee_ids=ids
    )
    await post(client, ada, "projects", name="Notes", due_date="2027-01-02")
    theirs = await post(
        client,
        grace,
        "projects",
        name="Compiler",
        organization_id=navy["id"],
        assignee_ids=[str(ada.user_id)],
        metadata={"ship": "Harvard"},
    )
    await post(client, grace, "projects", name="Hidden")
    for project, status, assignee in [
        (mine, "todo", grace),
        (mine, "done", None),
        (mine, "done", linus),
        (theirs, "blocked", ada),
        (theirs, "in_progress", grace),
    ]:
        await post(
            client,
            ada,
            "tasks",
            name=f"{project['name']} {status}",
            project_id=project["id"],
            status=status,
            assignee_id=str(assignee.user_id) if assignee else None,
        )

    rows, records = await both_pages(app, ada, project_service, ProjectQuery())
    assert rows == records
    shown = {p["name"]: p for p in rows[0]["items"]}
    assert sorted(shown) == ["Compiler", "Engine", "Notes"]
    assert shown["Engine"]["organization"] == {"id": engines["id"], "name": "Engines"}
    assert shown["Compiler"]["organization"] is None  # Grace's, shown to her only
    assert [a["name"] for a in shown["Engine"]["assignees"]] == ["Grace Hopper", "Linus Torvalds"]
    assert shown["Engine"]["task_counts"] == {"todo": 1, "in_progress": 0, "done": 2, "blocked": 0}
    assert shown["Notes"]["assignees"] == [] and shown["Notes"]["assignee_ids"] == []
    for person in (ada, grace, linus):
        for query in (
            ProjectQuery(limit=2, sort="-name"),
            ProjectQuery(q="engin"),
            ProjectQuery(assignee_id=grace.user_id, sort="created_at"),
        ):
            rows, records = await both_pages(app, person, project_service, query)
            assert rows == records

    rows, records = await both_pages(app, ada, task_service, TaskQuery())
    assert rows == records
    assert len(rows[0]["items"]) == 5
    done = next(t for t in rows[0]["items"] if t["name"] == "Engine done" and t["assignee"])
    assert done["project"] == {"id": mine["id"], "name": "Engine"}
    assert done["assignee"] == {"id": str(linus.user_id), "name": "Linus Torvalds"}
    for person in (ada, grace, linus):
        for query in (
            TaskQuery(limit=2, sort="-priority"),
            TaskQuery(project_id=theirs["id"], sort="name"),
            TaskQuery(status=["done", "blocked"], overdue=False),
        ):
            rows, records = await both_pages(app, person, task_service, query)
            assert rows == records

"""The tools the assistant and the MCP server will call: the same input models as the REST
endpoints, and the same services behind them (real database round trips)."""

import inspect
import typing
import uuid

import pytest
from pydantic import ValidationError

from crm.contacts import endpoints as contact_endpoints
from crm.errors import NotFound
from crm.organizations import endpoints as organization_endpoints
from crm.projects import endpoints as project_endpoints
from crm.tasks import endpoints as task_endpoints
from crm.toolbox import TOOLS
from tests.people import join, sign_up
from tests.rows import fetch


def endpoint(router, name):
    return next(route.endpoint for route in router.routes if route.name == name)


# tool name -> (the endpoint whose input it shares, the parameter holding that input)
SHARED_INPUTS = {
    "create_contact": (endpoint(contact_endpoints.router, "create_contact"), "body"),
    "update_contact": (endpoint(contact_endpoints.router, "update_contact"), "body"),
    "list_contacts": (endpoint(contact_endpoints.router, "list_contacts"), "query"),
    "create_organization": (endpoint(organization_endpoints.router, "create_organization"), "body"),
    "update_organization": (endpoint(organization_endpoints.router, "update_organization"), "body"),
    "list_organizations": (endpoint(organization_endpoints.router, "list_organizations"), "query"),
    "create_project": (endpoint(project_endpoints.router, "create_project"), "body"),
    "update_project": (endpoint(project_endpoints.router, "update_project"), "body"),
    "list_projects": (endpoint(project_endpoints.router, "list_projects"), "query"),
    "create_task": (endpoint(task_endpoints.router, "create_task"), "body"),
    "update_task": (endpoint(task_endpoints.router, "update_task"), "body"),
    "list_tasks": (endpoint(task_endpoints.router, "list_tasks"), "query"),
    "add_task_to_project": (endpoint(task_endpoints.project_tasks, "create_project_task"), "body"),
}


def rest_model(endpoint, parameter):
    annotation = inspect.signature(endpoint).parameters[parameter].annotation
    return typing.get_args(annotation)[0] if typing.get_origin(annotation) else annotation


def tool_model(tool):
    fields = tool.input_model.model_fields
    for wrapper in ("changes", "task"):  # Change[...] and ProjectTaskInput wrap the REST body
        if wrapper in fields:
            return fields[wrapper].annotation
    return tool.input_model


@pytest.mark.parametrize("name", sorted(SHARED_INPUTS))
def test_tool_takes_the_same_model_as_its_rest_endpoint(name):
    assert tool_model(TOOLS[name]) is rest_model(*SHARED_INPUTS[name])


def test_every_operation_has_a_tool_and_deletes_are_marked_destructive():
    for kind in ("contact", "organization", "project", "task"):
        for verb in ("create", "get", "update", "delete"):
            assert f"{verb}_{kind}" in TOOLS
        for verb in ("list", "search"):
            assert f"{verb}_{kind}s" in TOOLS
    for extra in (
        "add_task_to_project",
        "assign_project_member",
        "unassign_project_member",
        "set_project_status",
        "set_task_status",
        "set_task_priority",
    ):
        assert extra in TOOLS
    assert {n for n, t in TOOLS.items() if t.destructive} == {
        "delete_contact",
        "delete_organization",
        "delete_project",
        "delete_task",
        "cancel_event",
        "cancel_occurrence",
    }


def test_tool_arguments_are_validated_by_the_input_model():
    with pytest.raises(ValidationError):
        TOOLS["create_contact"].input_model.model_validate({"name": "X", "email": "nope"})
    with pytest.raises(ValidationError):
        TOOLS["search_contacts"].input_model.model_validate({})  # q is required


async def call(app, person, name, arguments):
    """Run a tool as the assistant would: one transaction, the person's actor and context."""
    async with app.state.db.transaction(**person.context) as session:
        return await TOOLS[name].call(session, person.actor("assistant"), arguments)


async def test_contact_tools_reach_the_database(client, app, admin_url):
    ada = await sign_up(client)
    created = await call(
        app, ada, "create_contact", {"name": "Charles", "phone": "+44 20 7946 0958"}
    )
    await call(
        app, ada, "update_contact", {"id": str(created.id), "changes": {"job_position": "Sage"}}
    )
    found = await call(app, ada, "search_contacts", {"q": "charl"})
    assert [c.name for c in found.items] == ["Charles"]
    via_rest = (await client.get(f"/api/v1/contacts/{created.id}", headers=ada.headers)).json()
    assert (via_rest["phone"], via_rest["job_position"]) == ("+442079460958", "Sage")
    assert fetch(admin_url, "SELECT DISTINCT channel FROM activity") == [("assistant",)]
    deleted = await call(app, ada, "delete_contact", {"id": str(created.id)})
    assert (deleted.entity_type, deleted.id) == ("contact", created.id)
    with pytest.raises(NotFound):
        await call(app, ada, "get_contact", {"id": str(created.id)})


async def test_organization_tools_reach_the_database(client, app):
    ada = await sign_up(client)
    org = await call(app, ada, "create_organization", {"name": "Engines"})
    await client.post(
        "/api/v1/contacts", json={"name": "Charles", "organization": "Engines"}, headers=ada.headers
    )
    renamed = await call(
        app, ada, "update_organization", {"id": str(org.id), "changes": {"name": "Looms"}}
    )
    assert renamed.version == 2
    deleted = await call(app, ada, "delete_organization", {"id": str(org.id)})
    assert deleted.effects == {"contacts_unlinked": 1, "projects_unlinked": 0}
    contact = (await client.get("/api/v1/contacts", headers=ada.headers)).json()["items"][0]
    assert (contact["organization"], contact["organization_id"]) == ("Looms", None)


async def test_project_tools_reach_the_database(client, app):
    ada = await sign_up(client)
    grace = await join(client, ada, "Grace")
    project = await call(app, ada, "create_project", {"name": "Engine"})
    assigned = await call(
        app,
        ada,
        "assign_project_member",
        {"project_id": str(project.id), "user_id": str(grace.user_id)},
    )
    assert [a.name for a in assigned.assignees] == ["Grace"]
    done = await call(
        app, ada, "set_project_status", {"id": str(project.id), "status": "completed"}
    )
    assert (done.status, done.version) == ("completed", 3)
    seen = (await client.get(f"/api/v1/projects/{project.id}", headers=grace.headers)).json()
    assert seen["status"] == "completed"
    await call(
        app, ada, "add_task_to_project", {"project_id": str(project.id), "task": {"name": "Gears"}}
    )
    deleted = await call(app, ada, "delete_project", {"id": str(project.id)})
    assert deleted.effects == {"tasks_deleted": 1}


async def test_task_tools_reach_the_database(client, app):
    ada = await sign_up(client)
    project = (
        await client.post("/api/v1/projects", json={"name": "Engine"}, headers=ada.headers)
    ).json()
    task = await call(
        app,
        ada,
        "add_task_to_project",
        {"project_id": project["id"], "task": {"name": "Gears", "due_date": "2027-01-01"}},
    )
    await call(app, ada, "set_task_priority", {"id": str(task.id), "priority": "urgent"})
    await call(app, ada, "set_task_status", {"id": str(task.id), "status": "blocked"})
    listed = await call(app, ada, "list_tasks", {"priority": ["urgent"], "status": ["blocked"]})
    assert [t.id for t in listed.items] == [task.id]
    log = (await client.get(f"/api/v1/tasks/{task.id}/activity", headers=ada.headers)).json()
    assert [(e["channel"], list(e["changes"])) for e in log["items"][:2]] == [
        ("assistant", ["status"]),
        ("assistant", ["priority"]),
    ]
    with pytest.raises(NotFound):
        await call(app, ada, "get_task", {"id": str(uuid.uuid4())})

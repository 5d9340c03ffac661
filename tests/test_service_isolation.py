"""The services' own filter, proven apart from row-level security: through a superuser
connection (which bypasses RLS) another user's records still answer 404 or stay out of lists.
With the RLS tests, this is the "enforced twice" of DESIGN.md section 2."""

import uuid

import pytest

from crm.contacts.schemas import ContactPatch, ContactQuery
from crm.contacts.service import contact as contact_service
from crm.db import Database
from crm.errors import NotFound
from crm.organizations.schemas import OrganizationPatch, OrganizationQuery
from crm.organizations.service import organization as organization_service
from crm.projects.schemas import ProjectPatch, ProjectQuery
from crm.projects.service import project as project_service
from crm.tasks.schemas import TaskPatch, TaskQuery
from crm.tasks.service import task as task_service
from tests.people import join, sign_up
from tests.rows import fetch
from tests.test_rls_records import records_of


@pytest.fixture
async def superuser_db(admin_url):
    db = Database(admin_url.replace("postgresql://", "postgresql+asyncpg://", 1))
    yield db
    await db.close()


async def test_services_hide_other_users_records_even_without_rls(client, superuser_db, admin_url):
    ada = await sign_up(client, "Ada")
    linus = await join(client, ada, "Linus")  # same workspace: only the owner filter remains
    bob = await sign_up(client, "Bob")
    records = await records_of(client, ada)
    ids = {kind: uuid.UUID(record["id"]) for kind, record in records.items()}
    for intruder in (linus, bob):
        actor = intruder.actor()
        async with superuser_db.transaction() as session:
            attempts = [
                contact_service.get(session, actor, contact_id=ids["contact"]),
                contact_service.update(
                    session, actor, contact_id=ids["contact"], changes=ContactPatch(name="x")
                ),
                contact_service.delete(session, actor, contact_id=ids["contact"]),
                organization_service.get(session, actor, organization_id=ids["organization"]),
                organization_service.update(
                    session,
                    actor,
                    organization_id=ids["organization"],
                    changes=OrganizationPatch(name="x"),
                ),
                organization_service.delete(session, actor, organization_id=ids["organization"]),
                project_service.get(session, actor, project_id=ids["project"]),
                project_service.update(
                    session, actor, project_id=ids["project"], changes=ProjectPatch(name="x")
                ),
                project_service.delete(session, actor, project_id=ids["project"]),
                task_service.get(session, actor, task_id=ids["task"]),
                task_service.update(
                    session, actor, task_id=ids["task"], changes=TaskPatch(name="x")
                ),
                task_service.delete(session, actor, task_id=ids["task"]),
            ]
            for attempt in attempts:
                with pytest.raises(NotFound):
                    await attempt
            assert (await contact_service.list(session, actor, query=ContactQuery())).items == []
            assert (
                await organization_service.list(session, actor, query=OrganizationQuery())
            ).items == []
            assert (await project_service.list(session, actor, query=ProjectQuery())).items == []
            assert (await task_service.list(session, actor, query=TaskQuery())).items == []
    assert fetch(admin_url, "SELECT count(*) FROM contact WHERE name = 'x'") == [(0,)]
    assert fetch(admin_url, "SELECT version FROM project") == [(1,)]


async def test_a_request_failing_midway_writes_nothing(client, admin_url, monkeypatch):
    """Deleting an organization unlinks its contacts first; if the request then fails, the
    unlinking is rolled back with it."""
    ada = await sign_up(client, "Ada")
    records = await records_of(client, ada)

    async def broken(*args, **kwargs):
        raise RuntimeError("the activity log is down")

    from crm.activity.service import activity as activity_service

    monkeypatch.setattr(activity_service, "record", broken)
    org_url = f"/api/v1/organizations/{records['organization']['id']}"
    with pytest.raises(RuntimeError, match="activity log is down"):
        await client.delete(org_url, headers=ada.headers)  # the test transport re-raises
    monkeypatch.undo()
    assert (await client.get(org_url, headers=ada.headers)).status_code == 200
    assert fetch(admin_url, "SELECT organization_id::text, version FROM contact") == [
        (records["organization"]["id"], 1)
    ]
    assert fetch(admin_url, "SELECT organization_id::text, version FROM project") == [
        (records["organization"]["id"], 1)
    ]

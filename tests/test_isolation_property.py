"""Property: another user never reads, lists, finds, updates or deletes a record of Ada's,
whatever ids, filters, cursors or bodies they send (hypothesis picks them)."""

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.people import Person, join, sign_up
from tests.rows import fetch
from tests.test_rls_records import records_of

KINDS = ("contacts", "organizations", "projects", "tasks")
SORTS = ("name", "-name", "created_at", "-updated_at")


@dataclass
class World:
    ada: Person
    intruders: list[Person]
    ada_ids: set[str]
    ada_names: list[str]
    ada_cursors: list[str]


def ids_in(item: dict[str, Any]) -> set[str]:
    """Every record id an answer item carries, its own and its references'."""
    found = {item.get("id"), item.get("organization_id"), item.get("project_id")}
    for ref in ("organization", "project"):
        if isinstance(item.get(ref), dict):
            found.add(item[ref]["id"])
    return {i for i in found if i}


@pytest.fixture
async def world(client) -> World:
    ada = await sign_up(client, "Ada")
    linus = await join(client, ada, "Linus")  # a colleague, not on Ada's project
    bob = await sign_up(client, "Bob")  # another workspace
    records = await records_of(client, ada)
    for intruder in (linus, bob):
        await records_of(client, intruder)
    cursors = []
    for kind in KINDS:
        await client.post(
            "/api/v1/contacts", json={"name": "Ada's second contact"}, headers=ada.headers
        )
        page = await client.get(f"/api/v1/{kind}", params={"limit": 1}, headers=ada.headers)
        if page.json()["next_cursor"]:
            cursors.append(page.json()["next_cursor"])
    return World(
        ada=ada,
        intruders=[linus, bob],
        ada_ids={r["id"] for r in records.values()},
        ada_names=[r["name"] for r in records.values()],
        ada_cursors=cursors,
    )


def requests(world: World) -> st.SearchStrategy[tuple[str, str, dict[str, Any]]]:
    """(method, path, options) an intruder might send."""
    target = st.sampled_from(sorted(world.ada_ids)) | st.uuids().map(str)
    ada_id = st.sampled_from(sorted(world.ada_ids))
    kind = st.sampled_from(KINDS)
    word = st.sampled_from(world.ada_names) | st.sampled_from(["Ada", "Corp", "task", "a"])
    params = st.fixed_dictionaries(
        {},
        optional={
            "q": word,
            "sort": st.sampled_from(SORTS),
            "cursor": st.sampled_from(world.ada_cursors),
            "limit": st.integers(1, 200),
            "organization_id": ada_id,
        },
    )
    task_params = st.fixed_dictionaries(
        {},
        optional={
            "q": word,
            "project_id": ada_id,
            "assignee_id": st.just(str(world.ada.user_id)),
            "overdue": st.sampled_from(["true", "false"]),
            "cursor": st.sampled_from(world.ada_cursors),
        },
    )
    body = st.fixed_dictionaries({"name": st.text(min_size=1, max_size=20).filter(str.strip)})
    return st.one_of(
        st.tuples(
            st.sampled_from(["GET", "DELETE"]),
            st.tuples(kind, target).map(lambda t: f"/api/v1/{t[0]}/{t[1]}"),
            st.just({}),
        ),
        st.tuples(
            st.just("GET"),
            st.tuples(kind, target).map(lambda t: f"/api/v1/{t[0]}/{t[1]}/activity"),
            st.just({}),
        ),
        st.tuples(
            st.just("PATCH"),
            st.tuples(kind, target).map(lambda t: f"/api/v1/{t[0]}/{t[1]}"),
            body.map(lambda b: {"json": b}),
        ),
        st.tuples(
            st.just("PUT"),
            st.tuples(st.sampled_from(KINDS[:3]), target).map(lambda t: f"/api/v1/{t[0]}/{t[1]}"),
            body.map(lambda b: {"json": b}),
        ),
        st.tuples(
            st.just("PUT"),
            target.map(lambda t: f"/api/v1/tasks/{t}"),
            st.tuples(body, ada_id).map(lambda b: {"json": {**b[0], "project_id": b[1]}}),
        ),
        st.tuples(
            st.just("GET"), kind.map(lambda k: f"/api/v1/{k}"), params.map(lambda p: {"params": p})
        ),
        st.tuples(
            st.just("GET"), st.just("/api/v1/tasks"), task_params.map(lambda p: {"params": p})
        ),
        st.tuples(
            st.just("GET"),
            st.tuples(
                st.sampled_from(
                    ["organizations/{}/contacts", "organizations/{}/projects", "projects/{}/tasks"]
                ),
                target,
            ).map(lambda t: "/api/v1/" + t[0].format(t[1])),
            st.just({}),
        ),
        st.tuples(
            st.just("POST"),
            st.just("/api/v1/tasks"),
            ada_id.map(lambda i: {"json": {"name": "planted", "project_id": i}}),
        ),
        st.tuples(
            st.just("POST"),
            ada_id.map(lambda i: f"/api/v1/projects/{i}/tasks"),
            st.just({"json": {"name": "planted"}}),
        ),
        st.tuples(
            st.just("POST"),
            st.just("/api/v1/projects"),
            ada_id.map(lambda i: {"json": {"name": "planted", "organization_id": i}}),
        ),
        st.tuples(
            st.just("POST"),
            st.just("/api/v1/contacts"),
            st.just({"json": {"name": "planted", "organization": "Ada Corp"}}),
        ),
    )


@pytest.fixture
def ada_rows(admin_url, world):
    """Ada's records as the database holds them (past RLS), to compare after each attempt."""

    def read():
        return fetch(
            admin_url,
            """
            SELECT 'organization', id::text, name, version FROM organization WHERE owner_id = %s
            UNION ALL SELECT 'contact', id::text, name, version FROM contact WHERE owner_id = %s
            UNION ALL SELECT 'project', id::text, name, version FROM project WHERE owner_id = %s
            UNION ALL SELECT 'task', t.id::text, t.name, t.version FROM task t
                JOIN project p ON p.id = t.project_id WHERE p.owner_id = %s
            ORDER BY 2""",
            *[world.ada.user_id] * 4,
        )

    return read


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_another_user_never_reaches_adas_records(client, world, ada_rows, data):
    before = ada_rows()
    intruder = data.draw(st.sampled_from(world.intruders), label="intruder")
    method, path, options = data.draw(requests(world), label="request")
    response = await client.request(method, path, headers=intruder.headers, **options)
    aimed_at_ada = any(i in path for i in world.ada_ids) or any(
        i in str(options.get("json", {})) for i in world.ada_ids
    )
    if aimed_at_ada:
        # Never 403 (it would confirm the record exists), never a success.
        assert response.status_code in (404, 422), (method, path, response.text)
    else:
        assert response.status_code in (200, 201, 204, 404, 422), response.text
    if response.status_code in (200, 201) and response.content:
        body = response.json()
        for item in body.get("items", [body]):
            assert not ids_in(item) & world.ada_ids, (method, path, item)
    assert ada_rows() == before

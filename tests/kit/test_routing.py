"""The route table's check of each router's paths: it refuses only what no route could match."""

import re

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from starlette.routing import Match

from crm.app import ROUTERS
from crm.kit.routing import indexed


def sample(path: str) -> str:
    """A path a route with this template matches (any value where each parameter is)."""
    return re.sub(r"\{[^}]*\}", "x1", path)


def test_every_route_of_the_app_passes_its_routers_check() -> None:
    checked = 0
    for router in ROUTERS:
        index = indexed(router)
        if index is router:
            continue
        for route in router.routes:
            path = sample(route.path)  # type: ignore[attr-defined]
            assert index.serves(path), f"{path} refused by the router that serves it"
            checked += 1
    assert checked > 150


def test_a_router_refuses_paths_outside_its_routes_at_once() -> None:
    router = APIRouter()
    router.add_api_route("/contacts", lambda: "list")
    router.add_api_route("/contacts/{contact_id}", lambda contact_id: contact_id)
    index = indexed(router)
    assert index.serves("/contacts") and index.serves("/contacts/42")
    assert not index.serves("/contactsx") and not index.serves("/tasks")
    scope = {"type": "http", "path": "/tasks", "root_path": "", "method": "GET"}
    assert index.matches(scope) == (Match.NONE, {})


def test_a_route_that_matches_any_path_keeps_its_router_as_it_is() -> None:
    router = APIRouter()
    router.add_api_route("/{slug}", lambda slug: slug)
    assert indexed(router) is router


@pytest.mark.parametrize(
    ("path", "status", "answer"),
    [("/contacts", 200, "list"), ("/contacts/42", 200, "42"), ("/tasks", 200, "tasks")],
)
async def test_indexed_routers_answer_as_before(path: str, status: int, answer: str) -> None:
    contacts, tasks = APIRouter(), APIRouter()
    contacts.add_api_route("/contacts", lambda: "list")
    contacts.add_api_route("/contacts/{contact_id}", lambda contact_id: contact_id)
    tasks.add_api_route("/tasks", lambda: "tasks")
    app = FastAPI()
    for router in (contacts, tasks):
        app.include_router(indexed(router))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(path)
        assert (response.status_code, response.json()) == (status, answer)
        assert (await client.get("/contacts/42/x")).status_code == 404
        assert (await client.post("/tasks")).status_code == 405

"""The route table's check of each router's paths: it refuses only what no route could match."""

import re

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Match

from crm.app import ROUTERS
from crm.kit.routing import Router


def sample(path: str) -> str:
    """A path a route with this template matches (any value where each parameter is)."""
    return re.sub(r"\{[^}]*\}", "x1", path)


def test_every_route_of_the_app_passes_its_routers_check() -> None:
    checked = 0
    for router in ROUTERS:
        assert isinstance(router, Router), f"{router.routes[0].path}: not a crm Router"  # type: ignore[attr-defined]
        for route in router.routes:
            path = sample(route.path)  # type: ignore[attr-defined]
            assert router.serves(path), f"{path} refused by the router that serves it"
            checked += 1
    assert checked > 150


def test_a_router_refuses_paths_outside_its_routes_at_once() -> None:
    router = Router()
    router.add_api_route("/contacts", lambda: "list")
    router.add_api_route("/contacts/{contact_id}", lambda contact_id: contact_id)
    assert router.serves("/contacts") and router.serves("/contacts/42")
    assert not router.serves("/contactsx") and not router.serves("/tasks")
    scope = {"type": "http", "path": "/tasks", "root_path": "", "method": "GET"}
    assert router.matches(scope) == (Match.NONE, {})
    router.add_api_route("/tasks", lambda: "tasks")  # a route added later is found
    assert router.serves("/tasks")


def test_a_route_that_matches_any_path_lets_every_path_through() -> None:
    router = Router()
    router.add_api_route("/contacts", lambda: "list")
    router.add_api_route("/{slug}", lambda slug: slug)
    assert router.serves("/anything") and router.serves("/")


@pytest.mark.parametrize(
    ("path", "status", "answer"),
    [("/contacts", 200, "list"), ("/contacts/42", 200, "42"), ("/tasks", 200, "tasks")],
)
async def test_routers_answer_as_fastapi_routers_would(path: str, status: int, answer: str) -> None:
    contacts, tasks = Router(), Router()
    contacts.add_api_route("/contacts", lambda: "list")
    contacts.add_api_route("/contacts/{contact_id}", lambda contact_id: contact_id)
    tasks.add_api_route("/tasks", lambda: "tasks")
    app = FastAPI()
    for router in (contacts, tasks):
        app.include_router(router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(path)
        assert (response.status_code, response.json()) == (status, answer)
        assert (await client.get("/contacts/42/x")).status_code == 404
        assert (await client.post("/tasks")).status_code == 405

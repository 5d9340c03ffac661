"""Records by name for the Ctrl/Cmd+K palette: a few of each kind the user can see, found by
each domain's own list service (its search, its row-level security, the per-user rate limit
of every signed-in request)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.dependencies import SessionDep
from crm.contacts.schemas import ContactQuery
from crm.contacts.service import contact as contact_service
from crm.organizations.schemas import OrganizationQuery
from crm.organizations.service import organization as organization_service
from crm.projects.schemas import ProjectQuery
from crm.projects.service import project as project_service
from crm.tasks.schemas import TaskQuery
from crm.tasks.service import task as task_service
from crm.web.session import PageActorDep
from crm.web.templating import render

router = APIRouter(include_in_schema=False)
EACH = 5  # records of each kind

Finder = Callable[[AsyncSession, Actor, str], Awaitable[list[tuple[str, Any]]]]


async def _contacts(session: AsyncSession, actor: Actor, q: str) -> list[tuple[str, Any]]:
    found = await contact_service.list(session, actor, query=ContactQuery(q=q, limit=EACH))
    return [(c.name, c.id) for c in found.items]


async def _organizations(session: AsyncSession, actor: Actor, q: str) -> list[tuple[str, Any]]:
    query = OrganizationQuery(q=q, limit=EACH)
    found = await organization_service.list(session, actor, query=query)
    return [(o.name, o.id) for o in found.items]


async def _projects(session: AsyncSession, actor: Actor, q: str) -> list[tuple[str, Any]]:
    found = await project_service.list(session, actor, query=ProjectQuery(q=q, limit=EACH))
    return [(v.project.name, v.project.id) for v in found.items]


async def _tasks(session: AsyncSession, actor: Actor, q: str) -> list[tuple[str, Any]]:
    found = await task_service.list(session, actor, query=TaskQuery(q=q, limit=EACH))
    return [(t.name, t.id) for t in found.items]


# (kind as shown, its pages' path, its icon, how to find it)
KINDS: list[tuple[str, str, str, Finder]] = [
    ("Contact", "contacts", "users", _contacts),
    ("Organization", "organizations", "building-2", _organizations),
    ("Project", "projects", "folder-kanban", _projects),
    ("Task", "tasks", "square-check", _tasks),
]


@router.get("/search")
async def search_records(
    request: Request,
    session: SessionDep,
    actor: PageActorDep,
    q: Annotated[str, Query(), StringConstraints(strip_whitespace=True, max_length=200)] = "",
) -> HTMLResponse:
    """The palette's record options for `q` (a fragment of <li role="option">)."""
    found = []
    if len(q) >= 2:
        for label, path, icon, finder in KINDS:
            for name, record_id in await finder(session, actor, q):
                found.append(
                    {"kind": label, "name": name, "href": f"/{path}/{record_id}", "icon": icon}
                )
    return render(request, "_palette_records.html", {"records": found})

"""Records by name for the Ctrl/Cmd+K palette: a few of each searchable kind of the registry
that the user can see, found by each kind's own list service (its search, its row-level
security, the per-user rate limit of every signed-in request)."""

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse
from pydantic import StringConstraints

from crm.auth.dependencies import SessionDep
from crm.kit.routing import Router
from crm.records.kinds import KINDS
from crm.web.session import PageActorDep
from crm.web.templating import render

router = Router(include_in_schema=False)
EACH = 5  # records of each kind


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
        for kind in KINDS.searchable:
            query = kind.service.Query(q=q, limit=EACH)
            for item in (await kind.service.list(session, actor, query=query)).items:
                record = kind.service.Out.of(item)
                href = kind.url(record.id)
                found.append(
                    {"kind": kind.label, "name": record.name, "href": href, "icon": kind.icon}
                )
    return render(request, "_palette_records.html", {"records": found})

"""REST endpoints of projects and their assignees. Only a project's owner changes it; writes
take an optional If-Match. Its tasks are under /projects/{id}/tasks (crm.tasks.endpoints)."""

import uuid

from fastapi import Response

from crm.auth.dependencies import ActorDep, SessionDep
from crm.kit.etags import etag
from crm.kit.openapi import problems, with_etag
from crm.projects.schemas import ProjectOut, ProjectView
from crm.projects.service import project as project_service
from crm.records.endpoints import crud_router

router = crud_router(
    project_service,
    plural="projects",
    problems_of={"replace": (403,), "update": (403,), "delete": (403,)},
    docs={
        "list": "The projects you own or are assigned to.",
        "create": "You own it. Assignees must be members of your workspace and the "
        "organization one of yours (422 naming the field otherwise).",
        "get": "With its task counts.",
        "replace": "Its owner only: 403 for an assignee.",
        "update": "Its owner only: 403 for an assignee.",
        "delete": "Its tasks go with it. Its owner only: 403 for an assignee.",
    },
)


def _answer(response: Response, view: ProjectView) -> ProjectOut:
    response.headers["ETag"] = etag(view.project.version)
    return ProjectOut.of(view)


@router.put(
    "/{project_id}/assignees/{user_id}",
    responses={**with_etag(), **problems(403, 404, 422)},
)
async def assign_member(
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
) -> ProjectOut:
    """Assign a member of your workspace to the project (its owner only); already assigned
    is fine."""
    view = await project_service.assign(session, actor, project_id=project_id, user_id=user_id)
    return _answer(response, view)


@router.delete(
    "/{project_id}/assignees/{user_id}",
    responses={**with_etag(), **problems(403, 404, 422)},
)
async def unassign_member(
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
) -> ProjectOut:
    """Take a member off the project (its owner only); answers the project."""
    view = await project_service.unassign(session, actor, project_id=project_id, user_id=user_id)
    return _answer(response, view)

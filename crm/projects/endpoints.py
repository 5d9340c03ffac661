"""REST endpoints of projects and their assignees. Only a project's owner changes it; writes
take an optional If-Match. Its tasks are under /projects/{id}/tasks (crm.tasks.endpoints)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from crm.activity.schemas import ActivityOut
from crm.auth.dependencies import ActorDep, SessionDep
from crm.kit.etags import IfMatch, etag, parse_if_match
from crm.kit.openapi import problems, with_etag
from crm.kit.pagination import PageQuery
from crm.kit.schemas import Page
from crm.projects.schemas import ProjectInput, ProjectOut, ProjectPatch, ProjectQuery, ProjectView
from crm.projects.service import project as project_service

router = APIRouter(prefix="/api/v1/projects", tags=["projects"], responses=problems(401))


def _answer(response: Response, view: ProjectView) -> ProjectOut:
    response.headers["ETag"] = etag(view.project.version)
    return ProjectOut.of(view)


@router.get("", responses=problems(422))
async def list_projects(
    query: Annotated[ProjectQuery, Query()], session: SessionDep, actor: ActorDep
) -> Page[ProjectOut]:
    """The projects you own or are assigned to, a page at a time."""
    found = await project_service.list(session, actor, query=query)
    return found.page(ProjectOut.of)


@router.post("", status_code=status.HTTP_201_CREATED, responses={**with_etag(201), **problems(422)})
async def create_project(
    body: ProjectInput, response: Response, session: SessionDep, actor: ActorDep
) -> ProjectOut:
    """Start a project; you own it. Assignees must be members of your workspace and the
    organization one of yours (422 naming the field otherwise)."""
    view = await project_service.create(session, actor, data=body)
    response.headers["Location"] = f"{router.prefix}/{view.project.id}"
    return _answer(response, view)


@router.get("/{project_id}", responses={**with_etag(), **problems(404, 422)})
async def get_project(
    project_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> ProjectOut:
    """A project you own or are assigned to, with its task counts and ETag."""
    return _answer(response, await project_service.get(session, actor, project_id=project_id))


@router.put("/{project_id}", responses={**with_etag(), **problems(403, 404, 412, 422)})
async def replace_project(
    project_id: uuid.UUID,
    body: ProjectInput,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> ProjectOut:
    """Replace the whole project (its owner only: 403 for an assignee); fields left out
    become empty. With `If-Match`, a stale version answers 412 and changes nothing; without
    it the write applies."""
    view = await project_service.replace(
        session, actor, project_id=project_id, data=body, if_match=parse_if_match(if_match)
    )
    return _answer(response, view)


@router.patch("/{project_id}", responses={**with_etag(), **problems(403, 404, 412, 422)})
async def update_project(
    project_id: uuid.UUID,
    body: ProjectPatch,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> ProjectOut:
    """Change the fields given (its owner only). With `If-Match`, a stale version answers
    412 and changes nothing; without it the write applies."""
    view = await project_service.update(
        session, actor, project_id=project_id, changes=body, if_match=parse_if_match(if_match)
    )
    return _answer(response, view)


@router.delete(
    "/{project_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(403, 404, 412, 422),
)
async def delete_project(
    project_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> None:
    """Delete the project and all its tasks (its owner only). With `If-Match`, a stale
    version answers 412 and deletes nothing; without it the delete applies."""
    await project_service.delete(
        session, actor, project_id=project_id, if_match=parse_if_match(if_match)
    )


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


@router.get("/{project_id}/activity", responses=problems(404, 422))
async def project_activity(
    project_id: uuid.UUID,
    query: Annotated[PageQuery, Query()],
    session: SessionDep,
    actor: ActorDep,
) -> Page[ActivityOut]:
    """Every change to the project, newest first."""
    found = await project_service.activity(session, actor, project_id=project_id, query=query)
    return found.page(ActivityOut.of)

"""REST endpoints of tasks: `/tasks` (every task you see, across projects) and the same
operations under `/projects/{id}/tasks`. Writes take an optional If-Match."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from crm.activity.schemas import ActivityOut
from crm.auth.dependencies import ActorDep, SessionDep
from crm.kit.etags import IfMatch, etag, parse_if_match
from crm.kit.openapi import problems, with_etag
from crm.kit.pagination import PageQuery
from crm.kit.schemas import Page
from crm.models import Task
from crm.projects.service import project as project_service
from crm.tasks.schemas import (
    TaskFields,
    TaskFieldsPatch,
    TaskInput,
    TaskOut,
    TaskPatch,
    TaskQuery,
)
from crm.tasks.service import task as task_service

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"], responses=problems(401))
project_tasks = APIRouter(
    prefix="/api/v1/projects/{project_id}/tasks", tags=["tasks"], responses=problems(401)
)


def _answer(response: Response, task: Task) -> TaskOut:
    response.headers["ETag"] = etag(task.version)
    return TaskOut.of(task)


@router.get("", responses=problems(422))
async def list_tasks(
    query: Annotated[TaskQuery, Query()], session: SessionDep, actor: ActorDep
) -> Page[TaskOut]:
    """Every task of every project you see, filtered and sorted (by due date unless `sort`
    says otherwise; undated tasks last), a page at a time."""
    return (await task_service.list(session, actor, query=query)).page(TaskOut.of)


@router.post("", status_code=status.HTTP_201_CREATED, responses={**with_etag(201), **problems(422)})
async def create_task(
    body: TaskInput, response: Response, session: SessionDep, actor: ActorDep
) -> TaskOut:
    """Add a task to a project you see. The assignee must be the project's owner or one of
    its assignees (422 naming the field otherwise)."""
    task = await task_service.create(session, actor, data=body)
    response.headers["Location"] = f"{router.prefix}/{task.id}"
    return _answer(response, task)


@router.get("/{task_id}", responses={**with_etag(), **problems(404, 422)})
async def get_task(
    task_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> TaskOut:
    """A task of a project you see, with its ETag."""
    return _answer(response, await task_service.get(session, actor, task_id=task_id))


@router.put("/{task_id}", responses={**with_etag(), **problems(404, 412, 422)})
async def replace_task(
    task_id: uuid.UUID,
    body: TaskInput,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> TaskOut:
    """Replace the whole task; fields left out become empty or their default. With
    `If-Match`, a stale version answers 412 and changes nothing; without it the write
    applies."""
    task = await task_service.replace(
        session, actor, task_id=task_id, data=body, if_match=parse_if_match(if_match)
    )
    return _answer(response, task)


@router.patch("/{task_id}", responses={**with_etag(), **problems(404, 412, 422)})
async def update_task(
    task_id: uuid.UUID,
    body: TaskPatch,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> TaskOut:
    """Change the fields given (a new `project_id` moves the task). With `If-Match`, a stale
    version answers 412 and changes nothing; without it the write applies."""
    task = await task_service.update(
        session, actor, task_id=task_id, changes=body, if_match=parse_if_match(if_match)
    )
    return _answer(response, task)


@router.delete(
    "/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404, 412, 422)
)
async def delete_task(
    task_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> None:
    """Delete the task. With `If-Match`, a stale version answers 412 and deletes nothing;
    without it the delete applies."""
    await task_service.delete(session, actor, task_id=task_id, if_match=parse_if_match(if_match))


@router.get("/{task_id}/activity", responses=problems(404, 422))
async def task_activity(
    task_id: uuid.UUID,
    query: Annotated[PageQuery, Query()],
    session: SessionDep,
    actor: ActorDep,
) -> Page[ActivityOut]:
    """Every change to the task, newest first."""
    found = await task_service.activity(session, actor, task_id=task_id, query=query)
    return found.page(ActivityOut.of)


@project_tasks.get("", responses=problems(404, 422))
async def list_project_tasks(
    project_id: uuid.UUID,
    query: Annotated[TaskQuery, Query()],
    session: SessionDep,
    actor: ActorDep,
) -> Page[TaskOut]:
    """The project's tasks (the filters of `/tasks` apply)."""
    await project_service.get(session, actor, project_id=project_id)
    query = query.model_copy(update={"project_id": project_id})
    return (await task_service.list(session, actor, query=query)).page(TaskOut.of)


@project_tasks.post(
    "", status_code=status.HTTP_201_CREATED, responses={**with_etag(201), **problems(404, 422)}
)
async def create_project_task(
    project_id: uuid.UUID,
    body: TaskFields,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
) -> TaskOut:
    """Add a task to this project."""
    await project_service.get(session, actor, project_id=project_id)
    data = TaskInput(**body.model_dump(), project_id=project_id)
    task = await task_service.create(session, actor, data=data)
    response.headers["Location"] = f"{router.prefix}/{task.id}"
    return _answer(response, task)


@project_tasks.get("/{task_id}", responses={**with_etag(), **problems(404, 422)})
async def get_project_task(
    project_id: uuid.UUID,
    task_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
) -> TaskOut:
    """A task of this project, with its ETag."""
    task = await task_service.get(session, actor, task_id=task_id, in_project=project_id)
    return _answer(response, task)


@project_tasks.put("/{task_id}", responses={**with_etag(), **problems(404, 412, 422)})
async def replace_project_task(
    project_id: uuid.UUID,
    task_id: uuid.UUID,
    body: TaskFields,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> TaskOut:
    """Replace the whole task, which stays in this project. With `If-Match`, a stale version
    answers 412 and changes nothing; without it the write applies."""
    data = TaskInput(**body.model_dump(), project_id=project_id)
    task = await task_service.replace(
        session,
        actor,
        task_id=task_id,
        data=data,
        if_match=parse_if_match(if_match),
        in_project=project_id,
    )
    return _answer(response, task)


@project_tasks.patch("/{task_id}", responses={**with_etag(), **problems(404, 412, 422)})
async def update_project_task(
    project_id: uuid.UUID,
    task_id: uuid.UUID,
    body: TaskFieldsPatch,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> TaskOut:
    """Change the fields given. With `If-Match`, a stale version answers 412 and changes
    nothing; without it the write applies."""
    task = await task_service.update(
        session,
        actor,
        task_id=task_id,
        changes=TaskPatch(**body.model_dump()),
        if_match=parse_if_match(if_match),
        in_project=project_id,
    )
    return _answer(response, task)


@project_tasks.delete(
    "/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404, 412, 422)
)
async def delete_project_task(
    project_id: uuid.UUID,
    task_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> None:
    """Delete the task. With `If-Match`, a stale version answers 412 and deletes nothing;
    without it the delete applies."""
    await task_service.delete(
        session,
        actor,
        task_id=task_id,
        if_match=parse_if_match(if_match),
        in_project=project_id,
    )

"""Task tools for the assistant and the MCP server: the REST models, the same service."""

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.records import Deleted
from crm.kit.schemas import Page
from crm.kit.tools import ById, Change, Tool
from crm.tasks.schemas import (
    ProjectTaskInput,
    TaskInput,
    TaskOut,
    TaskPatch,
    TaskPriorityChange,
    TaskQuery,
    TaskSearch,
    TaskStatusChange,
)
from crm.tasks.service import task as task_service


async def create_task(session: AsyncSession, actor: Actor, params: TaskInput) -> TaskOut:
    return TaskOut.of(await task_service.create(session, actor, data=params))


async def add_task_to_project(
    session: AsyncSession, actor: Actor, params: ProjectTaskInput
) -> TaskOut:
    data = TaskInput(**params.task.model_dump(), project_id=params.project_id)
    return TaskOut.of(await task_service.create(session, actor, data=data))


async def get_task(session: AsyncSession, actor: Actor, params: ById) -> TaskOut:
    return TaskOut.of(await task_service.get(session, actor, task_id=params.id))


async def update_task(session: AsyncSession, actor: Actor, params: Change[TaskPatch]) -> TaskOut:
    task = await task_service.update(session, actor, task_id=params.id, changes=params.changes)
    return TaskOut.of(task)


async def set_task_status(session: AsyncSession, actor: Actor, params: TaskStatusChange) -> TaskOut:
    changes = TaskPatch(status=params.status)
    return TaskOut.of(await task_service.update(session, actor, task_id=params.id, changes=changes))


async def set_task_priority(
    session: AsyncSession, actor: Actor, params: TaskPriorityChange
) -> TaskOut:
    changes = TaskPatch(priority=params.priority)
    return TaskOut.of(await task_service.update(session, actor, task_id=params.id, changes=changes))


async def delete_task(session: AsyncSession, actor: Actor, params: ById) -> Deleted:
    return await task_service.delete(session, actor, task_id=params.id)


async def list_tasks(session: AsyncSession, actor: Actor, params: TaskQuery) -> Page[TaskOut]:
    return (await task_service.list(session, actor, query=params)).page(TaskOut.of)


TOOLS = [
    Tool("create_task", "Add a task to a project the user sees.", TaskInput, create_task),
    Tool(
        "add_task_to_project",
        "Add a task to the given project.",
        ProjectTaskInput,
        add_task_to_project,
    ),
    Tool("get_task", "Read one task by id.", ById, get_task),
    Tool(
        "update_task",
        "Change some fields of a task (a new project_id moves it); fields not given stay.",
        Change[TaskPatch],
        update_task,
    ),
    Tool(
        "set_task_status",
        "Change a task's status (todo, in_progress, done, blocked).",
        TaskStatusChange,
        set_task_status,
    ),
    Tool(
        "set_task_priority",
        "Change a task's priority (low, medium, high, urgent).",
        TaskPriorityChange,
        set_task_priority,
    ),
    Tool("delete_task", "Delete a task.", ById, delete_task, destructive=True),
    Tool(
        "list_tasks",
        "List the tasks of every project the user sees: filter by status, priority, assignee, "
        "project, due dates, overdue; sort by due_date, priority or updated_at.",
        TaskQuery,
        list_tasks,
    ),
    Tool(
        "search_tasks",
        "Find tasks whose name contains `q` (typos tolerated).",
        TaskSearch,
        list_tasks,
    ),
]

"""Task tools for the assistant and the MCP server: the REST models, the same service."""

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.tools import Tool
from crm.records.tools import record_tools
from crm.tasks.schemas import (
    ProjectTaskInput,
    TaskInput,
    TaskOut,
    TaskPatch,
    TaskPriorityChange,
    TaskSearch,
    TaskStatusChange,
)
from crm.tasks.service import task as task_service


async def add_task_to_project(
    session: AsyncSession, actor: Actor, params: ProjectTaskInput
) -> TaskOut:
    data = TaskInput(**params.task.model_dump(), project_id=params.project_id)
    return TaskOut.of(await task_service.create(session, actor, data=data))


async def set_task_status(session: AsyncSession, actor: Actor, params: TaskStatusChange) -> TaskOut:
    changes = TaskPatch(status=params.status)
    return TaskOut.of(await task_service.update(session, actor, task_id=params.id, changes=changes))


async def set_task_priority(
    session: AsyncSession, actor: Actor, params: TaskPriorityChange
) -> TaskOut:
    changes = TaskPatch(priority=params.priority)
    return TaskOut.of(await task_service.update(session, actor, task_id=params.id, changes=changes))


TOOLS = record_tools(
    task_service,
    plural="tasks",
    search=TaskSearch,
    text={
        "create": "Add a task to a project the user sees.",
        "get": "Read one task by id.",
        "update": "Change some fields of a task (a new project_id moves it); fields not given "
        "stay.",
        "delete": "Delete a task.",
        "list": "List the tasks of every project the user sees: filter by status, priority, "
        "assignee, project, due dates, overdue; sort by due_date, priority or updated_at.",
        "search": "Find tasks whose name contains `q` (typos tolerated).",
    },
    extra=[
        Tool(
            "add_task_to_project",
            "Add a task to the given project.",
            ProjectTaskInput,
            add_task_to_project,
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
    ],
)

# The assistant's group of these tools: what it says they do, and the words of a message
# about them (regular expressions, whole words).
ABOUT = "tasks of projects: add, find (overdue, due, by priority), change, status, delete"
WORDS = (
    r"tasks?",
    r"to-?dos?",
    "overdue",
    "due",
    "priority",
    "deadline",
)

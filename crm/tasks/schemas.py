import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import MISSING, Field

from crm.kit.pagination import PageQuery
from crm.kit.records import Day, LongText, Metadata, RecordOut, Ref, SearchText
from crm.kit.schemas import Input, Name
from crm.models import Task, TaskPriority, TaskStatus

TaskSort = Literal[
    "due_date",
    "-due_date",
    "priority",
    "-priority",
    "updated_at",
    "-updated_at",
    "created_at",
    "-created_at",
    "name",
    "-name",
]
AssigneeId = Annotated[
    uuid.UUID | None, Field(description="The project's owner or one of its assignees")
]


class TaskFields(Input):
    """A task inside a given project, as POST and PUT under /projects/{id}/tasks take it."""

    name: Name
    status: TaskStatus = TaskStatus.todo
    priority: TaskPriority = TaskPriority.medium
    assignee_id: AssigneeId = None
    due_date: Day | None = None
    description: LongText = None
    metadata: Metadata = Field(default_factory=dict)


class TaskInput(TaskFields):
    """A task as POST /tasks creates it and PUT replaces it (fields left out become empty)."""

    project_id: Annotated[uuid.UUID, Field(description="A project you see")]


class TaskFieldsPatch(Input):
    """The fields PATCH changes; those left out stay as they are."""

    name: Name | MISSING = MISSING
    status: TaskStatus | MISSING = MISSING
    priority: TaskPriority | MISSING = MISSING
    assignee_id: AssigneeId | MISSING = MISSING
    due_date: Day | MISSING | None = MISSING
    description: LongText | MISSING = MISSING
    metadata: Metadata | MISSING = MISSING


class TaskPatch(TaskFieldsPatch):
    """PATCH /tasks/{id}, which can also move the task to another project."""

    project_id: uuid.UUID | MISSING = MISSING


class TaskQuery(PageQuery):
    q: Annotated[SearchText | None, Field(description="Search the name")] = None
    sort: TaskSort = "due_date"
    status: Annotated[
        list[TaskStatus] | None, Field(description="Any of these (repeat the parameter)")
    ] = None
    priority: Annotated[
        list[TaskPriority] | None, Field(description="Any of these (repeat the parameter)")
    ] = None
    assignee_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    due_before: Annotated[Day | None, Field(description="Due strictly before this day")] = None
    due_after: Annotated[Day | None, Field(description="Due strictly after this day")] = None
    overdue: Annotated[
        bool | None,
        Field(description="Due before today (in your time zone) and not done; false: the rest"),
    ] = None


class TaskSearch(TaskQuery):
    """A search: `q` is required."""

    q: SearchText


class ProjectTaskInput(Input):
    """A new task in a project."""

    project_id: uuid.UUID
    task: TaskFields


class TaskStatusChange(Input):
    id: uuid.UUID
    status: TaskStatus


class TaskPriorityChange(Input):
    id: uuid.UUID
    priority: TaskPriority


class TaskOut(RecordOut):
    name: str
    status: TaskStatus
    priority: TaskPriority
    project_id: uuid.UUID
    project: Ref
    assignee_id: uuid.UUID | None
    assignee: Ref | None
    due_date: date | None
    description: str | None

    @classmethod
    def of(cls, task: Task) -> "TaskOut":
        assignee = task.assignee
        return cls(
            id=task.id,
            name=task.name,
            status=task.status,
            priority=task.priority,
            project_id=task.project_id,
            project=Ref(id=task.project.id, name=task.project.name),
            assignee_id=task.assignee_id,
            assignee=Ref(id=assignee.id, name=assignee.name) if assignee else None,
            due_date=task.due_date,
            description=task.description,
            metadata=task.custom_fields,
            version=task.version,
            created_at=task.created_at,
            updated_at=task.updated_at,
        )

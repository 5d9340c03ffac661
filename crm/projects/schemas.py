import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import MISSING, Field

from crm.kit.pagination import PageQuery
from crm.kit.records import Day, LongText, Metadata, RecordOut, Ref, SearchText
from crm.kit.schemas import Input, Name, Output
from crm.models import Project, ProjectStatus, TaskStatus

ProjectSort = Literal[
    "name",
    "-name",
    "due_date",
    "-due_date",
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
]
AssigneeIds = Annotated[
    list[uuid.UUID],
    Field(max_length=200, description="Members of your workspace who see the project"),
]


class ProjectInput(Input):
    """A project as POST creates it and PUT replaces it (fields left out become empty)."""

    name: Name
    status: ProjectStatus = ProjectStatus.planned
    organization_id: Annotated[uuid.UUID | None, Field(description="One of your organizations")] = (
        None
    )
    assignee_ids: AssigneeIds = Field(default_factory=list)
    due_date: Day | None = None
    description: LongText = None
    metadata: Metadata = Field(default_factory=dict)


class ProjectPatch(Input):
    """The fields PATCH changes; those left out stay as they are."""

    name: Name | MISSING = MISSING
    status: ProjectStatus | MISSING = MISSING
    organization_id: uuid.UUID | MISSING | None = MISSING
    assignee_ids: AssigneeIds | MISSING = MISSING
    due_date: Day | MISSING | None = MISSING
    description: LongText | MISSING = MISSING
    metadata: Metadata | MISSING = MISSING


class ProjectQuery(PageQuery):
    q: Annotated[SearchText | None, Field(description="Search the name")] = None
    sort: ProjectSort = "name"
    status: Annotated[
        list[ProjectStatus] | None, Field(description="Any of these (repeat the parameter)")
    ] = None
    organization_id: uuid.UUID | None = None
    assignee_id: Annotated[
        uuid.UUID | None, Field(description="Projects this member is assigned to")
    ] = None


class ProjectSearch(ProjectQuery):
    """A search: `q` is required."""

    q: SearchText


class ProjectMember(Input):
    """A member to assign to a project, or to unassign from it."""

    project_id: uuid.UUID
    user_id: uuid.UUID


class ProjectStatusChange(Input):
    id: uuid.UUID
    status: ProjectStatus


class TaskCounts(Output):
    """How many of the project's tasks are in each status."""

    todo: int = 0
    in_progress: int = 0
    done: int = 0
    blocked: int = 0


@dataclass(frozen=True)
class ProjectView:
    """A project with what its responses show besides its own row."""

    project: Project
    task_counts: dict[TaskStatus, int]


class ProjectOut(RecordOut):
    name: str
    status: ProjectStatus
    owner_id: uuid.UUID
    organization_id: uuid.UUID | None
    organization: Annotated[
        Ref | None, Field(description="Shown to the project's owner, whose organization it is")
    ]
    assignee_ids: list[uuid.UUID]
    assignees: list[Ref]
    due_date: date | None
    description: str | None
    task_counts: TaskCounts

    @classmethod
    def of(cls, view: ProjectView) -> "ProjectOut":
        project = view.project
        organization = project.organization
        return cls(
            id=project.id,
            name=project.name,
            status=project.status,
            owner_id=project.owner_id,
            organization_id=project.organization_id,
            organization=Ref(id=organization.id, name=organization.name) if organization else None,
            assignee_ids=[user.id for user in project.assignees],
            assignees=[Ref(id=user.id, name=user.name) for user in project.assignees],
            due_date=project.due_date,
            description=project.description,
            task_counts=TaskCounts(**{str(s): n for s, n in view.task_counts.items()}),
            metadata=project.custom_fields,
            version=project.version,
            created_at=project.created_at,
            updated_at=project.updated_at,
        )

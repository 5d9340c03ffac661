"""REST endpoints of tasks: `/tasks` (every task you see, across projects) and the same
operations under `/projects/{id}/tasks`, the routes every kind shares."""

from crm.projects.service import project as project_service
from crm.records.endpoints import Nested, crud_router
from crm.tasks.schemas import TaskFields, TaskFieldsPatch
from crm.tasks.service import task as task_service

DOCS = {
    "list": "Every task of every project you see, filtered and sorted (by due date unless "
    "`sort` says otherwise; undated tasks last).",
    "create": "The assignee must be the project's owner or one of its assignees (422 naming "
    "the field otherwise).",
    "update": "A new `project_id` moves the task.",
}
router = crud_router(task_service, plural="tasks", docs=DOCS)
project_tasks = crud_router(
    task_service,
    plural="tasks",
    nested=Nested(project_service, "projects", "in_project", TaskFields, TaskFieldsPatch),
    docs={"list": "The project's tasks (the filters of `/tasks` apply)."},
)

"""/tasks: every task of every project the user sees, filtered and sorted; the panel adds and
edits them, and a task's status changes in place. A task's own address opens its project's
page with the task's form (crm/web/records.py holds what the record pages share)."""

import uuid
from datetime import timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.dependencies import SessionDep
from crm.projects.schemas import ProjectQuery
from crm.projects.service import project as project_service
from crm.tasks.schemas import TaskOut, TaskPatch, TaskQuery
from crm.tasks.service import task as task_service
from crm.web.labels import PRIORITY, TASK_STATUS, options
from crm.web.records import RecordPages, read_status, record_router, status_changed, today_of
from crm.web.session import Shell, ShellDep
from crm.web.templating import environment
from crm.workspaces.service import workspace as workspace_service

SORTS = [
    ("due_date", "Due date, soonest first"),
    ("-due_date", "Due date, latest first"),
    ("-priority", "Priority, highest first"),
    ("priority", "Priority, lowest first"),
    ("-updated_at", "Recently updated"),
]
FIELDS = ("name", "status", "priority", "assignee_id", "project_id", "due_date", "description")
DUE = [("overdue", "Overdue"), ("week", "Due this week")]
# The tasks' table, here and on a project's page.
environment.globals["task_columns"] = [
    ("Task name", ""), ("Status", ""), ("Priority", "col-wide"), ("Assignee", "col-wide"),
    ("Project", "col-wide"),
    ("Due date", ""), ("", ""),
]  # fmt: skip


class TaskPages(RecordPages[TaskQuery, TaskOut]):
    service, plural, fields = task_service, "tasks", FIELDS
    blank_is_none = ("assignee_id", "due_date", "description")

    def form_values(self, record: TaskOut) -> dict[str, Any]:
        values = {f: getattr(record, f) for f in FIELDS}
        values = {k: "" if v is None else str(v) for k, v in values.items()}
        return {**values, "version": record.version, "project_id_label": record.project.name}

    def new_values(self, request: Request) -> dict[str, Any]:
        return {"project_id": request.query_params.get("project_id", "")}

    async def choices(self, session: AsyncSession, shell: Shell) -> dict[str, Any]:
        projects = await project_service.list(session, shell.actor, query=ProjectQuery(limit=200))
        members = await workspace_service.list_members(session, shell.actor)
        return {
            "sorts": SORTS,
            "due_options": DUE,
            "statuses": options(TASK_STATUS),
            "priorities": options(PRIORITY),
            "projects": [(str(v.project.id), v.project.name) for v in projects.items],
            "members": [(str(m.user.id), m.user.name) for m in members],
        }

    def adapt_query(self, request: Request, shell: Shell, params: dict[str, Any]) -> dict[str, Any]:
        """`due` (overdue, this week) as the service's dates, in the user's time zone."""
        due = request.query_params.get("due")
        today = today_of(shell)
        if due == "overdue":
            params["overdue"] = True
        elif due == "week":
            monday = today - timedelta(days=today.weekday())
            params["due_after"] = monday - timedelta(days=1)
            params["due_before"] = monday + timedelta(days=7)
        return params

    async def detail_page(
        self, request: Request, session: AsyncSession, shell: Shell, record_id: uuid.UUID
    ) -> Response:
        """A task is shown on its project's page, with its form open."""
        task = await task_service.get(session, shell.actor, task_id=record_id)
        return RedirectResponse(f"/projects/{task.project_id}?task={task.id}", status_code=303)


pages = TaskPages()
# The record pages' router, with this kind's status change beside them (one router, so the
# route table can check its paths at once: crm/kit/routing.py).
router = record_router(pages)


@router.post("/tasks/{task_id}/status")
async def change_status(
    task_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
) -> Response:
    changes = await read_status(request, TaskPatch)
    task = await task_service.update(session, shell.actor, task_id=task_id, changes=changes)
    label = TASK_STATUS[task.status][0]
    return await status_changed(
        request, shell, TaskOut.of(task), url=f"/tasks/{task.id}/status", choices=TASK_STATUS,
        text=f"“{task.name}” is now {label.lower()}.", go_to=f"/projects/{task.project_id}",
        row_template="tasks/_row.html", row_name="task",
    )  # fmt: skip

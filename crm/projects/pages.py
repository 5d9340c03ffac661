"""/projects: the projects a user owns or is assigned to; each project's page holds its
details, dates and tasks, with its status and its tasks' statuses changeable in place
(crm/web/records.py holds what the record pages share)."""

import uuid
from typing import Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.dependencies import SessionDep
from crm.organizations.schemas import OrganizationQuery
from crm.organizations.service import organization as organization_service
from crm.projects.schemas import ProjectOut, ProjectPatch, ProjectQuery
from crm.projects.service import project as project_service
from crm.tasks.pages import pages as task_pages
from crm.web.forms import FormState
from crm.web.labels import PROJECT_STATUS, options
from crm.web.records import (
    RecordPages,
    parse_query,
    query_params,
    read_status,
    record_router,
    status_changed,
)
from crm.web.session import Shell, ShellDep
from crm.workspaces.service import workspace as workspace_service

SORTS = [
    ("name", "Name, A to Z"),
    ("due_date", "Due date, soonest first"),
    ("-updated_at", "Recently updated"),
    ("-created_at", "Recently started"),
]
FIELDS = ("name", "status", "organization_id", "assignee_ids", "due_date", "description")


class ProjectPages(RecordPages[ProjectQuery, ProjectOut]):
    service, plural, fields = project_service, "projects", FIELDS
    prefill = ("name", "due_date", "description", "organization_id")
    list_fields = ("assignee_ids",)
    blank_is_none = ("organization_id", "due_date", "description")

    def form_values(self, record: ProjectOut) -> dict[str, Any]:
        values = {f: getattr(record, f) for f in FIELDS if f != "assignee_ids"}
        values = {k: "" if v is None else str(v) for k, v in values.items()}
        assignees = [str(i) for i in record.assignee_ids]
        organization = record.organization.name if record.organization else ""
        return {
            **values, "assignee_ids": assignees, "version": record.version,
            "organization_id_label": organization,
        }  # fmt: skip

    async def choices(self, session: AsyncSession, shell: Shell) -> dict[str, Any]:
        query = OrganizationQuery(limit=200)
        organizations = await organization_service.list(session, shell.actor, query=query)
        members = await workspace_service.list_members(session, shell.actor)
        return {
            "sorts": SORTS,
            "statuses": options(PROJECT_STATUS),
            "organizations": [(str(o.id), o.name) for o in organizations.items],
            "members": [(str(m.user.id), m.user.name) for m in members],
        }

    async def detail_context(
        self, request: Request, session: AsyncSession, shell: Shell, record: ProjectOut
    ) -> dict[str, Any]:
        """Its tasks and history; `?task=<id>` opens that task's form (a task's address)."""
        task_filters = {**query_params(request, task_pages.query_model), "project_id": record.id}
        query = parse_query(task_pages.query_model, task_filters)
        context = {
            "tasks": await task_pages.listing(session, shell, query),  # type: ignore[arg-type]
            "task_filters": {k: str(v) for k, v in task_filters.items()},
            **await super().detail_context(request, session, shell, record),
            "task_pages": task_pages,
            **await task_pages.choices(session, shell),
        }
        if task_id := _uuid(request.query_params.get("task")):
            task = await task_pages.get(session, shell, task_id)
            form = FormState(values=task_pages.form_values(task))
            context["panel"] = task_pages.form_panel(task.id, form)
        return context


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


pages = ProjectPages()
# The record pages' router, with this kind's status change beside them (one router, so the
# route table can check its paths at once: crm/kit/routing.py).
router = record_router(pages)


@router.post("/projects/{project_id}/status")
async def change_status(
    project_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
) -> Response:
    changes = await read_status(request, ProjectPatch)
    view = await project_service.update(
        session, shell.actor, project_id=project_id, changes=changes
    )
    project = ProjectOut.of(view)
    label = PROJECT_STATUS[project.status][0]
    return await status_changed(
        request, shell, project, url=f"/projects/{project.id}/status", choices=PROJECT_STATUS,
        text=f"“{project.name}” is now {label.lower()}.", go_to=f"/projects/{project.id}",
    )  # fmt: skip

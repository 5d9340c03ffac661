"""/calendar (month, week and day views drawn by FullCalendar from the REST API, see
static/calendar.js) and the Calendar tab of /settings: the secret ICS feed and the CalDAV
connection. Every form here also works without JavaScript."""

from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.dependencies import SecretBoxDep, SessionDep
from crm.calendar.connection import connection as connection_service
from crm.calendar.feed import feed as feed_service
from crm.calendar.imports import importer as import_service
from crm.calendar.interchange_endpoints import MAX_ICS_BYTES, feed_url
from crm.calendar.interchange_schemas import CalDAVChooseInput, CalDAVConnectInput
from crm.calendar.remote import RemoteCalendar
from crm.calendar.sync import sync as sync_service
from crm.contacts.schemas import ContactQuery
from crm.contacts.service import contact as contact_service
from crm.errors import CRMError
from crm.kit.routing import Router
from crm.organizations.schemas import OrganizationQuery
from crm.organizations.service import organization as organization_service
from crm.projects.schemas import ProjectQuery
from crm.projects.service import project as project_service
from crm.tasks.schemas import TaskQuery
from crm.tasks.service import task as task_service
from crm.web.forms import FormState, parse, read_form
from crm.web.session import Shell, ShellDep
from crm.web.settings import SettingsTab, render_settings
from crm.web.templating import render, toast

router = Router(include_in_schema=False)
TAB = "calendar"


async def _page_context(session: AsyncSession, shell: Shell) -> dict[str, Any]:
    """What the event dialog offers: the user's contacts to invite, and the records an event
    may link to (the first 200 of each, in name order, as the record forms offer them)."""
    actor = shell.actor
    contacts = await contact_service.list(session, actor, query=ContactQuery(limit=200))
    organizations = await organization_service.list(
        session, actor, query=OrganizationQuery(limit=200)
    )
    projects = await project_service.list(session, actor, query=ProjectQuery(limit=200))
    tasks = await task_service.list(session, actor, query=TaskQuery(limit=200))
    return {
        "shell": shell,
        "max_ics_mb": MAX_ICS_BYTES >> 20,
        "attendee_choices": [
            {
                "id": c.id,
                "name": c.name,
                "email": c.email,
                "label": f"{c.name} <{c.email}>" if c.email else f"{c.name} (no e-mail)",
            }
            for c in contacts.items
        ],
        "link_choices": [
            ("contact", "Contacts", [(c.id, c.name) for c in contacts.items]),
            ("organization", "Organizations", [(o.id, o.name) for o in organizations.items]),
            ("project", "Projects", [(v.project.id, v.project.name) for v in projects.items]),
            ("task", "Tasks", [(t.id, t.name) for t in tasks.items]),
        ],
    }


@router.get("/calendar")
async def calendar_page(request: Request, session: SessionDep, shell: ShellDep) -> HTMLResponse:
    return render(request, "calendar/page.html", await _page_context(session, shell))


@router.post("/calendar/import")
async def import_page(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    """The import form without JavaScript: import, then show the calendar with the outcome."""
    form = await request.form()
    upload = form.get("file")
    text = await upload.read(MAX_ICS_BYTES + 1) if hasattr(upload, "read") else b""
    try:
        if not text.strip() or len(text) > MAX_ICS_BYTES:
            raise CRMError(f"Choose an .ics file of at most {MAX_ICS_BYTES >> 20} MB.")
        async with session.begin_nested():
            report = await import_service.import_ics(session, shell.actor, text=text)
    except CRMError as exc:
        message = toast(exc.detail, "error")
    else:
        shown = "; ".join(f"{s.title or s.uid}: {s.reason}" for s in report.skipped[:3])
        more = "; …" if len(report.skipped) > 3 else ""
        skipped = f", {len(report.skipped)} skipped ({shown}{more})" if report.skipped else ""
        message = toast(
            f"Imported: {report.created} new, {report.updated} updated, "
            f"{report.unchanged} unchanged{skipped}."
        )
    context = await _page_context(session, shell)
    return render(request, "calendar/page.html", context, toasts=[message])


async def _calendar_tab(session: AsyncSession, shell: Shell) -> dict[str, Any]:
    actor = shell.actor
    return {
        "feed": await feed_service.get(session, actor),
        "feed_url": None,
        "caldav": await connection_service.get(session, actor),
        "caldav_calendars": None,
        "sync_report": None,
    }


calendar_tab = SettingsTab(
    "calendar", "Calendar", "calendar", "settings/_calendar.html", _calendar_tab
)


async def _again(
    request: Request,
    session: AsyncSession,
    shell: Shell,
    *,
    done: str | None = None,
    forms: dict[str, FormState] | None = None,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return await render_settings(
        request,
        session,
        shell,
        TAB,
        forms=forms,
        extra=extra,
        status=status,
        toasts=[toast(done)] if done else None,
    )


@router.post("/settings/calendar/feed")
async def new_feed(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    token = await feed_service.issue(session, shell.actor)
    return await _again(
        request,
        session,
        shell,
        done="A new feed URL is ready; the previous one stopped working.",
        extra={
            "feed_url": feed_url(request, token),
            "feed": await feed_service.get(session, shell.actor),
        },
    )


@router.post("/settings/calendar/feed/revoke")
async def revoke_feed(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    await feed_service.revoke(session, shell.actor)
    return await _again(
        request, session, shell, done="The feed is off; its URL answers nothing now."
    )


@router.post("/settings/calendar/caldav")
async def connect(
    request: Request, session: SessionDep, shell: ShellDep, box: SecretBoxDep
) -> Response:
    values = await read_form(request)
    try:
        body = parse(CalDAVConnectInput, {k: v for k, v in values.items() if v.strip()})
        async with session.begin_nested():
            _, calendars = await connection_service.connect(
                session, shell.actor, box=box, data=body
            )
    except (ValidationError, CRMError) as exc:
        forms = {"caldav": FormState.failed(values, exc)}
        return await _again(request, session, shell, forms=forms, status=422)
    return await _again(request, session, shell, done="Connected.", extra=_choices(calendars))


@router.post("/settings/calendar/caldav/calendar")
async def choose(
    request: Request, session: SessionDep, shell: ShellDep, box: SecretBoxDep
) -> Response:
    values = await read_form(request)
    try:
        body = parse(CalDAVChooseInput, values)
        async with session.begin_nested():
            await connection_service.choose(
                session, shell.actor, box=box, calendar_url=body.calendar_url
            )
    except (ValidationError, CRMError) as exc:
        forms = {"choose": FormState.failed(values, exc)}
        return await _again(request, session, shell, forms=forms, status=422)
    return await _again(request, session, shell, done="The calendar to sync is saved.")


@router.post("/settings/calendar/caldav/calendars")
async def list_calendars(
    request: Request, session: SessionDep, shell: ShellDep, box: SecretBoxDep
) -> Response:
    try:
        calendars = await connection_service.calendars(session, shell.actor, box=box)
    except CRMError as exc:
        return await _again(request, session, shell, forms={"choose": FormState.failed({}, exc)})
    return await _again(request, session, shell, extra=_choices(calendars))


@router.post("/settings/calendar/caldav/sync")
async def sync_now(
    request: Request, session: SessionDep, shell: ShellDep, box: SecretBoxDep
) -> Response:
    try:
        # No savepoint: a sync that fails midway keeps what it did, and says why in settings.
        report = await sync_service.sync(session, shell.actor, box=box)
    except CRMError as exc:
        return await _again(request, session, shell, forms={"sync": FormState.failed({}, exc)})
    return await _again(request, session, shell, done="Synced.", extra={"sync_report": report})


@router.post("/settings/calendar/caldav/disconnect")
async def disconnect(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    await connection_service.disconnect(session, shell.actor)
    return await _again(request, session, shell, done="Disconnected; your events stay.")


def _choices(calendars: list[RemoteCalendar]) -> dict[str, Any]:
    """The account's calendars as the choice's options (url, name)."""
    return {"caldav_calendars": [(c.url, c.name) for c in calendars]}

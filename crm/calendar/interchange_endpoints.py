"""REST endpoints of calendar interchange: the secret ICS feed, .ics import, and the CalDAV
connection with its sync (DESIGN.md section 4)."""

import uuid
from typing import Annotated

from fastapi import File, Request, Response, UploadFile, status
from fastapi.responses import PlainTextResponse

from crm.auth.dependencies import ActorDep, SecretBoxDep, SessionDep
from crm.calendar.connection import connection as connection_service
from crm.calendar.feed import feed as feed_service
from crm.calendar.imports import ImportReport
from crm.calendar.imports import importer as import_service
from crm.calendar.interchange_schemas import (
    CalDAVChooseInput,
    CalDAVConnectInput,
    CalDAVConnectionOut,
    CalendarSourceInput,
    CalendarSourceOut,
    CalendarSourcePatch,
    CalendarSources,
    CalendarSyncOut,
    DeletionsConfirmed,
    FeedOut,
    FeedStatus,
    ImportOut,
    RemoteCalendarOut,
    SkippedEventOut,
    SyncOut,
    SyncRunOut,
    SyncRuns,
)
from crm.calendar.notifications import notifications as notification_service
from crm.calendar.remote import RemoteCalendar
from crm.calendar.sources import sources as source_service
from crm.calendar.sync import SyncReport, total
from crm.calendar.sync import sync as sync_service
from crm.errors import Invalid, PayloadTooLarge
from crm.kit.openapi import problems
from crm.kit.routing import Router
from crm.models import CalendarConnection

router = Router(prefix="/api/v1/calendar", tags=["calendar"], responses=problems(401))
MAX_ICS_BYTES = 5 * 1024 * 1024
ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"


def feed_url(request: Request, token: str) -> str:
    base = request.app.state.settings.crm_base_url.rstrip("/")
    return f"{base}{router.prefix}/feed/{token}.ics"


@router.post("/feed", responses=problems(422))
async def new_feed(request: Request, session: SessionDep, actor: ActorDep) -> FeedOut:
    """A new secret URL of your calendar as an ICS feed (events, reminders, due dates) for
    Outlook, Google Calendar or Apple Calendar to subscribe to; the previous URL stops working."""
    token = await feed_service.issue(session, actor)
    return FeedOut(url=feed_url(request, token))


@router.get("/feed", responses=problems(422))
async def feed_status(session: SessionDep, actor: ActorDep) -> FeedStatus:
    """Whether you have a feed URL (the URL itself is shown only when made)."""
    found = await feed_service.get(session, actor)
    return FeedStatus(active=found is not None, created_at=found.created_at if found else None)


@router.delete("/feed", status_code=status.HTTP_204_NO_CONTENT, responses=problems(422))
async def revoke_feed(session: SessionDep, actor: ActorDep) -> None:
    """Turn your feed off: its URL answers 404 from now on."""
    await feed_service.revoke(session, actor)


@router.get(
    "/feed/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **problems(404)},
)
async def read_feed(token: str, request: Request, session: SessionDep) -> Response:
    """The feed itself (RFC 5545); the secret in its URL is the only credential."""
    body = await feed_service.render(
        session, token=token, base_url=request.app.state.settings.crm_base_url
    )
    headers = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"}
    return Response(body, media_type=ICS_MEDIA_TYPE, headers=headers)


@router.post("/import", responses=problems(413, 422))
async def import_ics(
    session: SessionDep, actor: ActorDep, file: Annotated[UploadFile, File()]
) -> ImportOut:
    """Import an .ics file: its events join your calendar under their own UIDs, so importing
    the same file again updates them. Events that cannot be stored, and what is not an event
    (to-dos, journal entries), are listed in `skipped` with the reason."""
    return import_out(await import_service.import_ics(session, actor, text=await read_ics(file)))


async def read_ics(file: UploadFile) -> bytes:
    text = await file.read(MAX_ICS_BYTES + 1)
    if len(text) > MAX_ICS_BYTES:
        raise PayloadTooLarge(f"An .ics file may be at most {MAX_ICS_BYTES // 1024 // 1024} MB.")
    if not text.strip():
        raise Invalid("file", "is empty")
    return text


def import_out(report: ImportReport) -> ImportOut:
    return ImportOut(
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        skipped=[SkippedEventOut.model_validate(s, from_attributes=True) for s in report.skipped],
    )


def connection_out(
    connection: CalendarConnection, calendars: list[RemoteCalendar] | None = None
) -> CalDAVConnectionOut:
    return CalDAVConnectionOut(
        url=connection.url,
        username=connection.username,
        calendar_url=connection.calendar_url,
        calendar_name=connection.calendar_name,
        last_synced_at=connection.last_synced_at,
        last_error=connection.last_error,
        calendars=None
        if calendars is None
        else [RemoteCalendarOut(url=c.url, name=c.name) for c in calendars],
    )


@router.put("/caldav", responses=problems(422))
async def connect_caldav(
    body: CalDAVConnectInput, session: SessionDep, actor: ActorDep, box: SecretBoxDep
) -> CalDAVConnectionOut:
    """Connect a CalDAV account (Nextcloud, iCloud, Fastmail...): the server is asked first,
    so a wrong password is a 422. `calendars` lists its calendars; `calendar_url` is the one
    that syncs (chosen by itself when there is only one)."""
    connection, calendars = await connection_service.connect(session, actor, box=box, data=body)
    return connection_out(connection, calendars)


@router.get("/caldav", responses=problems(404))
async def get_caldav(session: SessionDep, actor: ActorDep) -> CalDAVConnectionOut:
    """Your CalDAV connection (never its password)."""
    return connection_out(await connection_service.require(session, actor))


@router.get("/caldav/calendars", responses=problems(404, 422))
async def caldav_calendars(
    session: SessionDep, actor: ActorDep, box: SecretBoxDep
) -> list[RemoteCalendarOut]:
    """The calendars of the connected account, asked of the server now."""
    calendars = await connection_service.calendars(session, actor, box=box)
    return [RemoteCalendarOut(url=c.url, name=c.name) for c in calendars]


@router.post("/caldav/calendar", responses=problems(404, 422))
async def choose_caldav_calendar(
    body: CalDAVChooseInput, session: SessionDep, actor: ActorDep, box: SecretBoxDep
) -> CalDAVConnectionOut:
    """Sync with this calendar of the account from now on."""
    connection = await connection_service.choose(
        session, actor, box=box, calendar_url=body.calendar_url
    )
    return connection_out(connection)


@router.delete("/caldav", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404))
async def disconnect_caldav(session: SessionDep, actor: ActorDep) -> None:
    """Disconnect: the password is forgotten; events stay on both sides."""
    await connection_service.disconnect(session, actor)


@router.post("/sync", responses=problems(404, 422))
async def sync_now(
    request: Request, session: SessionDep, actor: ActorDep, box: SecretBoxDep
) -> SyncOut:
    """Sync your events with every connected calendar now (CalDAV, Microsoft 365), both ways;
    answers what was done in all and with each calendar (docs/calendar.md says how conflicts
    are settled). A calendar that fails says why in its part; the others still sync."""
    settings = request.app.state.settings
    results = await sync_service.sync_all(session, actor, settings=settings, box=box)
    calendars = [
        CalendarSyncOut(
            **_counts(r.report),
            source=r.source,
            calendar_name=r.calendar_name,
            status=r.status,
            error=r.error,
        )
        for r in results
    ]
    return SyncOut(**_counts(total(r.report for r in results)), calendars=calendars)


def _counts(report: SyncReport) -> dict:
    skipped = [SkippedEventOut.model_validate(s, from_attributes=True) for s in report.skipped]
    return {**report.counts(), "skipped": skipped, "notes": report.notes}


@router.get("/sync/runs")
async def sync_runs(session: SessionDep, actor: ActorDep) -> SyncRuns:
    """Your last sync runs of every calendar, newest first: why an event did or did not sync."""
    runs = await sync_service.runs(session, actor, limit=20)
    return SyncRuns(items=[SyncRunOut.model_validate(r, from_attributes=True) for r in runs])


@router.post("/sync/{source}/confirm-deletions", responses=problems(404))
async def confirm_deletions(
    source: str, session: SessionDep, actor: ActorDep
) -> DeletionsConfirmed:
    """Apply the deletions a sync of that calendar (caldav, ms365) held for you: the next sync
    deletes here the events deleted there."""
    count = await sync_service.confirm_deletions(session, actor, source=source)
    return DeletionsConfirmed(source=source, confirmed=count)


def source_out(source) -> CalendarSourceOut:
    return CalendarSourceOut.model_validate(source, from_attributes=True)


@router.get("/sources")
async def list_sources(session: SessionDep, actor: ActorDep) -> CalendarSources:
    """The calendars of your connected Microsoft 365 and Google accounts that the CRM shows."""
    return CalendarSources(
        items=[source_out(s) for s in await source_service.shown(session, actor)]
    )


@router.get("/sources/available", responses=problems(409, 422))
async def available_sources(
    service: str, request: Request, session: SessionDep, actor: ActorDep, box: SecretBoxDep
) -> list[RemoteCalendarOut]:
    """The calendars of your connected account (`service`: ms365, google) you can show."""
    settings = request.app.state.settings
    found = await source_service.available(
        session, actor, service=service, settings=settings, box=box
    )
    return [RemoteCalendarOut(url=c.url, name=c.name) for c in found]


@router.post("/sources", status_code=status.HTTP_201_CREATED, responses=problems(409, 422))
async def add_source(
    body: CalendarSourceInput,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    box: SecretBoxDep,
) -> CalendarSourceOut:
    """Show another calendar of a connected account; its events come in at the next sync."""
    settings = request.app.state.settings
    source = await source_service.add(
        session,
        actor,
        service=body.service,
        calendar_url=body.calendar_url,
        settings=settings,
        box=box,
    )
    return source_out(source)


@router.patch("/sources/{source_id}", responses=problems(404, 422))
async def change_source(
    source_id: uuid.UUID, body: CalendarSourcePatch, session: SessionDep, actor: ActorDep
) -> CalendarSourceOut:
    """Make this calendar the one of its account that receives the events made in the CRM."""
    if not body.receives:
        raise Invalid("receives", "choose the calendar that receives instead")
    return source_out(await source_service.receive_in(session, actor, source_id=source_id))


@router.delete(
    "/sources/{source_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404)
)
async def remove_source(source_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> None:
    """Stop showing a calendar: its events leave the CRM (they stay in the calendar)."""
    await source_service.remove(session, actor, source_id=source_id)


MAX_NOTIFICATIONS = 100  # Graph batches notifications; more in one request is not Graph


@router.post("/notifications/ms365", include_in_schema=False)
async def graph_notifications(request: Request, session: SessionDep) -> Response:
    """Microsoft Graph's change notifications for a subscribed calendar; each queues a sync.
    A `validationToken` is Graph checking this address: it is echoed as plain text."""
    token = request.query_params.get("validationToken")
    if token is not None:
        return PlainTextResponse(token[:1000])
    try:
        body = await request.json()
        items = body.get("value") if isinstance(body, dict) else None
    except ValueError:
        items = None
    for item in (items if isinstance(items, list) else [])[:MAX_NOTIFICATIONS]:
        if isinstance(item, dict):
            await notification_service.notified(session, token=str(item.get("clientState") or ""))
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post("/notifications/google", include_in_schema=False)
async def google_notifications(request: Request, session: SessionDep) -> Response:
    """Google Calendar's watch-channel notifications; `sync` only says the channel started."""
    if request.headers.get("X-Goog-Resource-State") != "sync":
        token = request.headers.get("X-Goog-Channel-Token") or ""
        await notification_service.notified(session, token=token)
    return Response(status_code=status.HTTP_200_OK)

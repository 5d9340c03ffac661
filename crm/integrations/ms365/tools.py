"""The Microsoft 365 MCP server's tools: Outlook mail and calendar, SharePoint and OneDrive files,
Teams and their meetings. Each answers compact JSON sized for a model: lists capped and saying
when more exist, mail bodies and documents as text in pages of characters."""

import inspect
import json
import mimetypes
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from pydantic import AwareDatetime, Field

from crm.integrations.documents import document_text, excerpt, html_text, transcript_text
from crm.integrations.http import Page
from crm.integrations.ms365.graph import Graph, drive_path, recipients
from crm.integrations.toolkit import (
    DEFAULT_CHARS,
    MAX_UPLOAD_BYTES,
    Base64Content,
    EmailAddresses,
    FileName,
    FolderPath,
    ItemId,
    Offset,
    OptionalEmailAddresses,
    PageChars,
    TextContent,
    Top,
    annotations,
    caller,
    size_in_words,
    speaks_errors,
    token_scopes,
    upload_bytes,
)
from crm.kit.schemas import Email

SiteId = Annotated[
    str,
    Field(min_length=1, max_length=300, description="The site's id (from sharepoint_list_sites)."),
]
DriveId = Annotated[
    str | None,
    Field(
        default=None,
        max_length=300,
        description="A document library's id (drive_id in earlier answers); the site's default "
        "library when left out.",
    ),
]
Subject = Annotated[str, Field(min_length=1, max_length=255)]
Body = Annotated[str, Field(max_length=100_000, description="The message, as plain text.")]
MailBody = Annotated[
    str, Field(max_length=100_000, description="The message, as plain text or HTML (body_format).")
]
BodyFormat = Annotated[
    Literal["text", "html"], Field(description="Whether body is plain text or HTML.")
]
EventId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        description="The meeting's calendar event id (from teams_create_meeting or "
        "outlook_get_calendar_events).",
    ),
]


async def _graph(ctx: Context) -> Graph:
    state, token = await caller(ctx)
    return Graph(state.http, state.base_url, token)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _listing(page: Page, items: list[dict[str, Any]], **extra: Any) -> str:
    answer: dict[str, Any] = {**extra, "items": items}
    if page.more:
        answer["more"] = "More exist than shown; narrow the search or ask for more (top)."
    return _json(answer)


def _person(value: dict[str, Any] | None) -> str | None:
    address = (value or {}).get("emailAddress") or {}
    name, mail = address.get("name"), address.get("address")
    if name and mail and name != mail:
        return f"{name} <{mail}>"
    return mail or name


def _message_summary(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": m.get("id"),
        "subject": m.get("subject"),
        "from": _person(m.get("from")),
        "received": m.get("receivedDateTime"),
        "preview": (m.get("bodyPreview") or "")[:200],
        "unread": not m.get("isRead", True),
        "has_attachments": m.get("hasAttachments", False),
    }


def _file(item: dict[str, Any]) -> dict[str, Any]:
    parent = item.get("parentReference") or {}
    return {
        "id": item.get("id"),
        "name": item.get("name"),
        "kind": "folder" if "folder" in item else "file",
        "size": None if "folder" in item else size_in_words(item.get("size")),
        "modified": item.get("lastModifiedDateTime"),
        "web_url": item.get("webUrl"),
        "drive_id": parent.get("driveId"),
        "path": parent.get("path"),
    }


def _when(value: dict[str, Any] | None) -> str | None:
    if not value:
        return None
    stamp = value.get("dateTime", "")
    return f"{stamp[:19]} {value.get('timeZone', '')}".strip()


def _event(e: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": e.get("id"),
        "subject": e.get("subject"),
        "start": _when(e.get("start")),
        "end": _when(e.get("end")),
        "location": (e.get("location") or {}).get("displayName") or None,
        "organizer": _person(e.get("organizer")),
        "attendees": [_person(a) for a in e.get("attendees") or []],
        "join_url": (e.get("onlineMeeting") or {}).get("joinUrl"),
        "web_url": e.get("webLink"),
    }


def _message(
    to: list[str], subject: str, body: str, body_format: str, cc: list[str], bcc: list[str]
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "subject": subject,
        "body": {"contentType": "HTML" if body_format == "html" else "Text", "content": body},
        "toRecipients": recipients(to),
    }
    if cc:
        message["ccRecipients"] = recipients(cc)
    if bcc:
        message["bccRecipients"] = recipients(bcc)
    return message


async def _document_text(
    graph: Graph, drive: str, item_id: str, offset: int, max_chars: int
) -> str:
    item, data = await graph.content(drive, item_id)
    content_type = (item.get("file") or {}).get("mimeType")
    page = excerpt(
        document_text(data, item.get("name") or "", content_type), offset=offset, limit=max_chars
    )
    return _json(
        {
            "name": item.get("name"),
            "web_url": item.get("webUrl"),
            "characters": page.total,
            "offset": page.offset,
            "next_offset": page.next_offset,
            "text": page.render(),
        }
    )


async def _upload(
    graph: Graph, drive: str, folder: str | None, name: str, text: str | None, b64: str | None
) -> str:
    data = upload_bytes(text, b64)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    item = await graph.upload(drive, folder=folder, name=name, data=data, content_type=content_type)
    return _json({"uploaded": _file(item)})


# Outlook mail


@speaks_errors
async def outlook_search_emails(
    ctx: Context,
    query: Annotated[
        str | None,
        Field(
            default=None,
            max_length=200,
            description="Words to find (Outlook search: subject, body, people); newest first "
            "when left out.",
        ),
    ] = None,
    sender: Annotated[
        Email | None, Field(default=None, description="Only e-mails from this address.")
    ] = None,
    folder: Annotated[
        str | None,
        Field(
            default=None,
            max_length=300,
            description="A folder id from outlook_list_folders, or inbox, sentitems, drafts, "
            "archive, deleteditems, junkemail; every folder when left out.",
        ),
    ] = None,
    top: Top = 10,
) -> str:
    """Search the connected Outlook mailbox; answers each e-mail's id, subject, sender, date
    and a short preview. Read one in full with outlook_get_email."""
    graph = await _graph(ctx)
    page = await graph.search_messages(query=query, sender=sender, folder=folder, limit=top)
    return _listing(page, [_message_summary(m) for m in page.items])


@speaks_errors
async def outlook_get_email(
    ctx: Context,
    message_id: Annotated[str, Field(min_length=1, max_length=500, description="The e-mail's id.")],
    offset: Offset = 0,
    max_chars: PageChars = DEFAULT_CHARS,
) -> str:
    """Read one e-mail: its people, date, attachments' names and its body as plain text (long
    bodies in pages: call again with next_offset)."""
    graph = await _graph(ctx)
    message = await graph.message(message_id)
    body = message.get("body") or {}
    text = body.get("content") or ""
    if body.get("contentType", "").lower() == "html":
        text = html_text(text)
    page = excerpt(text, offset=offset, limit=max_chars)
    attachments = (
        [
            {"name": a.get("name"), "size": size_in_words(a.get("size"))}
            for a in await graph.attachments(message_id)
        ]
        if message.get("hasAttachments")
        else []
    )
    return _json(
        {
            "id": message.get("id"),
            "subject": message.get("subject"),
            "from": _person(message.get("from")),
            "to": [_person(r) for r in message.get("toRecipients") or []],
            "cc": [_person(r) for r in message.get("ccRecipients") or []],
            "received": message.get("receivedDateTime"),
            "attachments": attachments,
            "web_url": message.get("webLink"),
            "next_offset": page.next_offset,
            "body": page.render(),
        }
    )


@speaks_errors
async def outlook_send_email(
    ctx: Context,
    to: EmailAddresses,
    subject: Subject,
    body: MailBody,
    cc: OptionalEmailAddresses,
    bcc: OptionalEmailAddresses,
    body_format: BodyFormat = "text",
) -> str:
    """Send an e-mail from the connected Outlook account (kept in Sent Items). It leaves at
    once and cannot be recalled: confirm the recipients and text with the user first."""
    graph = await _graph(ctx)
    await graph.send_mail(_message(to, subject, body, body_format, cc, bcc))
    return _json({"sent": True, "to": to, "cc": cc, "bcc": bcc, "subject": subject})


@speaks_errors
async def outlook_create_draft(
    ctx: Context,
    subject: Subject,
    body: MailBody,
    to: OptionalEmailAddresses,
    cc: OptionalEmailAddresses,
    body_format: BodyFormat = "text",
) -> str:
    """Save an e-mail as a draft in Outlook, not sent, for the user to review and send."""
    graph = await _graph(ctx)
    draft = await graph.create_draft(_message(to, subject, body, body_format, cc, []))
    return _json({"draft_id": draft.get("id"), "web_url": draft.get("webLink"), "subject": subject})


@speaks_errors
async def outlook_list_folders(ctx: Context, top: Top = 50) -> str:
    """List the mailbox's top-level folders with their ids and unread counts."""
    graph = await _graph(ctx)
    page = await graph.mail_folders(limit=top)
    folders = [
        {
            "id": f.get("id"),
            "name": f.get("displayName"),
            "total": f.get("totalItemCount"),
            "unread": f.get("unreadItemCount"),
        }
        for f in page.items
    ]
    return _listing(page, folders)


@speaks_errors
async def outlook_get_calendar_events(
    ctx: Context,
    start: Annotated[
        AwareDatetime | None,
        Field(default=None, description="From when (ISO 8601 with offset); now when left out."),
    ] = None,
    end: Annotated[
        AwareDatetime | None,
        Field(
            default=None,
            description="Until when (ISO 8601 with offset); 7 days after start when left out; "
            "at most 93 days after start.",
        ),
    ] = None,
    top: Top = 25,
) -> str:
    """The Outlook calendar's events in a period (repeating events as their occurrences), in
    UTC, soonest first, with each Teams meeting's join link."""
    begin = start or datetime.now(UTC)
    until = end or begin + timedelta(days=7)
    if until <= begin or until - begin > timedelta(days=93):
        raise ToolError("end must come after start, and at most 93 days after it.")
    graph = await _graph(ctx)
    page = await graph.calendar_view(start=begin, end=until, limit=top)
    return _listing(page, [_event(e) for e in page.items])


# SharePoint


@speaks_errors
async def sharepoint_list_sites(
    ctx: Context,
    query: Annotated[
        str | None, Field(default=None, max_length=200, description="Words in the site's name.")
    ] = None,
    top: Top = 25,
) -> str:
    """Find SharePoint sites the user can see (all of them when no words are given)."""
    graph = await _graph(ctx)
    page = await graph.sites(query=query, limit=top)
    sites = [
        {
            "id": s.get("id"),
            "name": s.get("displayName") or s.get("name"),
            "web_url": s.get("webUrl"),
        }
        for s in page.items
    ]
    return _listing(page, sites)


@speaks_errors
async def sharepoint_list_documents(
    ctx: Context,
    site_id: SiteId,
    drive_id: DriveId = None,
    folder_path: FolderPath = None,
    top: Top = 50,
) -> str:
    """List the files and folders in a SharePoint site's document library (its root, or a
    folder by path)."""
    graph = await _graph(ctx)
    drive = drive_path(site_id=site_id, drive_id=drive_id)
    page = await graph.children(drive, path=folder_path, limit=top)
    return _listing(page, [_file(i) for i in page.items])


@speaks_errors
async def sharepoint_get_document(
    ctx: Context, site_id: SiteId, item_id: ItemId, drive_id: DriveId = None
) -> str:
    """A SharePoint file's details: name, size, last change, link. Its text comes from
    sharepoint_get_document_content."""
    graph = await _graph(ctx)
    return _json(
        _file(await graph.item(drive_path(site_id=site_id, drive_id=drive_id), item_id=item_id))
    )


@speaks_errors
async def sharepoint_search_documents(
    ctx: Context,
    query: Annotated[str, Field(min_length=1, max_length=200, description="Words to find.")],
    site_id: Annotated[
        str | None,
        Field(
            default=None,
            max_length=300,
            description="Search this site only; every site when left out.",
        ),
    ] = None,
    top: Top = 25,
) -> str:
    """Find documents by name or content, in one site or across SharePoint and OneDrive."""
    graph = await _graph(ctx)
    if site_id:
        page = await graph.search_drive(drive_path(site_id=site_id), query=query, limit=top)
    else:
        page = await graph.search_files(query=query, limit=top)
    return _listing(page, [_file(i) for i in page.items])


@speaks_errors
async def sharepoint_upload_document(
    ctx: Context,
    site_id: SiteId,
    file_name: FileName,
    folder_path: FolderPath = None,
    content_text: TextContent = None,
    content_base64: Base64Content = None,
    drive_id: DriveId = None,
) -> str:
    """Upload a file to a SharePoint document library (renamed when the name is taken), up to
    UPLOAD_LIMIT. Confirm with the user first: others in the site will see it."""
    graph = await _graph(ctx)
    drive = drive_path(site_id=site_id, drive_id=drive_id)
    return await _upload(graph, drive, folder_path, file_name, content_text, content_base64)


@speaks_errors
async def sharepoint_create_folder(
    ctx: Context,
    site_id: SiteId,
    name: FileName,
    parent_path: FolderPath = None,
    drive_id: DriveId = None,
) -> str:
    """Create a folder in a SharePoint document library (renamed when the name is taken)."""
    graph = await _graph(ctx)
    drive = drive_path(site_id=site_id, drive_id=drive_id)
    return _json(
        {"created": _file(await graph.create_folder(drive, parent_path=parent_path, name=name))}
    )


@speaks_errors
async def sharepoint_share_document(
    ctx: Context,
    site_id: SiteId,
    item_id: ItemId,
    recipients: Annotated[
        list[Email],
        Field(
            default_factory=list,
            max_length=50,
            description="People to invite (they get an e-mail); when empty, a link is made "
            "instead.",
        ),
    ],
    access: Annotated[Literal["view", "edit"], Field(description="What they may do.")] = "view",
    link_scope: Annotated[
        Literal["organization", "anonymous"],
        Field(description="Who the link works for, when no recipients are given."),
    ] = "organization",
    message: Annotated[str | None, Field(default=None, max_length=2000)] = None,
    drive_id: DriveId = None,
) -> str:
    """Share a SharePoint or OneDrive file: invite people by e-mail, or make a sharing link.
    Confirm with the user first: it gives others access."""
    graph = await _graph(ctx)
    drive = drive_path(site_id=site_id, drive_id=drive_id)
    if recipients:
        role = "write" if access == "edit" else "read"
        granted = await graph.invite(drive, item_id, emails=recipients, role=role, message=message)
        return _json({"shared_with": recipients, "access": access, "grants": len(granted)})
    link = await graph.create_link(drive, item_id, kind=access, scope=link_scope)
    return _json({"link": link, "access": access, "scope": link_scope})


@speaks_errors
async def sharepoint_get_document_content(
    ctx: Context,
    site_id: SiteId,
    item_id: ItemId,
    drive_id: DriveId = None,
    offset: Offset = 0,
    max_chars: PageChars = DEFAULT_CHARS,
) -> str:
    """The text of a SharePoint document (Word, Excel, PowerPoint, PDF, text), in pages: call
    again with next_offset for more."""
    graph = await _graph(ctx)
    return await _document_text(
        graph, drive_path(site_id=site_id, drive_id=drive_id), item_id, offset, max_chars
    )


# OneDrive


@speaks_errors
async def onedrive_list_files(ctx: Context, folder_path: FolderPath = None, top: Top = 50) -> str:
    """List the files and folders in the user's OneDrive (its root, or a folder by path)."""
    graph = await _graph(ctx)
    page = await graph.children(drive_path(), path=folder_path, limit=top)
    return _listing(page, [_file(i) for i in page.items])


@speaks_errors
async def onedrive_get_document_content(
    ctx: Context,
    item_id: ItemId,
    drive_id: DriveId = None,
    offset: Offset = 0,
    max_chars: PageChars = DEFAULT_CHARS,
) -> str:
    """The text of a OneDrive document (Word, Excel, PowerPoint, PDF, text), in pages; give
    drive_id for a file shared from another drive (a Teams channel's, for one)."""
    graph = await _graph(ctx)
    return await _document_text(graph, drive_path(drive_id=drive_id), item_id, offset, max_chars)


@speaks_errors
async def onedrive_upload_document(
    ctx: Context,
    file_name: FileName,
    folder_path: FolderPath = None,
    content_text: TextContent = None,
    content_base64: Base64Content = None,
) -> str:
    """Upload a file to the user's OneDrive (renamed when the name is taken), up to
    UPLOAD_LIMIT. Confirm with the user first."""
    graph = await _graph(ctx)
    return await _upload(graph, drive_path(), folder_path, file_name, content_text, content_base64)


# Teams


@speaks_errors
async def teams_list_teams(ctx: Context, top: Top = 50) -> str:
    """The Teams the user is a member of, with their ids."""
    graph = await _graph(ctx)
    page = await graph.joined_teams(limit=top)
    teams = [
        {"id": t.get("id"), "name": t.get("displayName"), "description": t.get("description")}
        for t in page.items
    ]
    return _listing(page, teams)


@speaks_errors
async def teams_list_files(
    ctx: Context,
    team_id: Annotated[
        str, Field(min_length=1, max_length=300, description="From teams_list_teams.")
    ],
    channel_id: Annotated[
        str | None,
        Field(
            default=None,
            max_length=300,
            description="The channel; the team's General channel when left out.",
        ),
    ] = None,
    top: Top = 50,
) -> str:
    """The files shared in a Teams channel, and the team's channels; read a file's text with
    onedrive_get_document_content and its drive_id."""
    graph = await _graph(ctx)
    folder = await graph.channel_folder(team_id, channel_id)
    drive = drive_path(drive_id=(folder.get("parentReference") or {}).get("driveId"))
    page = await graph.children(drive, item_id=folder["id"], limit=top)
    channels = [
        {"id": c.get("id"), "name": c.get("displayName")} for c in await graph.channels(team_id)
    ]
    return _listing(page, [_file(i) for i in page.items], channels=channels)


@speaks_errors
async def teams_create_meeting(
    ctx: Context,
    subject: Subject,
    start: Annotated[AwareDatetime, Field(description="When it starts (ISO 8601 with offset).")],
    attendees: OptionalEmailAddresses,
    duration_minutes: Annotated[
        int, Field(ge=5, le=480, description="How long, 5 to 480 minutes.")
    ] = 30,
    agenda: Annotated[str | None, Field(default=None, max_length=10_000)] = None,
) -> str:
    """Create a Teams meeting as an Outlook calendar event (invitations go to the attendees);
    answers its event id and join link. Confirm with the user first."""
    graph = await _graph(ctx)
    begin = start.astimezone(UTC)
    event: dict[str, Any] = {
        "subject": subject,
        "start": {"dateTime": begin.replace(tzinfo=None).isoformat(), "timeZone": "UTC"},
        "end": {
            "dateTime": (begin + timedelta(minutes=duration_minutes))
            .replace(tzinfo=None)
            .isoformat(),
            "timeZone": "UTC",
        },
        "attendees": [{"emailAddress": {"address": a}, "type": "required"} for a in attendees],
        # Created as an event, not with /onlineMeetings: transcripts exist only for meetings
        # backed by a calendar event.
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
    }
    if agenda:
        event["body"] = {"contentType": "Text", "content": agenda}
    created = await graph.create_event(event)
    return _json({"created": _event(created)})


@speaks_errors
async def teams_get_meeting_attendees(ctx: Context, event_id: EventId) -> str:
    """A meeting's organiser and attendees with their answers (accepted, declined...)."""
    graph = await _graph(ctx)
    event = await graph.event(event_id)
    people = [
        {
            "attendee": _person(a),
            "type": a.get("type"),
            "response": (a.get("status") or {}).get("response"),
        }
        for a in event.get("attendees") or []
    ]
    return _json(
        {
            "subject": event.get("subject"),
            "organizer": _person(event.get("organizer")),
            "attendees": people,
        }
    )


@speaks_errors
async def teams_add_meeting_attendees(
    ctx: Context,
    event_id: EventId,
    attendees: EmailAddresses,
    optional: Annotated[bool, Field(description="Invite them as optional attendees.")] = False,
) -> str:
    """Invite more people to a meeting (those already invited are left as they are); they get
    an invitation. Confirm with the user first."""
    graph = await _graph(ctx)
    event = await graph.event(event_id)
    current = event.get("attendees") or []
    known = {((a.get("emailAddress") or {}).get("address") or "").lower() for a in current}
    added = [a for a in dict.fromkeys(attendees) if a.lower() not in known]
    if added:
        kind = "optional" if optional else "required"
        await graph.update_event(
            event_id,
            {
                "attendees": current
                + [{"emailAddress": {"address": a}, "type": kind} for a in added]
            },
        )
    return _json({"added": added, "already_invited": [a for a in attendees if a not in added]})


@speaks_errors
async def teams_get_meeting_notes(
    ctx: Context,
    event_id: Annotated[
        str | None,
        Field(default=None, max_length=500, description="The meeting's calendar event id."),
    ] = None,
    join_url: Annotated[
        str | None,
        Field(
            default=None,
            max_length=2000,
            pattern=r"^https://",
            description="Or the meeting's join link.",
        ),
    ] = None,
    offset: Offset = 0,
    max_chars: PageChars = DEFAULT_CHARS,
) -> str:
    """What was said in a Teams meeting: its transcript as "Speaker: words" lines, in pages.
    Only the organiser can read it, and only when the meeting was transcribed."""
    if not (event_id or join_url):
        raise ToolError("Give the meeting's event_id or its join_url.")
    graph = await _graph(ctx)
    if not join_url:
        event = await graph.event(event_id or "")
        join_url = (event.get("onlineMeeting") or {}).get("joinUrl")
        if not join_url:
            raise ToolError("That calendar event is not a Teams meeting, so it has no transcript.")
    vtt = await graph.meeting_transcript(join_url)
    if vtt is None:
        raise ToolError(
            "The meeting has no transcript: nobody turned transcription on during it, or the "
            "organisation's administrator does not allow transcription."
        )
    page = excerpt(transcript_text(vtt), offset=offset, limit=max_chars)
    return _json(
        {"characters": page.total, "next_offset": page.next_offset, "transcript": page.render()}
    )


@speaks_errors
async def auth_status(ctx: Context) -> str:
    """Which Microsoft 365 account is connected and what the CRM may do with it (its scopes)."""
    state, token = await caller(ctx)
    graph = Graph(state.http, state.base_url, token)
    me = await graph.me()
    return _json(
        {
            "connected": True,
            "account": me.get("mail") or me.get("userPrincipalName"),
            "name": me.get("displayName"),
            "scopes": token_scopes(token),
        }
    )


def _tool(fn: Any, title: str, **hints: bool) -> Tool:
    description = inspect.cleandoc(fn.__doc__ or "").replace(
        "UPLOAD_LIMIT", f"{MAX_UPLOAD_BYTES // 2**20} MB"
    )
    return Tool.from_function(
        fn,
        title=title,
        description=description,
        annotations=annotations(title, **hints),
        structured_output=False,
    )


READ = {"read_only": True}
# Built once: a server (one per process, or one per in-process connection) only lists them.
TOOLS: list[Tool] = [
    _tool(outlook_search_emails, "Search Outlook e-mails", **READ),
    _tool(outlook_get_email, "Read an Outlook e-mail", **READ),
    _tool(outlook_send_email, "Send an e-mail from Outlook", destructive=True),
    _tool(outlook_create_draft, "Save an Outlook draft"),
    _tool(outlook_list_folders, "List Outlook mail folders", **READ),
    _tool(outlook_get_calendar_events, "List Outlook calendar events", **READ),
    _tool(sharepoint_list_sites, "Find SharePoint sites", **READ),
    _tool(sharepoint_list_documents, "List a SharePoint library's files", **READ),
    _tool(sharepoint_get_document, "A SharePoint file's details", **READ),
    _tool(sharepoint_search_documents, "Search SharePoint and OneDrive documents", **READ),
    _tool(sharepoint_upload_document, "Upload a file to SharePoint"),
    _tool(sharepoint_create_folder, "Create a SharePoint folder"),
    _tool(sharepoint_share_document, "Share a SharePoint file", destructive=True),
    _tool(sharepoint_get_document_content, "Read a SharePoint document's text", **READ),
    _tool(onedrive_list_files, "List OneDrive files", **READ),
    _tool(onedrive_get_document_content, "Read a OneDrive document's text", **READ),
    _tool(onedrive_upload_document, "Upload a file to OneDrive"),
    _tool(teams_list_teams, "List the user's Teams", **READ),
    _tool(teams_list_files, "List a Teams channel's files", **READ),
    _tool(teams_create_meeting, "Create a Teams meeting"),
    _tool(teams_get_meeting_attendees, "A Teams meeting's attendees", **READ),
    _tool(teams_add_meeting_attendees, "Invite people to a Teams meeting", idempotent=True),
    _tool(teams_get_meeting_notes, "A Teams meeting's transcript", **READ),
    _tool(auth_status, "The connected Microsoft 365 account", **READ),
]

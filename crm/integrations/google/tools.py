"""The Google Workspace MCP server's tools: Gmail, Google Calendar and Google Drive. Each answers
compact JSON sized for a model: lists capped and saying when more exist, mail bodies and
documents as text in pages of characters."""

import mimetypes
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from pydantic import AwareDatetime, Field

from crm.integrations.documents import document_text, excerpt
from crm.integrations.google.api import FOLDER, GoogleAPI, attachments, message_text, mime_message
from crm.integrations.http import Page
from crm.integrations.toolkit import (
    DEFAULT_CHARS,
    Base64Content,
    EmailAddresses,
    FileName,
    ItemId,
    Offset,
    OptionalEmailAddresses,
    PageChars,
    TextContent,
    Top,
    as_json,
    caller,
    listing,
    size_in_words,
    speaks_errors,
    upload_bytes,
)
from crm.integrations.toolkit import (
    tool as _tool,
)
from crm.kit.schemas import Email

Subject = Annotated[str, Field(min_length=1, max_length=255, description="The subject line.")]
Body = Annotated[str, Field(max_length=100_000, description="The body, plain text or HTML.")]
IsHtml = Annotated[bool, Field(description="True when the body is HTML.")]
CalendarId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=300,
        description="A calendar id from calendar_list_calendars; primary is the user's own.",
    ),
]
FolderId = Annotated[
    str | None,
    Field(default=None, max_length=300, description="A folder's id; the drive's root when empty."),
]


async def api_for(ctx: Context) -> GoogleAPI:
    state, token = await caller(ctx)
    return GoogleAPI(state.http, state.base_url, token)


def _headers(message: dict[str, Any]) -> dict[str, str]:
    return {
        h["name"].lower(): h["value"] for h in (message.get("payload") or {}).get("headers") or []
    }


def _message_summary(message: dict[str, Any]) -> dict[str, Any]:
    headers = _headers(message)
    return {
        "id": message["id"],
        "subject": headers.get("subject"),
        "from": headers.get("from"),
        "date": headers.get("date"),
        "unread": "UNREAD" in (message.get("labelIds") or []),
        "preview": message.get("snippet"),
    }


def _when(value: dict[str, Any] | None) -> str | None:
    value = value or {}
    return value.get("dateTime") or value.get("date")


def _event(event: dict[str, Any]) -> dict[str, Any]:
    answer = {
        "id": event.get("id"),
        "subject": event.get("summary"),
        "start": _when(event.get("start")),
        "end": _when(event.get("end")),
        "location": event.get("location"),
        "organizer": (event.get("organizer") or {}).get("email"),
        "attendees": [a.get("email") for a in event.get("attendees") or []],
        "meet_link": event.get("hangoutLink"),
        "link": event.get("htmlLink"),
    }
    return {k: v for k, v in answer.items() if v not in (None, [])}


def _file(item: dict[str, Any]) -> dict[str, Any]:
    answer = {
        "id": item.get("id"),
        "name": item.get("name"),
        "kind": "folder" if item.get("mimeType") == FOLDER else item.get("mimeType"),
        "size": size_in_words(int(item["size"])) if item.get("size") else None,
        "modified": item.get("modifiedTime"),
        "link": item.get("webViewLink"),
    }
    return {k: v for k, v in answer.items() if v is not None}


def _files(page: Page) -> str:
    return listing(page, [_file(f) for f in page.items])


# Gmail


@speaks_errors
async def gmail_search_messages(
    ctx: Context,
    query: Annotated[
        str | None,
        Field(
            default=None,
            max_length=300,
            description="Gmail search, as in Gmail's search box (from:jane@acme.com "
            "subject:renewal newer_than:7d); the newest mail when left out.",
        ),
    ] = None,
    top: Top = 10,
) -> str:
    """Search the connected Gmail mailbox; answers each e-mail's id, subject, sender, date and
    a short preview. Read one in full with gmail_get_message."""
    api = await api_for(ctx)
    page = await api.search_messages(query=query, limit=top)
    return listing(page, [_message_summary(m) for m in page.items])


@speaks_errors
async def gmail_get_message(
    ctx: Context,
    message_id: ItemId,
    offset: Offset = 0,
    max_chars: PageChars = DEFAULT_CHARS,
) -> str:
    """Read one Gmail message: its people, date, attachments' names and its body as plain
    text (long bodies in pages: call again with next_offset)."""
    api = await api_for(ctx)
    message = await api.message(message_id)
    headers = _headers(message)
    page = excerpt(message_text(message.get("payload") or {}), offset=offset, limit=max_chars)
    return as_json(
        {
            "id": message.get("id"),
            "thread_id": message.get("threadId"),
            "subject": headers.get("subject"),
            "from": headers.get("from"),
            "to": headers.get("to"),
            "cc": headers.get("cc"),
            "date": headers.get("date"),
            "attachments": attachments(message.get("payload") or {}),
            "body": page.render(),
            "next_offset": page.next_offset,
        }
    )


@speaks_errors
async def gmail_send_message(
    ctx: Context,
    to: EmailAddresses,
    subject: Subject,
    body: Body,
    cc: OptionalEmailAddresses,
    html: IsHtml = False,
) -> str:
    """Send an e-mail from the connected Gmail account at once. Confirm the recipients and
    text with the user first."""
    api = await api_for(ctx)
    sent = await api.send(mime_message(to=to, cc=cc, subject=subject, body=body, html=html))
    return as_json({"sent": True, "id": sent.get("id"), "to": to})


@speaks_errors
async def gmail_create_draft(
    ctx: Context,
    to: OptionalEmailAddresses,
    subject: Subject,
    body: Body,
    cc: OptionalEmailAddresses,
    html: IsHtml = False,
) -> str:
    """Save an e-mail as a Gmail draft for the user to review and send."""
    api = await api_for(ctx)
    draft = await api.draft(mime_message(to=to, cc=cc, subject=subject, body=body, html=html))
    return as_json(
        {"draft_id": draft.get("id"), "message_id": (draft.get("message") or {}).get("id")}
    )


@speaks_errors
async def gmail_list_labels(ctx: Context) -> str:
    """The Gmail account's labels (INBOX, SENT, and the user's own), to search by label:NAME."""
    api = await api_for(ctx)
    labels = await api.labels()
    return as_json(
        {
            "items": [
                {"id": lb.get("id"), "name": lb.get("name"), "type": lb.get("type")}
                for lb in labels
            ]
        }
    )


# Calendar


@speaks_errors
async def calendar_list_calendars(ctx: Context, top: Top = 50) -> str:
    """The calendars the connected Google account sees (its own is `primary`)."""
    api = await api_for(ctx)
    page = await api.calendars(limit=top)
    return listing(page, page.items)


@speaks_errors
async def calendar_list_events(
    ctx: Context,
    calendar_id: CalendarId = "primary",
    start: Annotated[
        AwareDatetime | None,
        Field(default=None, description="From when (ISO 8601); now by default."),
    ] = None,
    end: Annotated[
        AwareDatetime | None,
        Field(
            default=None, description="Until when (ISO 8601); seven days after start by default."
        ),
    ] = None,
    query: Annotated[
        str | None, Field(default=None, max_length=200, description="Words the events contain.")
    ] = None,
    top: Top = 20,
) -> str:
    """Events of a Google calendar between two moments, recurring ones expanded, earliest
    first, with their Google Meet links."""
    start = start or datetime.now(UTC)
    end = end or start + timedelta(days=7)
    if end <= start:
        raise ToolError("end must be after start.")
    api = await api_for(ctx)
    page = await api.events(calendar_id=calendar_id, start=start, end=end, query=query, limit=top)
    return listing(page, [_event(e) for e in page.items])


def _times(start: datetime, end: datetime) -> dict[str, Any]:
    if end <= start:
        raise ToolError("end must be after start.")
    return {"start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()}}


@speaks_errors
async def calendar_create_event(
    ctx: Context,
    subject: Subject,
    start: Annotated[AwareDatetime, Field(description="When it starts (ISO 8601 with offset).")],
    end: Annotated[AwareDatetime, Field(description="When it ends (ISO 8601 with offset).")],
    attendees: OptionalEmailAddresses,
    description: Annotated[str | None, Field(default=None, max_length=8000)] = None,
    location: Annotated[str | None, Field(default=None, max_length=300)] = None,
    google_meet: Annotated[bool, Field(description="Add a Google Meet link.")] = False,
    calendar_id: CalendarId = "primary",
) -> str:
    """Create an event in a Google calendar and invite the attendees (Google e-mails them),
    with a Google Meet link on request. Confirm with the user first."""
    event: dict[str, Any] = {"summary": subject, **_times(start, end)}
    if attendees:
        event["attendees"] = [{"email": a} for a in attendees]
    if description:
        event["description"] = description
    if location:
        event["location"] = location
    api = await api_for(ctx)
    return as_json(_event(await api.create_event(calendar_id, event, meet=google_meet)))


@speaks_errors
async def calendar_update_event(
    ctx: Context,
    event_id: ItemId,
    subject: Annotated[str | None, Field(default=None, max_length=255)] = None,
    start: Annotated[AwareDatetime | None, Field(default=None)] = None,
    end: Annotated[AwareDatetime | None, Field(default=None)] = None,
    attendees: Annotated[
        list[Email] | None,
        Field(default=None, max_length=100, description="The full new list of attendees."),
    ] = None,
    description: Annotated[str | None, Field(default=None, max_length=8000)] = None,
    location: Annotated[str | None, Field(default=None, max_length=300)] = None,
    calendar_id: CalendarId = "primary",
) -> str:
    """Change an event: only what is given changes (start and end together). Attendees are
    told by Google."""
    changes: dict[str, Any] = {}
    if (start is None) != (end is None):
        raise ToolError("Give start and end together.")
    if start and end:
        changes.update(_times(start, end))
    if subject is not None:
        changes["summary"] = subject
    if attendees is not None:
        changes["attendees"] = [{"email": a} for a in attendees]
    if description is not None:
        changes["description"] = description
    if location is not None:
        changes["location"] = location
    if not changes:
        raise ToolError("Give at least one thing to change.")
    api = await api_for(ctx)
    return as_json(_event(await api.update_event(calendar_id, event_id, changes)))


@speaks_errors
async def calendar_delete_event(
    ctx: Context, event_id: ItemId, calendar_id: CalendarId = "primary"
) -> str:
    """Delete an event (attendees are told it is cancelled). Confirm with the user first."""
    api = await api_for(ctx)
    await api.delete_event(calendar_id, event_id)
    return as_json({"deleted": True, "id": event_id})


# Drive


@speaks_errors
async def drive_search_files(
    ctx: Context,
    words: Annotated[
        str, Field(min_length=1, max_length=200, description="Words in the files' names or text.")
    ],
    top: Top = 10,
) -> str:
    """Search Google Drive (names and contents); answers each file's id, name, kind, size and
    link. Read one with drive_get_file_content."""
    api = await api_for(ctx)
    return _files(await api.search_files(words=words, limit=top))


@speaks_errors
async def drive_list_files(ctx: Context, folder_id: FolderId = None, top: Top = 20) -> str:
    """The files and folders in a Google Drive folder (the root by default), newest first."""
    api = await api_for(ctx)
    return _files(await api.list_files(folder_id=folder_id, limit=top))


@speaks_errors
async def drive_get_file_content(
    ctx: Context, file_id: ItemId, offset: Offset = 0, max_chars: PageChars = DEFAULT_CHARS
) -> str:
    """A Drive file's text: Google Docs, Sheets (as CSV) and Slides exported, and uploaded
    Word, Excel, PowerPoint, PDF and text files read, in pages (call again with next_offset)."""
    api = await api_for(ctx)
    meta = await api.file(file_id)
    data = await api.content(meta)
    mime = meta.get("mimeType", "")
    if mime.startswith("application/vnd.google-apps."):
        text = data.decode("utf-8", "replace")
    else:
        text = document_text(data, meta.get("name", ""), mime)
    page = excerpt(text, offset=offset, limit=max_chars)
    return as_json({"file": _file(meta), "text": page.render(), "next_offset": page.next_offset})


@speaks_errors
async def drive_upload_file(
    ctx: Context,
    name: FileName,
    content_text: TextContent = None,
    content_base64: Base64Content = None,
    folder_id: FolderId = None,
) -> str:
    """Upload a file (at most UPLOAD_LIMIT) to Google Drive, into a folder or the root."""
    data = upload_bytes(content_text, content_base64)
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    api = await api_for(ctx)
    return as_json(_file(await api.upload(name=name, data=data, folder_id=folder_id, mime=mime)))


@speaks_errors
async def drive_share_file(
    ctx: Context,
    file_id: ItemId,
    email: Annotated[Email, Field(description="Who to share it with.")],
    role: Annotated[
        Literal["reader", "commenter", "writer"], Field(description="What they may do.")
    ] = "reader",
    message: Annotated[str | None, Field(default=None, max_length=1000)] = None,
) -> str:
    """Share a Drive file with someone (Google e-mails them). Confirm with the user first."""
    api = await api_for(ctx)
    permission = await api.share(file_id, email=email, role=role, message=message)
    return as_json({"shared": True, "with": email, "role": permission.get("role", role)})


@speaks_errors
async def auth_status(ctx: Context) -> str:
    """Which Google account the tools act as."""
    api = await api_for(ctx)
    me = await api.userinfo()
    return as_json(
        {
            "connected": True,
            "service": "Google Workspace",
            "email": me.get("email"),
            "name": me.get("name"),
        }
    )


READ = {"read_only": True}
TOOLS: list[Tool] = [
    _tool(gmail_search_messages, "Search Gmail", **READ),
    _tool(gmail_get_message, "Read a Gmail message", **READ),
    _tool(gmail_send_message, "Send an e-mail from Gmail", destructive=True),
    _tool(gmail_create_draft, "Save a Gmail draft"),
    _tool(gmail_list_labels, "List Gmail labels", **READ),
    _tool(calendar_list_calendars, "List Google calendars", **READ),
    _tool(calendar_list_events, "List Google Calendar events", **READ),
    _tool(calendar_create_event, "Create a Google Calendar event"),
    _tool(calendar_update_event, "Change a Google Calendar event", idempotent=True),
    _tool(
        calendar_delete_event, "Delete a Google Calendar event", destructive=True, idempotent=True
    ),
    _tool(drive_search_files, "Search Google Drive", **READ),
    _tool(drive_list_files, "List Google Drive files", **READ),
    _tool(drive_get_file_content, "Read a Google Drive file's text", **READ),
    _tool(drive_upload_file, "Upload a file to Google Drive"),
    _tool(drive_share_file, "Share a Google Drive file", destructive=True),
    _tool(auth_status, "The connected Google account", **READ),
]

"""What the Microsoft 365 tools share: input types, the Graph client of the call, and answers
shaped for a model (compact JSON, people as "Name <address>", files with their drive's id)."""

import mimetypes
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from crm.integrations.documents import document_text, excerpt
from crm.integrations.ms365.graph import Graph, recipients
from crm.integrations.toolkit import (
    as_json,
    caller,
    size_in_words,
    upload_bytes,
)

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


async def graph_for(ctx: Context) -> Graph:
    state, token = await caller(ctx)
    return Graph(state.http, state.base_url, token)


def person(value: dict[str, Any] | None) -> str | None:
    address = (value or {}).get("emailAddress") or {}
    name, mail = address.get("name"), address.get("address")
    if name and mail and name != mail:
        return f"{name} <{mail}>"
    return mail or name


def message_summary(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": m.get("id"),
        "subject": m.get("subject"),
        "from": person(m.get("from")),
        "received": m.get("receivedDateTime"),
        "preview": (m.get("bodyPreview") or "")[:200],
        "unread": not m.get("isRead", True),
        "has_attachments": m.get("hasAttachments", False),
    }


def file_summary(item: dict[str, Any]) -> dict[str, Any]:
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


def when(value: dict[str, Any] | None) -> str | None:
    if not value:
        return None
    stamp = value.get("dateTime", "")
    return f"{stamp[:19]} {value.get('timeZone', '')}".strip()


def event_summary(e: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": e.get("id"),
        "subject": e.get("subject"),
        "start": when(e.get("start")),
        "end": when(e.get("end")),
        "location": (e.get("location") or {}).get("displayName") or None,
        "organizer": person(e.get("organizer")),
        "attendees": [person(a) for a in e.get("attendees") or []],
        "join_url": (e.get("onlineMeeting") or {}).get("joinUrl"),
        "web_url": e.get("webLink"),
    }


def outgoing_message(
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


async def document_answer(
    graph: Graph, drive: str, item_id: str, offset: int, max_chars: int
) -> str:
    item, data = await graph.content(drive, item_id)
    content_type = (item.get("file") or {}).get("mimeType")
    page = excerpt(
        document_text(data, item.get("name") or "", content_type), offset=offset, limit=max_chars
    )
    return as_json(
        {
            "name": item.get("name"),
            "web_url": item.get("webUrl"),
            "characters": page.total,
            "offset": page.offset,
            "next_offset": page.next_offset,
            "text": page.render(),
        }
    )


async def upload_answer(
    graph: Graph, drive: str, folder: str | None, name: str, text: str | None, b64: str | None
) -> str:
    data = upload_bytes(text, b64)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    item = await graph.upload(drive, folder=folder, name=name, data=data, content_type=content_type)
    return as_json({"uploaded": file_summary(item)})

"""Outlook's tools: mail and the calendar."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AwareDatetime, Field

from crm.integrations.documents import excerpt, html_text
from crm.integrations.ms365.tools.answers import (
    BodyFormat,
    MailBody,
    Subject,
    event_summary,
    graph_for,
    message_summary,
    outgoing_message,
    person,
)
from crm.integrations.toolkit import (
    DEFAULT_CHARS,
    EmailAddresses,
    Offset,
    OptionalEmailAddresses,
    PageChars,
    Top,
    as_json,
    listing,
    size_in_words,
    speaks_errors,
)
from crm.kit.schemas import Email

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
    graph = await graph_for(ctx)
    page = await graph.search_messages(query=query, sender=sender, folder=folder, limit=top)
    return listing(page, [message_summary(m) for m in page.items])


@speaks_errors
async def outlook_get_email(
    ctx: Context,
    message_id: Annotated[str, Field(min_length=1, max_length=500, description="The e-mail's id.")],
    offset: Offset = 0,
    max_chars: PageChars = DEFAULT_CHARS,
) -> str:
    """Read one e-mail: its people, date, attachments' names and its body as plain text (long
    bodies in pages: call again with next_offset)."""
    graph = await graph_for(ctx)
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
    return as_json(
        {
            "id": message.get("id"),
            "subject": message.get("subject"),
            "from": person(message.get("from")),
            "to": [person(r) for r in message.get("toRecipients") or []],
            "cc": [person(r) for r in message.get("ccRecipients") or []],
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
    graph = await graph_for(ctx)
    await graph.send_mail(outgoing_message(to, subject, body, body_format, cc, bcc))
    return as_json({"sent": True, "to": to, "cc": cc, "bcc": bcc, "subject": subject})


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
    graph = await graph_for(ctx)
    draft = await graph.create_draft(outgoing_message(to, subject, body, body_format, cc, []))
    return as_json(
        {"draft_id": draft.get("id"), "web_url": draft.get("webLink"), "subject": subject}
    )


@speaks_errors
async def outlook_list_folders(ctx: Context, top: Top = 50) -> str:
    """List the mailbox's top-level folders with their ids and unread counts."""
    graph = await graph_for(ctx)
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
    return listing(page, folders)


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
    graph = await graph_for(ctx)
    page = await graph.calendar_view(start=begin, end=until, limit=top)
    return listing(page, [event_summary(e) for e in page.items])

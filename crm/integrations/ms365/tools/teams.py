"""Teams' tools: teams, channels' files, meetings and their transcripts; and which account is
connected."""

from datetime import UTC, timedelta
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AwareDatetime, Field

from crm.integrations.documents import excerpt, transcript_text
from crm.integrations.ms365.graph import Graph, drive_path
from crm.integrations.ms365.tools.answers import (
    EventId,
    Subject,
    event_summary,
    file_summary,
    graph_for,
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
    caller,
    listing,
    speaks_errors,
    token_scopes,
)

# Teams


@speaks_errors
async def teams_list_teams(ctx: Context, top: Top = 50) -> str:
    """The Teams the user is a member of, with their ids."""
    graph = await graph_for(ctx)
    page = await graph.joined_teams(limit=top)
    teams = [
        {"id": t.get("id"), "name": t.get("displayName"), "description": t.get("description")}
        for t in page.items
    ]
    return listing(page, teams)


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
    graph = await graph_for(ctx)
    folder = await graph.channel_folder(team_id, channel_id)
    drive = drive_path(drive_id=(folder.get("parentReference") or {}).get("driveId"))
    page = await graph.children(drive, item_id=folder["id"], limit=top)
    channels = [
        {"id": c.get("id"), "name": c.get("displayName")} for c in await graph.channels(team_id)
    ]
    return listing(page, [file_summary(i) for i in page.items], channels=channels)


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
    graph = await graph_for(ctx)
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
    return as_json({"created": event_summary(created)})


@speaks_errors
async def teams_get_meeting_attendees(ctx: Context, event_id: EventId) -> str:
    """A meeting's organiser and attendees with their answers (accepted, declined...)."""
    graph = await graph_for(ctx)
    event = await graph.event(event_id)
    people = [
        {
            "attendee": person(a),
            "type": a.get("type"),
            "response": (a.get("status") or {}).get("response"),
        }
        for a in event.get("attendees") or []
    ]
    return as_json(
        {
            "subject": event.get("subject"),
            "organizer": person(event.get("organizer")),
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
    graph = await graph_for(ctx)
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
    return as_json({"added": added, "already_invited": [a for a in attendees if a not in added]})


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
    graph = await graph_for(ctx)
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
    return as_json(
        {"characters": page.total, "next_offset": page.next_offset, "transcript": page.render()}
    )


@speaks_errors
async def auth_status(ctx: Context) -> str:
    """Which Microsoft 365 account is connected and what the CRM may do with it (its scopes)."""
    state, token = await caller(ctx)
    graph = Graph(state.http, state.base_url, token)
    me = await graph.me()
    return as_json(
        {
            "connected": True,
            "account": me.get("mail") or me.get("userPrincipalName"),
            "name": me.get("displayName"),
            "scopes": token_scopes(token),
        }
    )

"""What the assistant knows of each service a user can connect (Microsoft 365, Google
Workspace): its MCP server, its tools' groups (offered by need, crm.assistant.groups), the
writes that leave the CRM (held with a preview of exactly what goes out), and the words that
name its mailbox ("Outlook or Gmail?" when both are connected)."""

import importlib
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from crm.assistant.groups import GroupSpec

if TYPE_CHECKING:
    from mcp import Client

# (token, settings, http, limits) -> a connected MCP client acting as that token's account
Connect = Callable[..., AbstractAsyncContextManager["Client"]]


def connect_via(module: str) -> Connect:
    """The `connect` of the service's MCP server module, imported at the first connection:
    the `mcp` SDK is half a second of import that a user with no connected service, and a
    process that has served none, never needs."""

    def connect(*args: Any, **kwargs: Any) -> AbstractAsyncContextManager["Client"]:
        connecting: Connect = importlib.import_module(module).connect
        return connecting(*args, **kwargs)

    return connect


# (account, arguments, the user's time zone) -> what the user is shown before it goes out
Preview = Callable[[str, dict[str, Any], str], str]


@dataclass(frozen=True)
class Outgoing:
    """A write that leaves the CRM: what the user is shown before (`preview`), who it reaches
    (`recipients`, for the contacts' activity log), the log's verb ("Ada emailed this
    contact") and what the action says once done (`done`, from the arguments)."""

    preview: Preview
    recipients: Callable[[dict[str, Any]], list[str]] = lambda _: []
    verb: str | None = None
    done: Callable[[dict[str, Any], str, str], str] | None = None  # (arguments, preview, zone)


@dataclass(frozen=True)
class ServiceTools:
    """How the assistant reaches one service's MCP server."""

    service: str  # the connection's slug: ms365, google
    name: str  # as users know it: Microsoft 365
    mailbox: str  # its mail, as users say it: Outlook, Gmail
    names_it: re.Pattern[str]  # words of a message that pick this service's mailbox
    connect: Connect
    specs: tuple[GroupSpec, ...]
    groups: tuple[tuple[str, str], ...]  # (tool name prefix, group id), the first match wins
    outgoing: Mapping[str, Outgoing]
    renamed: Mapping[str, str] = field(default_factory=dict)  # offered name -> server's name

    def group_of(self, tool: str) -> str:
        return next(group for prefix, group in self.groups if tool.startswith(prefix))

    def offered(self, server_name: str) -> str:
        return next((k for k, v in self.renamed.items() if v == server_name), server_name)

    def server_name(self, offered: str) -> str:
        return self.renamed.get(offered, offered)

    @property
    def sends(self) -> set[str]:
        """Its tools that send an e-mail."""
        return {name for name, o in self.outgoing.items() if o.verb == "emailed"}


def _people(arguments: dict[str, Any], *keys: str) -> list[str]:
    found: list[str] = []
    for key in keys:
        value = arguments.get(key) or []
        found += [str(value)] if isinstance(value, str) else [str(a) for a in value]
    return found


def listed(addresses: list[str]) -> str:
    return ", ".join(addresses) or "nobody"


def in_words(moment: Any, time_zone: str) -> str:
    """An ISO time as the user reads it, in their time zone: "Thursday 10 December 2026 at
    15:00 (Europe/Rome)"; what the model wrote, when it is not a time."""
    try:
        when = datetime.fromisoformat(str(moment))
        zone = ZoneInfo(time_zone)
    except (ValueError, KeyError):
        return str(moment)
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    return f"{when.astimezone(zone):%A %-d %B %Y at %H:%M} ({time_zone})"


def _mail_preview(account: str, a: dict[str, Any], _zone: str = "UTC") -> str:
    lines = [f"Send this e-mail from {account}", f"To: {listed(_people(a, 'to'))}"]
    if a.get("cc"):
        lines.append(f"Cc: {listed(_people(a, 'cc'))}")
    if a.get("bcc"):
        lines.append(f"Bcc: {listed(_people(a, 'bcc'))}")
    lines += [f"Subject: {a.get('subject', '')}", "", str(a.get("body", ""))]
    return "\n".join(lines)


def _mail_done(mailbox: str) -> Callable[[dict[str, Any], str, str], str]:
    def done(a: dict[str, Any], _preview: str, _zone: str) -> str:
        people = listed(_people(a, "to", "cc", "bcc"))
        return f"Sent the e-mail “{a.get('subject')}” to {people} from {mailbox}"

    return done


def _share_preview(account: str, a: dict[str, Any], _zone: str = "UTC") -> str:
    access = "edit" if a.get("access") == "edit" else "view"
    target = a.get("file_name") or f"the file {a.get('item_id')}"
    if a.get("recipients"):
        text = f"Share {target} from {account} with {listed(_people(a, 'recipients'))} ({access})"
    else:
        anyone = a.get("link_scope") == "anonymous"
        scope = "anyone with the link" if anyone else "your organisation"
        text = f"Make a sharing link to {target} for {scope} ({access})"
    return text + (f", with the message: {a['message']}" if a.get("message") else "")


def _drive_share_preview(account: str, a: dict[str, Any], _zone: str = "UTC") -> str:
    role = {"writer": "edit", "commenter": "comment"}.get(a.get("role") or "", "view")
    text = f"Share the Google Drive file {a.get('file_id')} from {account} with {a.get('email')}"
    text += f" ({role})"
    return text + (f", with the message: {a['message']}" if a.get("message") else "")


def _upload_preview(where: str, name_key: str, folder_key: str) -> Preview:
    def preview(account: str, a: dict[str, Any], _zone: str = "UTC") -> str:
        size = len(a.get("content_text") or "") or len(a.get("content_base64") or "") * 3 // 4
        folder = f" in the folder {a[folder_key]}" if a.get(folder_key) else ""
        return f"Upload {a.get(name_key)} ({size} bytes) to {where} of {account}{folder}"

    return preview


def _teams_preview(account: str, a: dict[str, Any], zone: str = "UTC") -> str:
    text = (
        f"Create a Teams meeting “{a.get('subject')}” from {account} on "
        f"{in_words(a.get('start'), zone)} for {a.get('duration_minutes', 30)} minutes, "
        f"inviting {listed(_people(a, 'attendees'))}"
    )
    return text + (f"; agenda: {a['agenda']}" if a.get("agenda") else "")


def _teams_done(a: dict[str, Any], _preview: str, zone: str) -> str:
    return (
        f"Created the Teams meeting “{a.get('subject')}” on {in_words(a.get('start'), zone)} "
        f"with {listed(_people(a, 'attendees'))}"
    )


def _invite_preview(account: str, a: dict[str, Any], _zone: str = "UTC") -> str:
    return f"Invite {listed(_people(a, 'attendees'))} to the Teams meeting {a.get('event_id')}"


def _event_preview(account: str, a: dict[str, Any], zone: str = "UTC") -> str:
    meet = " with a Google Meet link" if a.get("google_meet") else ""
    text = (
        f"Create the Google Calendar event “{a.get('subject')}” in {account}'s calendar from "
        f"{in_words(a.get('start'), zone)} to {in_words(a.get('end'), zone)}{meet}, inviting "
        f"{listed(_people(a, 'attendees'))}"
    )
    return text + (f", at {a['location']}" if a.get("location") else "")


def _event_done(a: dict[str, Any], _preview: str, zone: str) -> str:
    return (
        f"Created the Google Calendar event “{a.get('subject')}” on "
        f"{in_words(a.get('start'), zone)} with {listed(_people(a, 'attendees'))}"
    )


def _event_change_preview(account: str, a: dict[str, Any], zone: str = "UTC") -> str:
    changes = [f"the title to “{a['subject']}”"] if a.get("subject") else []
    if a.get("start"):
        changes.append(f"the time to {in_words(a['start'], zone)} – {in_words(a.get('end'), zone)}")
    if a.get("attendees") is not None:
        changes.append(f"the attendees to {listed(_people(a, 'attendees'))}")
    changes += [f"the {k}" for k in ("description", "location") if a.get(k) is not None]
    what = ", ".join(changes) or "nothing"
    return f"Change the Google Calendar event {a.get('event_id')} of {account}: {what}"


def _event_delete_preview(account: str, a: dict[str, Any], _zone: str = "UTC") -> str:
    return f"Delete the Google Calendar event {a.get('event_id')} of {account} (attendees are told)"


def _words(*alternatives: str) -> str:
    return r"\b(" + "|".join(alternatives) + r")\b"


def topic(own: str, common: str, other: str) -> re.Pattern[str]:
    """A group's words: its own service's ("outlook"), or the topic's common words ("e-mail")
    in a message that names no other service ("gmail")."""
    return re.compile(rf"{own}|^(?!.*{other}).*{common}", re.I | re.S)


MAIL = _words(r"e-?mails?", r"mails?", "inbox", "mailbox", r"wrote", r"repl(y|ied)", r"drafts?")
FILES = _words(
    r"documents?", r"docs?", r"files?", r"folders?", "upload", r"shar(e|ed|ing)", "spreadsheet",
    "pdf", "docx", "xlsx", "presentation",
)  # fmt: skip
CHANGES = _words("upload", r"shar(e|ed|ing)", r"folders?")
MICROSOFT = _words("microsoft", "365", "office", "outlook", "sharepoint", "onedrive", "teams")
GOOGLE = _words("google", "gmail", "drive", "meet", "docs", "sheets", "slides")
# A meeting of no named service is the CRM's own calendar's; Teams and Google Calendar are
# offered from the first request when named, and stand in for the CRM's calendar then.
TEAMS = re.compile(_words("teams", r"transcripts?", "online meeting"), re.I)
GOOGLE_CALENDAR = re.compile(_words("google calendar", "google meet", "meet link"), re.I)

MICROSOFT365 = ServiceTools(
    service="ms365",
    name="Microsoft 365",
    mailbox="Outlook",
    names_it=re.compile(_words("outlook", "microsoft", "365", "office", "work"), re.I),
    connect=connect_via("crm.integrations.ms365.mcp_server"),
    specs=(
        GroupSpec(
            "outlook",
            "Outlook (Microsoft 365): search, read, send and draft e-mail; mail folders",
            (),
            topic(_words("outlook"), MAIL, GOOGLE),
        ),
        GroupSpec(
            "microsoft_files",
            "SharePoint and OneDrive: sites, find, list and read documents",
            (),
            topic(_words("sharepoint", "onedrive"), FILES, GOOGLE),
        ),
        GroupSpec(
            "microsoft_file_changes",
            "SharePoint and OneDrive: upload documents, make folders, share documents",
            (),
            topic(r"(?!)", CHANGES, GOOGLE),
        ),
        GroupSpec(
            "teams",
            "Teams and the Outlook calendar: online meetings, attendees, transcripts, teams' files",
            (),
            TEAMS,
            instead_of=("calendar",),
        ),
    ),
    groups=(
        ("outlook_get_calendar_events", "teams"),
        ("teams_", "teams"),
        ("sharepoint_upload", "microsoft_file_changes"),
        ("sharepoint_create_folder", "microsoft_file_changes"),
        ("sharepoint_share", "microsoft_file_changes"),
        ("onedrive_upload", "microsoft_file_changes"),
        ("sharepoint_", "microsoft_files"),
        ("onedrive_", "microsoft_files"),
        ("", "outlook"),  # outlook_*, auth_status
    ),
    outgoing={
        "outlook_send_email": Outgoing(
            _mail_preview,
            lambda a: _people(a, "to", "cc", "bcc"),
            "emailed",
            _mail_done("Outlook"),
        ),
        "sharepoint_share_document": Outgoing(
            _share_preview, lambda a: _people(a, "recipients"), "shared a file with"
        ),
        "sharepoint_upload_document": Outgoing(
            _upload_preview("SharePoint", "file_name", "folder_path")
        ),
        "onedrive_upload_document": Outgoing(
            _upload_preview("the OneDrive", "file_name", "folder_path")
        ),
        "teams_create_meeting": Outgoing(
            _teams_preview, lambda a: _people(a, "attendees"), "invited", _teams_done
        ),
        "teams_add_meeting_attendees": Outgoing(
            _invite_preview, lambda a: _people(a, "attendees"), "invited"
        ),
    },
)

GOOGLE_WORKSPACE = ServiceTools(
    service="google",
    name="Google Workspace",
    mailbox="Gmail",
    names_it=re.compile(_words("gmail", "google"), re.I),
    connect=connect_via("crm.integrations.google.mcp_server"),
    specs=(
        GroupSpec(
            "gmail",
            "Gmail (Google): search, read, send and draft e-mail; labels",
            (),
            topic(_words("gmail"), MAIL, MICROSOFT),
        ),
        GroupSpec(
            "google_drive",
            "Google Drive: find, read (Docs, Sheets, Slides, uploads), upload and share files",
            (),
            topic(_words("drive", "google docs?", "sheets", "slides"), FILES, MICROSOFT),
        ),
        GroupSpec(
            "google_calendar",
            "Google Calendar: calendars and events, create, change or delete, Google Meet links",
            (),
            GOOGLE_CALENDAR,
            instead_of=("calendar",),
        ),
    ),
    groups=(
        ("calendar_", "google_calendar"),
        ("drive_", "google_drive"),
        ("", "gmail"),  # gmail_*, google_auth_status
    ),
    outgoing={
        "gmail_send_message": Outgoing(
            _mail_preview, lambda a: _people(a, "to", "cc"), "emailed", _mail_done("Gmail")
        ),
        "drive_share_file": Outgoing(
            _drive_share_preview, lambda a: _people(a, "email"), "shared a file with"
        ),
        "drive_upload_file": Outgoing(_upload_preview("Google Drive", "name", "folder_id")),
        "calendar_create_event": Outgoing(
            _event_preview, lambda a: _people(a, "attendees"), "invited", _event_done
        ),
        "calendar_update_event": Outgoing(_event_change_preview),
        "calendar_delete_event": Outgoing(_event_delete_preview),
    },
    # Both servers have auth_status: one name per tool in a turn.
    renamed={"google_auth_status": "auth_status"},
)

SERVICES: dict[str, ServiceTools] = {s.service: s for s in (MICROSOFT365, GOOGLE_WORKSPACE)}

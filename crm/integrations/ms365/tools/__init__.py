"""The Microsoft 365 MCP server's tools: Outlook mail and calendar, SharePoint and OneDrive files,
Teams and their meetings. Each answers compact JSON sized for a model: lists capped and saying
when more exist, mail bodies and documents as text in pages of characters."""

from mcp.server.mcpserver.tools import Tool

from crm.integrations.ms365.tools.files import (
    onedrive_get_document_content,
    onedrive_list_files,
    onedrive_upload_document,
    sharepoint_create_folder,
    sharepoint_get_document,
    sharepoint_get_document_content,
    sharepoint_list_documents,
    sharepoint_list_sites,
    sharepoint_search_documents,
    sharepoint_share_document,
    sharepoint_upload_document,
)
from crm.integrations.ms365.tools.outlook import (
    outlook_create_draft,
    outlook_get_calendar_events,
    outlook_get_email,
    outlook_list_folders,
    outlook_search_emails,
    outlook_send_email,
)
from crm.integrations.ms365.tools.teams import (
    auth_status,
    teams_add_meeting_attendees,
    teams_create_meeting,
    teams_get_meeting_attendees,
    teams_get_meeting_notes,
    teams_list_files,
    teams_list_teams,
)
from crm.integrations.toolkit import tool as _tool

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

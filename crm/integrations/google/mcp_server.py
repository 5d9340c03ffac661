"""The Google Workspace MCP server: `crm mcp-server google` runs it as its own process (stdio,
or streamable HTTP where each request carries the user's Google access token as
`Authorization: Bearer`), and the CRM serves the same server in-process when MCP_GOOGLE_URL
is unset.

It holds no client secret and stores no token: the CRM sends the connected user's current
access token, and nothing else ever picks the user.

The CRM connects as one user with `connect` (the token is that user's, for that connection
only), which reaches MCP_GOOGLE_URL when set and a server built in-process otherwise:

    async with connect(token, http=shared_httpx_client, limits=app_limits) as client:
        tools = await client.list_tools()
"""

from crm.integrations import toolkit
from crm.integrations.google.api import SERVICE
from crm.integrations.google.tools import TOOLS

INSTRUCTIONS = (
    "Tools for the connected Google Workspace account: Gmail, Google Calendar (with Google "
    "Meet links) and Google Drive with Docs, Sheets and Slides. Lists are capped (top) and say "
    "when more exist; e-mail bodies and documents come as text in pages (offset, next_offset). "
    "Sending, sharing, uploading and creating, changing or deleting events act at once outside "
    "the CRM: confirm them with the user first."
)

SERVER = toolkit.ServerKind(
    name="google",
    title=SERVICE,
    key="google",
    instructions=INSTRUCTIONS,
    tools=TOOLS,
    api_url=lambda settings: settings.google_api_url,
    server_url=lambda settings: settings.mcp_google_url,
)
create_server = SERVER.create_server
create_http_app = SERVER.create_http_app
connect = SERVER.connect

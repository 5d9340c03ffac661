"""The Microsoft 365 MCP server: `crm mcp-server ms365` runs it as its own process (stdio, or
streamable HTTP where each request carries the user's Graph token as `Authorization: Bearer`),
and the CRM serves the same server in-process when MCP_MICROSOFT365_URL is unset.

It holds no client secret and stores no token: the CRM sends the connected user's current
access token, and nothing else ever picks the user.

The CRM connects as one user with `connect` (the token is that user's, for that connection
only), which reaches MCP_MICROSOFT365_URL when set and a server built in-process otherwise:

    async with connect(token, http=shared_httpx_client, limits=app_limits) as client:
        tools = await client.list_tools()
"""

from crm.integrations import toolkit
from crm.integrations.ms365.graph import SERVICE
from crm.integrations.ms365.tools import TOOLS

INSTRUCTIONS = (
    "Tools for the connected Microsoft 365 account: Outlook mail and calendar, SharePoint and "
    "OneDrive documents, Teams and their meetings. Lists are capped (top) and say when more "
    "exist; e-mail bodies, documents and transcripts come as text in pages (offset, "
    "next_offset). Sending, sharing, uploading and creating meetings act at once outside the "
    "CRM: confirm them with the user first."
)

SERVER = toolkit.ServerKind(
    name="microsoft365",
    title=SERVICE,
    key="ms365",
    instructions=INSTRUCTIONS,
    tools=TOOLS,
    api_url=lambda settings: settings.microsoft_graph_url,
    server_url=lambda settings: settings.mcp_microsoft365_url,
)
create_server = SERVER.create_server
create_http_app = SERVER.create_http_app
connect = SERVER.connect

"""The CRM's own MCP server: the assistant's toolbox (crm.toolbox) over MCP, at /mcp on the app
(streamable HTTP, stateless) and through `crm mcp` (stdio, a bridge to the running CRM)."""

"""Google Workspace: the provider, the REST client and the MCP server."""

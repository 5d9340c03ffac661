"""Microsoft 365: the Graph client and its MCP server."""

"""Connections to other services (Microsoft 365, Google Workspace) and their MCP servers."""

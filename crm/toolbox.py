"""Every tool the assistant and the MCP server offer, by name: each kind's of the registry
(crm.records.kinds), then the workspace's and the calendar's. A new kind's tools join with its
line in the registry; the assistant's agent, its confirmation of destructive tools and the MCP
server pick them up."""

from crm.calendar import tools as calendar_tools
from crm.kit.tools import Tool, toolbox
from crm.records.kinds import KINDS
from crm.workspaces import tools as workspace_tools


def crm_tools() -> dict[str, Tool]:
    """The toolbox as the registry stands now."""
    kinds = (kind.tools for kind in KINDS)
    return toolbox(*kinds, workspace_tools.TOOLS, calendar_tools.TOOLS)


TOOLS: dict[str, Tool] = crm_tools()

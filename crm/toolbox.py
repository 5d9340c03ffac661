"""Every tool the assistant and the MCP server offer, by name: one line per domain. A new tool
set (calendar, reminders, an integration's) is one more import and one more line below; the
assistant's agent, its confirmation of destructive tools and the MCP server pick it up."""

from crm.calendar import tools as calendar_tools
from crm.contacts import tools as contact_tools
from crm.kit.tools import Tool, toolbox
from crm.organizations import tools as organization_tools
from crm.projects import tools as project_tools
from crm.tasks import tools as task_tools
from crm.workspaces import tools as workspace_tools

TOOLS: dict[str, Tool] = toolbox(
    contact_tools.TOOLS,
    organization_tools.TOOLS,
    project_tools.TOOLS,
    task_tools.TOOLS,
    workspace_tools.TOOLS,
    calendar_tools.TOOLS,
)

"""Organization tools for the assistant and the MCP server: the REST models, the same
service."""

from crm.organizations.schemas import OrganizationSearch
from crm.organizations.service import organization as organization_service
from crm.records.tools import record_tools

TOOLS = record_tools(
    organization_service,
    plural="organizations",
    search=OrganizationSearch,
    text={
        "create": "Add an organization (a company). Names are unique per user, whatever the case.",
        "get": "Read one organization by id.",
        "update": "Change some fields of an organization; a new name shows on its contacts at "
        "once.",
        "delete": "Delete an organization; its contacts and projects stay, unlinked.",
        "list": "List the user's organizations; pass next_cursor as cursor for more.",
        "search": "Find organizations whose name contains `q` (typos tolerated).",
    },
)

# The assistant's group of these tools: what it says they do, and the words of a message
# about them (regular expressions, whole words).
ABOUT = "companies and other organizations: add, find, change or delete them"
WORDS = (
    r"organi[sz]ations?",
    r"orgs?",
    r"compan(y|ies)",
    r"clients?",
    r"customers?",
    "industry",
    r"firms?",
)

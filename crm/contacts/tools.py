"""Contact tools for the assistant and the MCP server: the REST models, the same service."""

from crm.contacts.schemas import ContactSearch
from crm.contacts.service import contact as contact_service
from crm.records.tools import record_tools

TOOLS = record_tools(
    contact_service,
    plural="contacts",
    search=ContactSearch,
    text={
        "create": "Add a contact (a person). `organization` links one of the user's "
        "organizations by name.",
        "get": "Read one contact by id.",
        "update": "Change some fields of a contact; fields not given stay as they are.",
        "delete": "Delete a contact.",
        "list": "List the user's contacts, filtered and sorted; pass next_cursor as cursor for "
        "more.",
        "search": "Find contacts whose name, e-mail, phone or organization contains `q` (typos "
        "tolerated).",
    },
)

# The assistant's group of these tools: what it says they do, and the words of a message
# about them (regular expressions, whole words).
ABOUT = "people: add, find, change or delete contacts (e-mail, phone, job, organization)"
WORDS = (
    r"contacts?",
    "people",
    "person",
    r"colleagues?",
    r"phones?",
    "mobile",
    r"[\w.+-]+@[\w-]+\.[\w.]+",  # an e-mail address ("e-mail" alone may be mail)
    "title",
    "job",
    "works",
    "ceo",
    "cto",
    "cfo",
    "coo",
    "vp",
    "head of",
    r"managers?",
    r"directors?",
    r"engineers?",
    "lead",
)

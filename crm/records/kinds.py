"""Every kind of record, one line a kind. A new kind is its folder (crm/deals/: schemas,
repository, service, endpoints, tools, pages) and its line here; docs/architecture.md lists
what else it takes (its table's migration, its router in crm/app.py)."""

from crm.contacts import tools as contact_tools
from crm.contacts.service import contact
from crm.models import CalendarEvent, Reminder
from crm.organizations import tools as organization_tools
from crm.organizations.service import organization
from crm.projects import tools as project_tools
from crm.projects.service import project
from crm.records.kind import RecordKind, Registry
from crm.tasks import tools as task_tools
from crm.tasks.service import task

RECORDS = {"pages": True, "searchable": True, "linkable": True}
LINKABLE = ("contact", "organization", "project", "task")
KINDS = Registry(
    RecordKind("contact", "contacts", contact.model, contact, contact_tools.TOOLS,
               "/contacts/{}", icon="users", links=("organization",), **RECORDS,
               about=contact_tools.ABOUT, words=contact_tools.WORDS),
    RecordKind("organization", "organizations", organization.model, organization,
               organization_tools.TOOLS, "/organizations/{}", icon="building-2", **RECORDS,
               about=organization_tools.ABOUT, words=organization_tools.WORDS),
    RecordKind("project", "projects", project.model, project, project_tools.TOOLS,
               "/projects/{}", icon="folder-kanban", links=("organization",), **RECORDS,
               about=project_tools.ABOUT, words=project_tools.WORDS),
    RecordKind("task", "tasks", task.model, task, task_tools.TOOLS, "/tasks/{}",
               icon="square-check", links=("project",), **RECORDS,
               about=task_tools.ABOUT, words=task_tools.WORDS),
    # Their services read this registry (the links they check, a reminder's task), so it
    # does not hold them; their tools and groups are crm/calendar/tools.py's and
    # crm/assistant/groups.py's.
    RecordKind("event", "events", CalendarEvent, link="/calendar?event={}", links=LINKABLE),
    RecordKind("reminder", "reminders", Reminder, link="/calendar?reminder={}",
               links=(*LINKABLE, "event")),
)  # fmt: skip

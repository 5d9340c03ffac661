"""The names of the user's own records, for the offline interpreter's slot lists ("delete Jane
Doe", "add a task to the website project"): read in one statement through each domain's
repository, so only records the user may read are listed."""

from sqlalchemy import Select, literal, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.contacts.repository import contact_repository
from crm.models import Contact, Organization, Project, Task
from crm.organizations.repository import organization_repository
from crm.projects.repository import project_repository
from crm.tasks.repository import task_repository

# Enough for any list a person speaks from; beyond it, the search tools still find the rest.
NAMES_PER_KIND = 500


def _names(statement: Select, kind: str, model: type) -> Select:
    columns = (literal(kind).label("kind"), model.name)
    return (
        statement.with_only_columns(*columns, maintain_column_froms=True)
        .order_by(model.updated_at.desc())
        .limit(NAMES_PER_KIND)
    )


async def record_names(session: AsyncSession, actor: Actor) -> dict[str, list[str]]:
    """The names of the records the actor reads, by kind, the most recently changed first."""
    parts = [
        _names(contact_repository.readable(actor), "contact", Contact),
        _names(organization_repository.readable(actor), "organization", Organization),
        _names(project_repository.visible(actor), "project", Project),
        _names(task_repository.readable(actor), "task", Task),
    ]
    names: dict[str, list[str]] = {"contact": [], "organization": [], "project": [], "task": []}
    for kind, name in await session.execute(union_all(*(p.subquery().select() for p in parts))):
        names[kind].append(name)
    return names

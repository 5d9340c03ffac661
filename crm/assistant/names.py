"""The names of the user's own records, for the offline interpreter's slot lists ("delete Jane
Doe", "add a task to the website project"): read in one statement, each kind's from what its
service says the actor sees, so only records the user may read are listed."""

from sqlalchemy import Select, literal, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.records.kinds import KINDS

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
    """The names of the records the actor reads, by searchable kind, the most recently changed
    first."""
    kinds = KINDS.searchable
    parts = [_names(kind.service.visible(actor), kind.name, kind.model) for kind in kinds]
    names: dict[str, list[str]] = {kind.name: [] for kind in kinds}
    for kind, name in await session.execute(union_all(*(p.subquery().select() for p in parts))):
        names[kind].append(name)
    return names

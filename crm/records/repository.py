"""The repository base: every statement over a kind starts from the records the actor may
read (`readable`, the domain's own rule)."""

import uuid
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.pagination import SortKey

M = TypeVar("M", bound=Any)


class RecordRepository(Generic[M]):
    model: ClassVar[type]
    sorts: ClassVar[dict[str, SortKey]]

    def readable(self, actor: Actor) -> Select[tuple[M]]:
        """The records the actor may read, with what their responses show."""
        raise NotImplementedError

    def visible(self, actor: Actor) -> Select[tuple[M]]:
        """`readable` without the related rows its responses show."""
        return self.readable(actor)

    async def get(
        self, session: AsyncSession, actor: Actor, record_id: uuid.UUID, *, for_update: bool = False
    ) -> M | None:
        """One readable record, or None; `for_update` locks its row."""
        statement = self.readable(actor).where(self.model.id == record_id)
        if for_update:
            statement = statement.with_for_update(of=self.model)
        return await session.scalar(statement.execution_options(populate_existing=True))

    async def listing(self, session: AsyncSession, actor: Actor, query: Any) -> Select[Any]:
        """`readable` filtered and searched as `query` asks."""
        raise NotImplementedError

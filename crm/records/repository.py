"""The repository base: every statement over a kind starts from the records the actor may
read (`readable`, the domain's own rule)."""

import uuid
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, Uuid, bindparam, func
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.pagination import SortKey
from crm.models import Role

M = TypeVar("M", bound=Any)


def ref(model: Any) -> ColumnElement[Any]:
    """A related record as a response shows it (`{id, name}`, crm.kit.records.Ref), in SQL."""
    return func.json_build_object("id", model.id, "name", model.name)


# The actor `readable` is given when a statement is built once per process: its ids are
# parameters bound by name (`actor_ids` gives their values per request). A kind's `readable`
# reads nothing of the actor but these two ids.
_BOUND_ACTOR = Actor(
    bindparam("user_id", type_=Uuid),  # type: ignore[arg-type]
    bindparam("workspace_id", type_=Uuid),  # type: ignore[arg-type]
    Role.member,
    "api",
)


class RecordRepository(Generic[M]):
    model: ClassVar[type]
    sorts: ClassVar[dict[str, SortKey]]
    # The records as the API shows them, as plain rows (their columns named as the kind's
    # `Out` fields; the actor's ids bound by name, see `actor_ids`), built once per process:
    # a kind that has it reads its pages as rows, shaped once (crm.records.service).
    rows: ClassVar[Select[Any] | None] = None

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
        params = {**self.actor_ids(actor), "record_id": record_id}
        return await session.scalar(self._by_id(for_update), params)

    def _by_id(self, for_update: bool) -> Select[tuple[M]]:
        """`get`'s statement, built once per process: every write reads its record by id (an
        update twice), and building the statement and its cache key cost 0.2-0.45 ms."""
        statements = self.__dict__.setdefault("_statements_by_id", {})
        if for_update not in statements:
            statement = self.readable(_BOUND_ACTOR).where(
                self.model.id == bindparam("record_id", type_=Uuid)
            )
            if for_update:
                statement = statement.with_for_update(of=self.model)
            statements[for_update] = statement.execution_options(populate_existing=True)
        return statements[for_update]

    def actor_ids(self, actor: Actor) -> dict[str, uuid.UUID]:
        """The values `rows` binds by name: the actor's workspace and user."""
        return {"workspace_id": actor.workspace_id, "user_id": actor.user_id}

    async def listing(
        self, session: AsyncSession, actor: Actor, query: Any, statement: Select[Any] | None = None
    ) -> Select[Any]:
        """`statement` (by default `readable`; `rows` for a page of a kind that has it)
        filtered and searched as `query` asks."""
        raise NotImplementedError

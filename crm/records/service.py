"""The service base of every kind on the registry: get, list, create, replace (PUT), update
(PATCH), delete and the activity list, each write under a row lock with the version check and
one activity entry. A domain's service says only what is its own through the hooks below.

Its methods name the record by the kind's key (`contact_id=`, `task_id=`), as every caller did
before the base existed, so a service reads the same whatever kind it serves."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity.service import activity as activity_service
from crm.activity.service import diff
from crm.auth.actor import Actor
from crm.errors import NotFound
from crm.kit.etags import require_version
from crm.kit.pagination import PageQuery, Slice, paginate
from crm.kit.records import Deleted
from crm.kit.schemas import Page
from crm.models import Activity
from crm.records.repository import RecordRepository

M = TypeVar("M", bound=Any)


class RecordService(Generic[M]):
    name: ClassVar[str]  # the kind, as the activity log and the tools name it: "contact"
    model: ClassVar[type]
    repository: ClassVar[RecordRepository[Any]]
    # The REST models, which the tools take too.
    Input: ClassVar[type[BaseModel]]
    Patch: ClassVar[type[BaseModel]]
    Query: ClassVar[type[PageQuery]]
    Out: ClassVar[Any]
    # Re-read a record after a write, for the related rows its responses show.
    reload: ClassVar[bool] = True

    @property
    def not_found(self) -> str:
        return f"No such {self.name}."

    def visible(self, actor: Actor) -> Select[Any]:
        """The records the actor sees, without their related rows (for names and counts)."""
        return self.repository.visible(actor)

    def key(self, key: dict[str, Any]) -> uuid.UUID:
        """The record's id from the kind's keyword (`contact_id=`)."""
        return key.pop(f"{self.name}_id")

    async def list(self, session: AsyncSession, actor: Actor, *, query: Any) -> Slice[Any]:
        """The actor's records, filtered, searched and sorted, one page at a time."""
        statement = await self._listing(session, actor, query)
        found = await paginate(
            session,
            statement,
            self.repository.sorts[query.sort],
            limit=query.limit,
            cursor=query.cursor,
        )
        return await self._shown_page(session, actor, found)

    async def page(self, session: AsyncSession, actor: Actor, *, query: Any) -> Page[Any]:
        """A page of `list` as the API shows it: read as rows and shaped once when the kind's
        repository has `rows` (the hot path), else from the records `list` loads."""
        rows = self.repository.rows
        if rows is None:
            return (await self.list(session, actor, query=query)).page(self.Out.of)
        found = await paginate(
            session,
            await self._listing(session, actor, query, rows),
            self.repository.sorts[query.sort],
            limit=query.limit,
            cursor=query.cursor,
            rows=True,
            params=self.repository.actor_ids(actor),
        )
        return found.page_of(self.Out)

    async def _listing(
        self, session: AsyncSession, actor: Actor, query: Any, statement: Select[Any] | None = None
    ) -> Select[Any]:
        """The repository's `listing` for `list` and `page` (a task's needs the actor's day)."""
        return await self.repository.listing(session, actor, query, statement)

    async def get(self, session: AsyncSession, actor: Actor, **key: Any) -> Any:
        """One record the actor reads; 404 for any other."""
        record = await self.repository.get(session, actor, self.key(key))
        if record is None or not self._within(record, **key):
            raise NotFound(self.not_found)
        return await self._shown(session, actor, record)

    async def read(self, session: AsyncSession, actor: Actor, **key: Any) -> Any:
        """`get` as the API shows it."""
        return await self.answer(session, actor, await self.get(session, actor, **key))

    async def answer(self, session: AsyncSession, actor: Actor, shown: Any) -> Any:
        """A record as the API answers it: what `get` and the writes give, as `Out`."""
        return self.Out.of(shown)

    async def create(self, session: AsyncSession, actor: Actor, *, data: BaseModel) -> Any:
        """Add a record owned by the actor."""
        fields = data.model_dump()
        now = datetime.now(UTC)
        record = self.model(
            **{
                "id": uuid.uuid4(),
                "workspace_id": actor.workspace_id,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                **await self._new(session, actor, fields),
            }
        )
        session.add(record)
        await self._flush(session, record)
        await self._created(session, actor, record, fields)
        record = await self._reread(session, actor, record)
        await self._log(session, actor, record, "created", diff({}, self.snapshot(record)))
        return await self._shown(session, actor, record)

    async def replace(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        data: BaseModel,
        if_match: frozenset[int] | None = None,
        **key: Any,
    ) -> Any:
        """Replace every field (PUT); those left out become empty."""
        return await self._change(session, actor, data.model_dump(), if_match, key)

    async def update(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        changes: BaseModel,
        if_match: frozenset[int] | None = None,
        **key: Any,
    ) -> Any:
        """Change the given fields (PATCH); a change to nothing writes nothing."""
        return await self._change(session, actor, changes.model_dump(), if_match, key)

    async def delete(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        if_match: frozenset[int] | None = None,
        **key: Any,
    ) -> Deleted:
        """Delete a record, and what goes with it (the effects, counted)."""
        record_id = self.key(key)
        record = await self._lock(session, actor, record_id, if_match, key)
        effects = await self._deleting(session, actor, record)
        before = self.snapshot(record)
        await session.delete(record)
        await session.flush()
        await self._log(session, actor, record, "deleted", diff(before, {}), effects or None)
        return Deleted(entity_type=self.name, id=record_id, effects=effects)

    async def activity(
        self, session: AsyncSession, actor: Actor, *, query: PageQuery, **key: Any
    ) -> Slice[Activity]:
        """The record's changes, newest first."""
        record_id = self.key(key)
        await self.get(session, actor, **{f"{self.name}_id": record_id})
        return await activity_service.list(session, actor, entity_id=record_id, query=query)

    async def _unlink(
        self, session: AsyncSession, actor: Actor, organization: Any, **values: Any
    ) -> Sequence[uuid.UUID]:
        """Unlink the actor's records from an organization in one statement (setting `values`
        too), each logged as updated; answers their ids."""
        model = self.model
        unlinked = await session.execute(
            update(model)
            .where(
                model.workspace_id == actor.workspace_id,
                model.owner_id == actor.user_id,
                model.organization_id == organization.id,
            )
            .values(
                organization_id=None,
                version=model.version + 1,
                updated_at=datetime.now(UTC),
                **values,
            )
            .returning(model.id)
            .execution_options(synchronize_session=False)
        )
        ids = list(unlinked.scalars())
        await activity_service.record_each(
            session,
            actor,
            entity_type=self.name,
            entity_ids=ids,
            owner_id=actor.user_id,
            action="updated",
            changes={"organization_id": {"from": str(organization.id), "to": None}},
            project_ids=self._projects_of(ids),
        )
        return ids

    # What a domain says of its own.

    def snapshot(self, record: M) -> dict[str, Any]:
        """The record's fields as its responses show them, for the activity log."""
        raise NotImplementedError

    async def _columns(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """The column values for the given input fields (checked)."""
        columns = {k: v for k, v in fields.items() if k != "metadata"}
        if "metadata" in fields:
            columns["custom_fields"] = fields["metadata"]
        return columns

    async def _new(
        self, session: AsyncSession, actor: Actor, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """A new record's columns (its id too, when another derives from it): by default
        owned by the actor."""
        return {"owner_id": actor.user_id, **await self._columns(session, actor, fields)}

    async def _created(
        self, session: AsyncSession, actor: Actor, record: M, fields: dict[str, Any]
    ) -> None:
        """What a new record needs besides its row (a project's assignees)."""

    async def _changes(
        self, session: AsyncSession, actor: Actor, record: M, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """What a write changes of the record (checked): column → new value."""
        columns = await self._columns(session, actor, fields)
        return {k: v for k, v in columns.items() if getattr(record, k) != v}

    async def _write(
        self, session: AsyncSession, actor: Actor, record: M, changed: dict[str, Any]
    ) -> None:
        for column, value in changed.items():
            setattr(record, column, value)

    async def _changed(
        self, session: AsyncSession, actor: Actor, record: M, changed: dict[str, Any]
    ) -> None:
        """What follows a change, before it is logged (a task's reminders follow its date)."""

    async def _deleting(self, session: AsyncSession, actor: Actor, record: M) -> dict[str, int]:
        """What a delete does elsewhere, done and counted, before the record goes."""
        return {}

    def _may_change(self, actor: Actor, record: M, **scope: Any) -> None:
        """Raise when the actor reads the record but may not change it (or not as the
        caller's scope says: an invitation only from its calendar)."""

    def _within(self, record: M, **scope: Any) -> bool:
        """Whether the record is in the scope a caller named (a task in `in_project`)."""
        return True

    def _log_fields(self, record: M) -> dict[str, Any]:
        """Whose record it is, for the activity entry's visibility."""
        return {"owner_id": record.owner_id}

    def _projects_of(self, ids: Sequence[uuid.UUID]) -> Sequence[uuid.UUID] | None:
        """The projects these records belong to, for a bulk change's entries (a project's own)."""
        return None

    async def _shown(self, session: AsyncSession, actor: Actor, record: M) -> Any:
        """The record as this service answers it (a project with its task counts)."""
        return record

    async def _shown_page(self, session: AsyncSession, actor: Actor, found: Slice[M]) -> Slice[Any]:
        return found

    async def _flush(self, session: AsyncSession, record: M) -> None:
        await session.flush()

    # The shared steps.

    async def _change(
        self,
        session: AsyncSession,
        actor: Actor,
        fields: dict[str, Any],
        if_match: frozenset[int] | None,
        key: dict[str, Any],
    ) -> Any:
        record_id = self.key(key)
        record = await self._lock(session, actor, record_id, if_match, key)
        changed = await self._changes(session, actor, record, fields)
        if changed:
            record = await self._save(session, actor, record, changed)
        return await self._shown(session, actor, record)

    async def _save(
        self, session: AsyncSession, actor: Actor, record: M, changed: dict[str, Any]
    ) -> M:
        """Write the changes to a locked record: a new version and one activity entry."""
        before = self.snapshot(record)
        await self._write(session, actor, record, changed)
        record.version += 1
        record.updated_at = datetime.now(UTC)
        await self._flush(session, record)
        record = await self._reread(session, actor, record)
        await self._changed(session, actor, record, changed)
        await self._log(session, actor, record, "updated", diff(before, self.snapshot(record)))
        return record

    async def _lock(
        self,
        session: AsyncSession,
        actor: Actor,
        record_id: uuid.UUID,
        if_match: frozenset[int] | None,
        scope: dict[str, Any],
    ) -> M:
        # The row lock makes the version check and the write one step for concurrent writers.
        record = await self.repository.get(session, actor, record_id, for_update=True)
        if record is None or not self._within(record, **scope):
            raise NotFound(self.not_found)
        self._may_change(actor, record, **scope)
        require_version(record.version, if_match)
        return record

    async def _reread(self, session: AsyncSession, actor: Actor, record: M) -> M:
        if not self.reload:
            return record
        return await self.repository.get(session, actor, record.id)

    async def _log(
        self,
        session: AsyncSession,
        actor: Actor,
        record: M,
        action: Any,
        changes: dict[str, Any],
        effects: dict[str, int] | None = None,
    ) -> None:
        await activity_service.record(
            session,
            actor,
            entity_type=self.name,
            entity_id=record.id,
            action=action,
            changes=changes,
            effects=effects,
            **self._log_fields(record),
        )

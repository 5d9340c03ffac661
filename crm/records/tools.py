"""The tools every kind on the registry offers the assistant and the MCP server: create, get,
update, delete, list and search, with the REST models, over the same service."""

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.records import Deleted
from crm.kit.schemas import Page
from crm.kit.tools import ById, Change, Tool
from crm.records.service import RecordService

VERBS = ("create", "get", "update", "delete", "list", "search")


def record_tools(
    service: RecordService[Any],
    *,
    plural: str,
    search: type[BaseModel],
    text: Mapping[str, str],
    extra: Sequence[Tool] = (),
) -> list[Tool]:
    """The kind's tools, each described by `text[verb]`; `extra` (its own: set a status,
    assign...) stand after `update`."""
    name, key, Out = service.name, f"{service.name}_id", service.Out

    async def create(session: AsyncSession, actor: Actor, params: BaseModel) -> BaseModel:
        return Out.of(await service.create(session, actor, data=params))

    async def get(session: AsyncSession, actor: Actor, params: ById) -> BaseModel:
        return Out.of(await service.get(session, actor, **{key: params.id}))

    async def update(session: AsyncSession, actor: Actor, params: Change[Any]) -> BaseModel:
        return Out.of(
            await service.update(session, actor, changes=params.changes, **{key: params.id})
        )

    async def delete(session: AsyncSession, actor: Actor, params: ById) -> Deleted:
        return await service.delete(session, actor, **{key: params.id})

    async def list_(session: AsyncSession, actor: Actor, params: Any) -> Page[Any]:
        return (await service.list(session, actor, query=params)).page(Out.of)

    return [
        Tool(f"create_{name}", text["create"], service.Input, create),
        Tool(f"get_{name}", text["get"], ById, get),
        Tool(f"update_{name}", text["update"], Change[service.Patch], update),  # type: ignore[name-defined]
        *extra,
        Tool(f"delete_{name}", text["delete"], ById, delete, destructive=True),
        Tool(f"list_{plural}", text["list"], service.Query, list_),
        Tool(f"search_{plural}", text["search"], search, list_),
    ]

"""The declaration of a tool: one operation the assistant and the MCP server can call, with the
same input model as the REST endpoint it mirrors, running the same service method."""

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.kit.schemas import Input

T = TypeVar("T", bound=BaseModel)
# Tools named with these verbs only read; every other tool changes something.
READ_VERBS = ("get", "list", "search")


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_model: type[BaseModel]
    run: Callable[[AsyncSession, Actor, Any], Awaitable[BaseModel]]
    # Deletes and other irreversible changes: the assistant asks before calling these.
    destructive: bool = False

    @property
    def read_only(self) -> bool:
        return self.name.split("_", 1)[0] in READ_VERBS

    async def call(
        self, session: AsyncSession, actor: Actor, arguments: dict[str, Any]
    ) -> BaseModel:
        """Validate the arguments against the input model, then run the tool."""
        return await self.run(session, actor, self.input_model.model_validate(arguments))


class ById(Input):
    """The record a tool reads or deletes."""

    id: uuid.UUID


class Change(Input, Generic[T]):
    """The record a tool changes, and the changes: the body of the matching PATCH."""

    id: uuid.UUID
    changes: T


def toolbox(*tool_sets: Iterable[Tool]) -> dict[str, Tool]:
    """Every tool by name; two tools of the same name are a programming error."""
    tools: dict[str, Tool] = {}
    for tool in (t for tool_set in tool_sets for t in tool_set):
        if tool.name in tools:
            raise ValueError(f"two tools are named {tool.name!r}")
        tools[tool.name] = tool
    return tools

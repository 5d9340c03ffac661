"""The assistant's tools: every CRM tool (crm.toolbox.TOOLS) as a pydantic-ai tool that runs as
the chatting user, in a savepoint of its own, and answers errors as text the model can act on.
Destructive tools are never run from model output alone: they become a pending action that the
user confirms in the next turn."""

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic_ai import ModelRetry, RunContext
from pydantic_ai import Tool as AgentTool
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.errors import CRMError
from crm.kit.records import Deleted
from crm.kit.tools import Tool
from crm.records.kinds import KINDS
from crm.toolbox import TOOLS

READ_VERBS = ("get", "list", "search")
# More changes than this in one turn are bulk changes: the rest wait for the user's yes.
BULK_LIMIT = 5


@dataclass(frozen=True)
class Entity:
    """A record the conversation touched."""

    type: str
    id: uuid.UUID
    name: str


# done: it happened; held: it waits for the user's yes; failed: the service said no.
ActionStatus = Literal["done", "held", "failed"]


@dataclass
class Action:
    """What one tool call did, as the chat answer lists it (`ok`: it was done)."""

    tool: str
    status: ActionStatus
    entity_type: str | None
    entity_id: uuid.UUID | None
    summary: str
    call_id: str | None = field(default=None, compare=False)  # the model's tool call

    @property
    def ok(self) -> bool:
        return self.status == "done"

    def as_json(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "ok": self.ok,
            "status": self.status,
            "entity_type": self.entity_type,
            "entity_id": str(self.entity_id) if self.entity_id else None,
            "summary": self.summary,
        }


@dataclass
class Pending:
    """Calls waiting for the user's yes: a delete, or the writes past the bulk limit of a turn.
    Each call is {tool, arguments, name} (name: the record's, for the summary)."""

    calls: list[dict[str, Any]]
    summary: str

    @property
    def tool(self) -> str:
        return str(self.calls[0]["tool"])

    def as_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "calls": self.calls, "summary": self.summary}

    @classmethod
    def of(cls, stored: dict[str, Any]) -> "Pending":
        return cls(list(stored["calls"]), str(stored["summary"]))

    def hold(self, call: dict[str, Any], summary: str) -> None:
        self.calls.append(call)
        self.summary = f"{len(self.calls)} changes: " + "; ".join(c["summary"] for c in self.calls)

    @property
    def question(self) -> str:
        """What the CRM asks the user, whatever the model wrote."""
        return f"{self.summary}? yes / no"


@dataclass
class TurnDeps:
    """What a turn's tools run with: the user's session and actor (never the model's say)."""

    session: AsyncSession
    actor: Actor
    time_zone: str = "UTC"
    clock: str = "24h"  # how the user reads times of day: crm.kit.clock
    entities: list[Entity] = field(default_factory=list)  # most recent last
    actions: list[Action] = field(default_factory=list)
    touched: list[Entity] = field(default_factory=list)
    pending: Pending | None = None
    summary: str | None = None  # what pruned older messages said
    toolsets: list[Any] = field(default_factory=list)  # crm.assistant.integrations'
    writes: int = 0  # changes made this turn, for the bulk limit
    preload: list[str] = field(default_factory=list)  # tool groups offered from the start
    dropped: str | None = None  # a held change the user answered with something else

    def restart(self, entities: list[Entity]) -> None:
        """Forget what a failed attempt did (its savepoint was rolled back)."""
        self.entities = list(entities)
        self.actions, self.touched, self.pending, self.writes = [], [], None, 0

    def remember(self, entity: Entity) -> None:
        self.entities = [e for e in self.entities if e.id != entity.id] + [entity]
        self.touched = [e for e in self.touched if e.id != entity.id] + [entity]


def is_read(tool: Tool) -> bool:
    return tool.name.split("_", 1)[0] in READ_VERBS


def entity_type_of(tool_name: str) -> str | None:
    """The record type a tool works on: the first record word in its name, else the word after
    its verb ("delete_event": event), so a new tool set needs no change here."""
    words = tool_name.split("_")
    for word in words:
        kind = word.removesuffix("s")
        if kind in KINDS:
            return kind
    return words[1].removesuffix("s") if len(words) > 1 else None


def label_of(result: Any) -> str | None:
    """What a record is called: its name, or the title or message of records without one."""
    for attribute in ("name", "title", "message"):
        if isinstance(value := getattr(result, attribute, None), str):
            return value
    return None


def field_errors(exc: ValidationError) -> str:
    """Validation errors naming their fields, for the model to correct its call."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        lines.append(f"{where}: {error['msg']}")
    return "Invalid arguments. " + "; ".join(lines)


async def execute(deps: TurnDeps, tool: Tool, arguments: dict[str, Any]) -> BaseModel:
    """Run one tool as the user inside a savepoint, so a failure undoes only this call."""
    async with deps.session.begin_nested():
        return await tool.call(deps.session, deps.actor, arguments)


def record(deps: TurnDeps, tool: Tool, result: BaseModel, call_id: str | None = None) -> None:
    """Note the records a successful call touched, and the action it was."""
    kind = entity_type_of(tool.name)
    if isinstance(result, Deleted):
        name = next((e.name for e in deps.entities if e.id == result.id), str(result.id))
        deps.entities = [e for e in deps.entities if e.id != result.id]
        summary = f"Deleted {kind} {name}"
        deps.actions.append(
            Action(tool.name, "done", result.entity_type, result.id, summary, call_id)
        )
        return
    items = getattr(result, "items", None)
    if isinstance(items, list):
        found = items[0] if len(items) == 1 else None  # one match: what "it" refers to next
        if kind and found is not None and (label := label_of(found)) and hasattr(found, "id"):
            deps.remember(Entity(kind, found.id, label))
        return
    entity_id, name = getattr(result, "id", None), label_of(result)
    if kind is None or entity_id is None or name is None:
        return
    deps.remember(Entity(kind, entity_id, name))
    if not is_read(tool):
        verb = {"create": "Created", "add": "Created", "delete": "Deleted"}.get(
            tool.name.split("_", 1)[0], "Updated"
        )
        summary = f"{verb} {kind} {name}"
        deps.actions.append(Action(tool.name, "done", kind, entity_id, summary, call_id))


async def request_confirmation(
    deps: TurnDeps, tool: Tool, arguments: dict[str, Any], call_id: str | None
) -> str:
    """Hold a destructive call until the user says yes; the record must be one they see."""
    kind = entity_type_of(tool.name)
    reader = TOOLS.get(f"get_{kind}")
    try:
        tool.input_model.model_validate(arguments)
        target = await execute(deps, reader, {"id": arguments.get("id")}) if reader else None
    except ValidationError as exc:
        raise ModelRetry(field_errors(exc)) from exc
    name = label_of(target) or ""
    verb = tool.name.split("_", 1)[0].capitalize()  # Delete, Cancel
    summary = f"{verb} {kind} {name}" + (" and all its tasks" if kind == "project" else "")
    call = {
        "tool": tool.name,
        "arguments": dict(arguments),
        "name": name,
        "summary": summary,
    }
    target_id = getattr(target, "id", None)
    return hold(deps, call, Action(tool.name, "held", kind, target_id, summary, call_id))


def hold_bulk(deps: TurnDeps, tool: Tool, arguments: dict[str, Any], call_id: str | None) -> str:
    """Hold a change past the bulk limit of the turn (validated now, run on the user's yes)."""
    try:
        tool.input_model.model_validate(arguments)
    except ValidationError as exc:
        raise ModelRetry(field_errors(exc)) from exc
    target = arguments.get("id") or arguments.get("project_id")
    name = next((e.name for e in deps.entities if str(e.id) == str(target)), "")
    summary = f"{tool.name.replace('_', ' ')} {name}".strip()
    call = {"tool": tool.name, "arguments": arguments, "name": name, "summary": summary}
    kind = entity_type_of(tool.name)
    return hold(deps, call, Action(tool.name, "held", kind, None, summary, call_id))


def hold(deps: TurnDeps, call: dict[str, Any], action: Action) -> str:
    """Keep a call for the user's yes (listed as a held action); answers what the model tells
    the user."""
    if deps.pending is None:
        deps.pending = Pending([call], action.summary)
    else:
        deps.pending.hold(call, action.summary)
    deps.actions.append(action)
    return (
        f"Held, not done: {action.summary}. The CRM asks the user to answer yes or no below "
        "your answer; do not ask again and do not call the tool again."
    )


def model_schema(input_model: type[BaseModel]) -> dict[str, Any]:
    """The input model's JSON schema as the model reads it: without the titles that repeat
    the field names and the null defaults that "not required" already says (about an eighth
    of the bytes); the arguments are still validated by the input model itself."""

    def compact(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: compact(value)
                for key, value in node.items()
                if not (key == "title" and isinstance(value, str))
                and not (key == "default" and value is None)
            }
        if isinstance(node, list):
            return [compact(item) for item in node]
        return node

    schema: dict[str, Any] = compact(input_model.model_json_schema())
    return schema


def agent_tool(tool: Tool) -> AgentTool[TurnDeps]:
    """The pydantic-ai tool of one CRM tool; its schema is the REST input model's."""

    async def run(ctx: RunContext[TurnDeps], **arguments: Any) -> Any:
        deps, call_id = ctx.deps, ctx.tool_call_id
        try:
            if tool.destructive:
                return await request_confirmation(deps, tool, arguments, call_id)
            if not is_read(tool):
                deps.writes += 1
                if deps.writes > BULK_LIMIT:
                    return hold_bulk(deps, tool, arguments, call_id)
            result = await execute(deps, tool, arguments)
        except ValidationError as exc:
            raise ModelRetry(field_errors(exc)) from exc
        except CRMError as exc:
            if not is_read(tool):
                kind = entity_type_of(tool.name)
                deps.actions.append(Action(tool.name, "failed", kind, None, exc.detail, call_id))
            return {"ok": False, "status": exc.status, "error": exc.detail, "errors": exc.errors}
        record(deps, tool, result, call_id)
        return result.model_dump(mode="json")

    description = tool.description
    if tool.destructive:
        description += " The user is asked to confirm before anything is deleted."
    return AgentTool.from_schema(
        run,
        name=tool.name,
        description=description,
        json_schema=model_schema(tool.input_model),
        takes_ctx=True,
    )


def agent_tools(tools: dict[str, Tool] = TOOLS) -> list[AgentTool[TurnDeps]]:
    """Every CRM tool for the agent (a new tool set in crm.toolbox appears here by itself)."""
    return [agent_tool(tool) for tool in tools.values()]


async def confirm(deps: TurnDeps, pending: Pending) -> list[Action]:
    """Run the pending calls the user has just confirmed, each in its own savepoint."""
    done: list[Action] = []
    for call in pending.calls:
        if "service" in call:  # a connected service's, run by crm.assistant.integrations
            continue
        tool = TOOLS[call["tool"]]
        kind = entity_type_of(tool.name)
        before = len(deps.actions)
        try:
            result = await execute(deps, tool, call["arguments"])
        except (CRMError, ValidationError) as exc:
            detail = exc.detail if isinstance(exc, CRMError) else field_errors(exc)
            deps.actions.append(Action(tool.name, "failed", kind, None, detail))
        else:
            if isinstance(result, Deleted):
                deps.entities = [e for e in deps.entities if e.id != result.id]
                summary = f"Deleted {kind} {call['name']}"
                deps.actions.append(Action(tool.name, "done", kind, result.id, summary))
            else:
                record(deps, tool, result)
        done += deps.actions[before:]
    return done

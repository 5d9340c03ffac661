"""The assistant's tools by need: a small core on every model request, and groups (each record
kind, the calendar, reminders; an integration's mail, files or meetings) whose schemas reach
the model only once the conversation needs them. Each group is a pydantic-ai capability loaded
on demand (`defer_loading=True`): the model sees a one-line catalog of the groups and loads one
with the framework's `load_capability` tool; the groups a message is plainly about (its words,
the records it names, the record "it" refers to) are offered from the turn's first request, so
most turns take no extra step. A load by the model is recorded in the conversation's model
messages, so a follow-up keeps the groups its conversation loaded.

A group is a toolset, so an integration's tools join as groups of their own: an `MCPToolset`
(or a `FilteredToolset` of one, to split mail from files) in a `ToolGroup`, passed to the turn."""

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai.capabilities import Capability
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.toolsets import AbstractToolset, FunctionToolset

from crm.assistant.tools import Entity, TurnDeps, agent_tool, entity_type_of
from crm.kit.tools import Tool
from crm.records.kinds import KINDS
from crm.toolbox import TOOLS

# A request's tool schemas (name, description, parameters, as compact JSON) stay under this
# for the turns people typically write: one topic, or two related ones (a task of a project).
TOOL_SCHEMA_BUDGET = 15_360


def words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(alternatives) + r")\b", re.I)


@dataclass(frozen=True)
class GroupSpec:
    """What a group is: the id the model names, a line saying what its tools do, the words of
    a message that load it before the first request, and its record kinds (what "it" is)."""

    id: str
    description: str
    kinds: tuple[str, ...]
    words: re.Pattern[str]
    # Groups a message about this one does not need ("a Teams call" is not a CRM event).
    instead_of: tuple[str, ...] = ()

    def about(self, message: str) -> bool:
        return self.words.search(message) is not None


@dataclass(frozen=True)
class ToolGroup:
    """A group and its tools, loaded together on demand."""

    spec: GroupSpec
    toolset: AbstractToolset[TurnDeps] = field(compare=False, repr=False)

    def capability(self, *, on_demand: bool = True) -> Capability[TurnDeps]:
        """The group as the agent holds it (loaded on demand), or as a turn that preloads it
        offers it (its tools on the first request, nothing to load)."""
        return Capability(
            id=self.spec.id,
            description=self.spec.description,
            toolsets=[self.toolset],
            defer_loading=on_demand,
        )


# The CRM's own groups, by the record kind of each tool (crm.assistant.tools.entity_type_of):
# a kind of the registry with words of its own is a group of its own; a new tool of a known
# kind joins its group by itself.
SPECS = (
    *(
        GroupSpec(kind.plural, kind.about, (kind.name,), words(*kind.words))
        for kind in KINDS
        if kind.words
    ),
    GroupSpec(
        "calendar",
        "the calendar: events and meetings, their occurrences, what is on when",
        ("event", "calendar", "occurrence"),
        words(
            "calendar",
            r"events?",
            r"meetings?",
            r"appointments?",
            "schedule",
            "scheduled",
            "agenda",
            r"calls?",
            "lunch",
            "dinner",
            "coffee",
            r"occurrences?",
            "busy",
            "free",
            r"reviews?",
            r"(hour|minute)-long",
            r"\d{1,2}(:\d\d)?\s*(am|pm)",  # a time of day ("at 2pm")
        ),
    ),
    GroupSpec(
        "reminders",
        "reminders: remind the user at a time, list, snooze or dismiss them",
        ("reminder",),
        words(r"remind(er|ers)?", "snooze", "dismiss", "notify"),
    ),
)
# Always offered: small, and needed to name people in any group.
CORE_KINDS = ("member",)
# Offered when a message names no group, record or kind (crm.assistant.groups.preloads).
UNNAMED = ("contacts", "organizations")


def group_of(tool_name: str) -> str | None:
    """The id of the CRM group a tool is in (None: a core tool, or not the CRM's)."""
    kind = entity_type_of(tool_name)
    return next((spec.id for spec in SPECS if kind in spec.kinds), None)


def kind_of(tool: Tool) -> str:
    return entity_type_of(tool.name) or ""


@functools.cache
def crm_groups(tools: Mapping[str, Tool] = TOOLS) -> tuple[list[Tool], list[ToolGroup]]:
    """The core tools and the CRM's groups of every toolbox tool; a tool of a kind no group
    names is a programming error."""
    core = [t for t in tools.values() if kind_of(t) in CORE_KINDS]
    grouped = {t.name for t in core}
    groups = []
    for spec in SPECS:
        members = [t for t in tools.values() if kind_of(t) in spec.kinds]
        grouped.update(t.name for t in members)
        toolset = FunctionToolset[TurnDeps]([agent_tool(t) for t in members], id=spec.id)
        groups.append(ToolGroup(spec, toolset))
    if missing := set(tools) - grouped:
        raise ValueError(f"tools in no group: {sorted(missing)}; add their kind to SPECS")
    return core, groups


BACK_REFERENCE = words("it", "its", "he", "his", "him", "she", "her", "they", "them", "their")


def preloads(
    groups: Sequence[GroupSpec],
    message: str,
    entities: Sequence[Entity],
    names: Mapping[str, Sequence[str]],
) -> list[str]:
    """The groups a message is about: its words, the kinds of the user's records it names
    ("mark Write copy as done": a task), and the kind of the record the conversation touched
    last when the message refers back to it ("her phone is…"), less those a found group
    stands in for (`instead_of`). A message that gives none of these ("add Lena Fischer",
    "remove Jane") gets the groups of people and companies, what such a message most often
    means (7 KB, where every group is 36 KB); any other the model loads from the catalog."""
    found = {g.id for g in groups if g.about(message)}
    kinds = named_kinds(message, names)
    if entities and (BACK_REFERENCE.search(message) or not (found or kinds)):
        kinds.add(entities[-1].type)
    found |= {g.id for g in groups if kinds & set(g.kinds)}
    found -= {other for g in groups if g.id in found for other in g.instead_of}
    if not found:
        found = set(UNNAMED)
    return [g.id for g in groups if g.id in found]


def named_kinds(message: str, names: Mapping[str, Sequence[str]]) -> set[str]:
    """The kinds of the records whose names the message contains (as whole words)."""
    text = message.casefold()
    kinds = set()
    for kind, listed in names.items():
        for name in listed:
            folded = name.casefold()
            if len(folded) > 1 and folded in text and _whole(folded, text):
                kinds.add(kind)
                break
    return kinds


def _whole(name: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def turn_capabilities(
    groups: Sequence[ToolGroup], preload: Sequence[str]
) -> list[Capability[TurnDeps]]:
    """A turn's groups: each preloaded one offered at once (a run-level capability replaces
    the agent's on-demand one of the same id), an integration's on demand otherwise."""
    crm = {spec.id for spec in SPECS}
    return [
        group.capability(on_demand=group.spec.id not in preload)
        for group in groups
        if group.spec.id in preload or group.spec.id not in crm
    ]


def schema_bytes(tool_defs: Iterable[ToolDefinition]) -> int:
    """The bytes of the tool schemas a model request carries (compact JSON)."""
    return sum(len(json.dumps(wire(t), separators=(",", ":"))) for t in tool_defs)


def wire(tool_def: ToolDefinition) -> dict[str, Any]:
    return {
        "name": tool_def.name,
        "description": tool_def.description,
        "parameters": tool_def.parameters_json_schema,
    }

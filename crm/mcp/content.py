"""What the MCP server offers besides tools: the user's recent records as resources
(`crm://contacts/{id}`, ...) and prompts users want ("prepare me for my next meeting"). Both
read through the same tools as everything else (`run(tool_name, arguments)`), as the caller."""

import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel

from crm.errors import CRMError
from crm.records.kinds import KINDS as REGISTRY

Run = Callable[[str, dict[str, Any]], Awaitable[BaseModel]]
KINDS = REGISTRY.names
RECENT_KINDS = tuple(kind.name for kind in REGISTRY.searchable)
RECENT = 10
URI = re.compile(r"^crm://(?P<kind>[a-z]+)s/(?P<id>[0-9a-fA-F-]{36})$")
JSON = "application/json"

TEMPLATES = [
    types.ResourceTemplate(
        uri_template=f"crm://{kind}s/{{id}}",
        name=f"{kind}",
        title=f"A {kind} by id",
        description=f"One of the user's {kind}s, as JSON.",
        mime_type=JSON,
    )
    for kind in KINDS
]
NEXT_MEETING = "prepare_for_next_meeting"
FOLLOW_UPS = "follow_ups"
PROMPTS = [
    types.Prompt(
        name=NEXT_MEETING,
        title="Prepare me for my next meeting",
        description="The next event on the user's calendar with the people, organization, "
        "project and open tasks it is linked to, and a request to brief the user.",
    ),
    types.Prompt(
        name=FOLLOW_UPS,
        title="What needs following up",
        description="The user's open tasks that are overdue or due within a week, and a "
        "request to plan the follow-ups.",
    ),
]


def label_of(record: dict[str, Any]) -> str:
    return str(record.get("name") or record.get("title") or record.get("message") or "")


async def recent(run: Run) -> list[types.Resource]:
    """The user's most recently changed records of each kind."""
    resources = []
    for kind in RECENT_KINDS:
        page = await run(f"list_{kind}s", {"limit": RECENT, "sort": "-updated_at"})
        for item in page.model_dump(mode="json")["items"]:
            resources.append(
                types.Resource(
                    uri=f"crm://{kind}s/{item['id']}",
                    name=label_of(item),
                    title=f"{kind.capitalize()}: {label_of(item)}",
                    mime_type=JSON,
                )
            )
    return resources


async def read(uri: str, run: Run) -> types.ReadResourceResult:
    """One record by its URI; another user's record is as unknown as a missing one."""
    match = URI.match(uri)
    if match is None or match["kind"] not in KINDS:
        raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown resource {uri}.")
    try:
        record = await run(f"get_{match['kind']}", {"id": match["id"]})
    except CRMError as exc:
        raise MCPError(code=types.INVALID_PARAMS, message=exc.detail) from exc
    text = json.dumps(record.model_dump(mode="json"), ensure_ascii=False)
    return types.ReadResourceResult(
        contents=[types.TextResourceContents(uri=uri, text=text, mime_type=JSON)]
    )


async def prompt(name: str, run: Run) -> types.GetPromptResult:
    if name == NEXT_MEETING:
        text = await next_meeting(run)
    elif name == FOLLOW_UPS:
        text = await follow_ups(run)
    else:
        raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown prompt {name}.")
    return types.GetPromptResult(
        description=next(p.description for p in PROMPTS if p.name == name),
        messages=[
            types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))
        ],
    )


def _json(data: Any) -> str:
    return "```json\n" + json.dumps(data, ensure_ascii=False, indent=1) + "\n```"


async def next_meeting(run: Run) -> str:
    now = datetime.now(UTC)
    found = await run(
        "list_events", {"start": now.isoformat(), "end": (now + timedelta(days=14)).isoformat()}
    )
    upcoming = [
        e for e in found.model_dump(mode="json")["items"] if str(e["start"]) >= now.isoformat()[:10]
    ]
    if not upcoming:
        return (
            "I have no meeting on my CRM calendar in the next two weeks. Tell me so, and offer "
            "to look at my open tasks instead."
        )
    event = upcoming[0]
    context: dict[str, Any] = {"event": event}
    for field in ("contact", "organization", "project"):
        if record_id := event.get(f"{field}_id"):
            try:
                context[field] = (await run(f"get_{field}", {"id": record_id})).model_dump(
                    mode="json"
                )
            except CRMError:
                continue
    if project_id := event.get("project_id"):
        tasks = await run(
            "list_tasks", {"project_id": project_id, "status": ["todo", "in_progress", "blocked"]}
        )
        context["open_tasks"] = tasks.model_dump(mode="json")["items"]
    return (
        "Prepare me for my next meeting. Here is what my CRM holds about it:\n"
        + _json(context)
        + "\nBrief me: who I am meeting and their organization, where the related project "
        "stands and its open tasks, and what I should raise. Use the CRM's tools if you need "
        "more (for example the contacts among the attendees)."
    )


async def follow_ups(run: Run) -> str:
    week = (date.today() + timedelta(days=7)).isoformat()
    tasks = await run(
        "list_tasks",
        {"status": ["todo", "in_progress", "blocked"], "due_before": week, "sort": "due_date"},
    )
    items = tasks.model_dump(mode="json")["items"]
    if not items:
        return "None of my open tasks is overdue or due this week. Tell me so briefly."
    return (
        "These are my open tasks that are overdue or due within a week:\n"
        + _json(items)
        + "\nHelp me plan the follow-ups: what first, whom to contact (look them up in the "
        "CRM), and which tasks to reschedule."
    )

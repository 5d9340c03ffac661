"""The assistant's own overhead per chat turn: everything but the model (loading the
conversation, the agent loop, the tool call in its savepoint, storing the turn), with a scripted
model that answers at once. Prints p50 and p95 in milliseconds, for a turn that creates a
contact and a turn that changes it (a follow-up), and for the offline interpreter's turn.

Then the tool budget: the bytes of tool schemas (name, description, parameters as compact
JSON) the first model request of typical messages carries, against every tool offered on every
request as before the tool groups; and the same with integration groups connected. The
integrations' MCP toolsets do not exist yet, so they are simulated here only: Microsoft 365's 24
tools and Google's 16 as deferred groups of fake tools of 900 bytes each (the CRM's own tools
average about 820).

Runs on DATABASE_URL (a migrated database, as the application role), else on the embedded one.
Usage: python bench/assistant.py [turns]"""

import asyncio
import os
import re
import statistics
import sys
import time
import uuid

from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import FunctionModel
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.toolsets import FunctionToolset

from crm.assistant.agent import run_turn
from crm.assistant.groups import TOOL_SCHEMA_BUDGET, GroupSpec, ToolGroup, schema_bytes, words
from crm.auth.actor import Actor
from crm.auth.service import auth as auth_service
from crm.db import Database
from crm.models import Role
from crm.toolbox import TOOLS


def scripted(call: tuple[str, dict]) -> FunctionModel:
    async def respond(messages, info):
        if any(isinstance(p, ToolReturnPart) for p in messages[-1].parts):
            return ModelResponse(parts=[TextPart("Done.")])
        return ModelResponse(parts=[ToolCallPart(*call)])

    return FunctionModel(respond)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms"


async def bench(url: str, turns: int) -> None:
    db = Database(url, pool_size=2)
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    async with db.transaction(login_email=email) as session:
        user, workspace_id = await auth_service.create_account(
            session, email=email, password="bench password " + uuid.uuid4().hex, name="Bench"
        )
    actor = Actor(user.id, workspace_id, Role.owner, "assistant")
    context = {"user_id": user.id, "workspace_id": workspace_id}
    timings: dict[str, list[float]] = {"create": [], "follow-up": [], "offline": []}
    cpu: dict[str, list[float]] = {"create": [], "follow-up": [], "offline": []}
    for index in range(turns + 5):  # the first five warm up the pool and imports
        name = f"Bench Person {index}"
        started, started_cpu = time.perf_counter(), time.process_time()
        async with db.transaction(**context) as session:
            first = await run_turn(
                session,
                actor,
                message=f"add contact {name}",
                conversation_id=None,
                model=scripted(("create_contact", {"name": name})),
                provider="scripted",
            )
        created, created_cpu = time.perf_counter(), time.process_time()
        contact_id = str(first.actions[0].entity_id)
        async with db.transaction(**context) as session:
            await run_turn(
                session,
                actor,
                message="her title is CTO",
                conversation_id=first.conversation_id,
                model=scripted(
                    ("update_contact", {"id": contact_id, "changes": {"job_position": "CTO"}})
                ),
                provider="scripted",
            )
        followed, followed_cpu = time.perf_counter(), time.process_time()
        async with db.transaction(**context) as session:
            await run_turn(
                session,
                actor,
                message="her phone is +1 415 555 0100",
                conversation_id=first.conversation_id,
                model=None,
                provider="offline",
            )
        done, done_cpu = time.perf_counter(), time.process_time()
        if index >= 5:
            cpu["create"].append((created_cpu - started_cpu) * 1000)
            cpu["follow-up"].append((followed_cpu - created_cpu) * 1000)
            cpu["offline"].append((done_cpu - followed_cpu) * 1000)
            timings["create"].append((created - started) * 1000)
            timings["follow-up"].append((followed - created) * 1000)
            timings["offline"].append((done - followed) * 1000)
    print(f"assistant overhead per turn over {turns} turns (scripted model, no model time):")
    labels = {
        "create": "new conversation + create_contact",
        "follow-up": "follow-up + update_contact       ",
        "offline": "offline interpreter follow-up    ",
    }
    for key, label in labels.items():
        print(f"  {label}  wall {percentiles(timings[key])}   cpu {percentiles(cpu[key])}")
    print(f"  (load average while running: {os.getloadavg()[0]:.1f})")
    await tool_budget(db, actor, context)
    await db.close()


TYPICAL = (
    "add contact Jane Doe, jane@acme.com, +44 20 7946 0958",
    "create an organization Acme in manufacturing",
    "add a task Write copy to the Website project, due Friday",
    "which of my tasks are overdue?",
    "what is on my calendar next week?",
    "remind me tomorrow at 9 to call the bank",
    "mark Write copy as done",  # a record's name, no topic word
    "what did Acme say in their last e-mail?",  # an integration's group
)
FAKE_TOOL_BYTES = 900


def integration(group: str, tools: int, topic: re.Pattern[str]) -> ToolGroup:
    """An integration's group of fake tools of about FAKE_TOOL_BYTES each (simulated)."""

    def make(n: int):  # type: ignore[no-untyped-def]
        def tool(query: str, folder: str = "inbox", top: int = 10) -> str:
            return "nothing"

        tool.__doc__ = "Search the connected account " + "for items in a folder " * 35
        tool.__name__ = f"{group}_tool_{n}"
        return tool

    spec = GroupSpec(group, f"{group} of the connected account", (), topic)
    return ToolGroup(spec, FunctionToolset([make(n) for n in range(tools)]))


def before_bytes() -> int:
    """Every CRM tool with its full schema, as each request carried them before the groups."""
    return schema_bytes(
        ToolDefinition(
            name=t.name,
            parameters_json_schema=t.input_model.model_json_schema(),
            description=t.description,
        )
        for t in TOOLS.values()
    )


async def tool_budget(db: Database, actor: Actor, context: dict) -> None:
    connected = [
        integration("ms365_mail", 8, words(r"e-?mails?", "inbox", "outlook")),
        integration("ms365_files", 11, words("sharepoint", "onedrive", r"documents?", r"files?")),
        integration("ms365_meetings", 5, words("teams", r"meetings?", "transcripts?")),
        integration("google_mail", 6, words(r"e-?mails?", "gmail")),
        integration("google_files", 6, words("drive", r"documents?", r"files?")),
        integration("google_meet", 4, words("meet", r"meetings?")),
    ]
    fake = sum(schema_bytes(t.tool_def for t in g.toolset.tools.values()) for g in connected)
    async with db.transaction(**context) as session:  # records the messages name
        project = await TOOLS["create_project"].call(session, actor, {"name": "Website"})
        task = {"project_id": str(project.id), "task": {"name": "Write copy"}}  # type: ignore[attr-defined]
        await TOOLS["add_task_to_project"].call(session, actor, task)
        await TOOLS["create_organization"].call(session, actor, {"name": "Acme"})
    before, before_all = before_bytes(), before_bytes() + fake
    print(
        f"tool schemas per model request (budget {TOOL_SCHEMA_BUDGET} bytes); before the groups: "
        f"{before} bytes (45 CRM tools), {before_all} with 40 simulated integration tools"
    )
    for message in TYPICAL:
        sizes = []
        for groups in ((), connected):
            seen: list[int] = []

            async def respond(messages, info, seen=seen):  # type: ignore[no-untyped-def]
                seen.append(schema_bytes(info.function_tools))
                return ModelResponse(parts=[TextPart("Done.")])

            async with db.transaction(**context) as session:
                await run_turn(
                    session,
                    actor,
                    message=message,
                    conversation_id=None,
                    model=FunctionModel(respond),
                    provider="scripted",
                    groups=groups,
                )
            sizes.append(seen[0])
        print(f"  {sizes[0]:6d} / {sizes[1]:6d} bytes  {message}")
    print("  (first number: the CRM's tools; second: with the simulated integrations)")


def main() -> None:
    turns = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    url = os.environ.get("DATABASE_URL")
    if url:
        asyncio.run(bench(url, turns))
        return
    from crm.cli import database

    with database() as (_, app_url):
        asyncio.run(bench(app_url, turns))


if __name__ == "__main__":
    main()

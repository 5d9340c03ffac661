"""The assistant's own overhead per chat turn: everything but the model (loading the
conversation, the agent loop, the tool call in its savepoint, storing the turn), with a scripted
model that answers at once. Prints p50 and p95 in milliseconds, for a turn that creates a
contact and a turn that changes it (a follow-up), and for the offline interpreter's turn.

Then the tool budget: the bytes of tool schemas (name, description, parameters as compact
JSON) the first model request of typical messages carries, against every tool offered on every
request as before the tool groups; and the same with Microsoft 365 and Google connected (their
real MCP servers in-process, against the tests' stand-ins of Graph and the Google APIs, their
40 tools in groups loaded by need).

Runs on DATABASE_URL (a migrated database, as the application role), else on the embedded one.
Usage: python bench/assistant.py [turns]"""

import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import FunctionModel
from pydantic_ai.tools import ToolDefinition

from crm.assistant.agent import run_turn
from crm.assistant.connected_services import SERVICES
from crm.assistant.groups import TOOL_SCHEMA_BUDGET, schema_bytes
from crm.assistant.integrations import Integrations
from crm.auth.actor import Actor
from crm.auth.service import auth as auth_service
from crm.config import Settings
from crm.db import Database
from crm.kit.crypto import SecretBox
from crm.kit.ratelimit import RateLimits
from crm.models import IntegrationConnection, Role
from crm.toolbox import TOOLS
from tests.standins import StandInServer
from tests.standins.google import GoogleAccount, GoogleIdentity
from tests.standins.google_apis import GoogleAPIs
from tests.standins.microsoft_graph import GraphStandIn
from tests.standins.serving import ServedApp


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
    "what did Acme say in their last e-mail?",  # the integrations' groups from here on
    "e-mail Jane the proposal from SharePoint",
    "send Jane the proposal from my Gmail",
    "find the Q3 report document",
    "share the proposal document with Jane",
    "set up a Teams call with Marco on Thursday at 3",
    "put a Google Meet with Marco in my Google Calendar tomorrow at 10am",
    "go on",  # nothing to route on: every CRM group, no integration's
)
KEY = "bench-secret-key-" + "x" * 32
GRAPH_TOKEN = "bench-graph-token"


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


async def connect(db: Database, box: SecretBox, context: dict, service: str, token: str) -> None:
    """A connection row as the connect flow leaves it, with the stand-in's access token."""
    user_id, workspace_id = context["user_id"], context["workspace_id"]
    async with db.transaction(**context) as session:
        sealed = box.encrypt(
            token, context=f"integration_connection.access_token:{workspace_id}:{user_id}:{service}"
        )
        session.add(
            IntegrationConnection(
                workspace_id=workspace_id,
                user_id=user_id,
                service=service,
                status="connected",
                account_email="ada@example.com",
                account_name="Ada Lovelace",
                scopes=[],
                expires_at=datetime.now(UTC) + timedelta(days=1),
                connected_at=datetime.now(UTC),
                access_token_sealed=sealed,
            )
        )


async def tool_budget(db: Database, actor: Actor, context: dict) -> None:
    """The bytes of the first request of each message, the CRM's tools alone and with
    Microsoft 365 and Google connected (their real MCP servers, in-process, over the
    stand-ins)."""
    graph, identity = GraphStandIn(max_page_size=50), GoogleIdentity()
    with ServedApp(graph.app) as ms, StandInServer(identity, GoogleAPIs(identity)) as google:
        graph.base = f"{ms.url}/v1.0"
        graph.add_account(GRAPH_TOKEN, "ada@contoso.com", "Ada Lovelace")
        settings = Settings(
            _env_file=None,
            microsoft_graph_url=graph.base,
            microsoft_client_id="bench",
            google_api_url=google.url,
            google_client_id="bench",
            rate_limit_integrations="1000000/minute",
        )
        box = SecretBox([KEY])
        integrations = Integrations(settings, box, RateLimits(settings))
        await connect(db, box, context, "ms365", GRAPH_TOKEN)
        gmail = identity.token_for(GoogleAccount("Ada Lovelace", "ada@gmail.com"))
        await connect(db, box, context, "google", gmail)
        async with db.transaction(**context) as session:  # records the messages name
            project = await TOOLS["create_project"].call(session, actor, {"name": "Website"})
            task = {"project_id": str(project.id), "task": {"name": "Write copy"}}  # type: ignore[attr-defined]
            await TOOLS["add_task_to_project"].call(session, actor, task)
            await TOOLS["create_organization"].call(session, actor, {"name": "Acme"})
            await TOOLS["create_contact"].call(session, actor, {"name": "Jane Doe"})
            await TOOLS["create_contact"].call(session, actor, {"name": "Marco Polo"})
        sizes: dict[str, list[int]] = {}
        for message in TYPICAL:
            for attached in (None, integrations):
                seen = await offered(db, actor, context, message, attached)
                sizes.setdefault(message, []).append(seen[0])
        loads = [("load_capability", {"id": s.id}) for t in SERVICES.values() for s in t.specs]
        everything = (await offered(db, actor, context, "go on", integrations, loads))[-1]
        await integrations.close()
    print(
        f"tool schemas per model request (budget {TOOL_SCHEMA_BUDGET} bytes); before the groups: "
        f"{before_bytes()} bytes (45 CRM tools); every group loaded with both accounts "
        f"connected: {everything} (45 CRM tools and 40 of the integrations)"
    )
    for message, (alone, both) in sizes.items():
        flag = "" if both <= TOOL_SCHEMA_BUDGET else "  over"
        print(f"  {alone:6d} / {both:6d} bytes  {message}{flag}")
    print("  (first number: the CRM's tools; second: with Microsoft 365 and Google connected)")


async def offered(
    db: Database,
    actor: Actor,
    context: dict,
    message: str,
    integrations: Integrations | None,
    calls: list[tuple[str, dict]] | None = None,
) -> list[int]:
    """The bytes of tool schemas of each model request of a turn whose model makes `calls`
    (all at once) and then answers."""
    seen: list[int] = []

    async def respond(messages, info):  # type: ignore[no-untyped-def]
        seen.append(schema_bytes(info.function_tools))
        if calls and len(seen) == 1:
            return ModelResponse(parts=[ToolCallPart(name, args) for name, args in calls])
        return ModelResponse(parts=[TextPart("Done.")])

    async with db.transaction(**context) as session:
        await run_turn(
            session,
            actor,
            message=message,
            conversation_id=None,
            model=FunctionModel(respond),
            provider="scripted",
            integrations=integrations,
        )
    return seen


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

"""What a connected Microsoft 365 account adds to a chat turn: the same turn (a scripted model
that answers at once, so no model time; a message about e-mail and tasks, so the Outlook group
is offered with the CRM's tasks) without integrations, and with the Microsoft 365 MCP toolset
attached (the user's connection read, the instructions saying which account, the tools'
definitions from the listing cached for the connection, the Outlook group offered and the
others on demand), and, for scale, a turn that calls outlook_search_emails in-process against
the Graph stand-in (10 e-mails). Prints p50 and
p95 in ms, the difference, and the bytes of tool schemas the toolset adds to each request.

Runs on DATABASE_URL (a migrated database, as the application role), else on the embedded one.
Usage: python bench/ms365.py [turns]"""

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import FunctionModel

from crm.assistant.agent import run_turn
from crm.assistant.integrations import Integrations
from crm.auth.actor import Actor
from crm.auth.service import auth as auth_service
from crm.config import Settings
from crm.db import Database
from crm.kit.crypto import SecretBox
from crm.kit.ratelimit import RateLimits
from crm.models import IntegrationConnection, Role
from tests.standins.microsoft_graph import GraphStandIn
from tests.standins.serving import ServedApp

KEY = "bench-secret-key-" + "x" * 32
TOKEN = "bench-graph-token"
offered: list[int] = []


def scripted(call: tuple[str, dict] | None = None) -> FunctionModel:
    async def respond(messages, info):
        offered.append(
            sum(
                len(json.dumps(t.parameters_json_schema)) + len(t.description or "")
                for t in info.function_tools
            )
        )
        if call is None or any(isinstance(p, ToolReturnPart) for p in messages[-1].parts):
            return ModelResponse(parts=[TextPart("Done.")])
        return ModelResponse(parts=[ToolCallPart(*call)])

    return FunctionModel(respond)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


async def connect_user(db: Database, box: SecretBox) -> tuple[Actor, dict]:
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    async with db.transaction(login_email=email) as session:
        user, workspace_id = await auth_service.create_account(
            session, email=email, password="bench password " + uuid.uuid4().hex, name="Bench"
        )
    context = {"user_id": user.id, "workspace_id": workspace_id}
    async with db.transaction(**context) as session:
        row = IntegrationConnection(
            workspace_id=workspace_id,
            user_id=user.id,
            service="ms365",
            status="connected",
            account_email="ada@contoso.com",
            account_name="Ada Lovelace",
            scopes=["Mail.ReadWrite"],
            expires_at=datetime.now(UTC) + timedelta(days=1),
            connected_at=datetime.now(UTC),
            access_token_sealed="",
        )
        context_of = f"integration_connection.access_token:{workspace_id}:{user.id}:ms365"
        row.access_token_sealed = box.encrypt(TOKEN, context=context_of)
        session.add(row)
    return Actor(user.id, workspace_id, Role.owner, "assistant"), context


async def bench(url: str, turns: int) -> None:
    graph = GraphStandIn(max_page_size=50)
    with ServedApp(graph.app) as served:
        graph.base = f"{served.url}/v1.0"
        account = graph.add_account(TOKEN, "ada@contoso.com", "Ada Lovelace")
        for n in range(10):
            account.add_message(
                subject=f"Offer {n}",
                sender="jane@acme.com",
                body="x",
                received=datetime.now(UTC) - timedelta(hours=n),
            )
        settings = Settings(
            _env_file=None,
            microsoft_graph_url=graph.base,
            microsoft_client_id="bench",
            rate_limit_integrations="1000000/minute",
        )
        box = SecretBox([KEY])
        integrations = Integrations(settings, box, RateLimits(settings))
        db = Database(url, pool_size=2)
        actor, context = await connect_user(db, box)
        kinds = {"without": None, "with": integrations, "mail search": integrations}
        timings: dict[str, list[float]] = {k: [] for k in kinds}
        cpu: dict[str, list[float]] = {k: [] for k in kinds}
        sizes: dict[str, int] = {}
        for index in range(turns + 5):  # the first five warm up the pool and the listing
            for kind, attached in kinds.items():
                call = ("outlook_search_emails", {"top": 10}) if kind == "mail search" else None
                offered.clear()
                started, started_cpu = time.perf_counter(), time.process_time()
                async with db.transaction(**context) as session:
                    await run_turn(
                        session,
                        actor,
                        message="any e-mail about my tasks?",
                        conversation_id=None,
                        model=scripted(call),
                        provider="scripted",
                        integrations=attached,
                    )
                if index >= 5:
                    timings[kind].append((time.perf_counter() - started) * 1000)
                    cpu[kind].append((time.process_time() - started_cpu) * 1000)
                    sizes[kind] = offered[0]
        await integrations.close()
        await db.close()
    print(f"assistant turn with and without the Microsoft 365 toolset, {turns} turns each:")
    for kind, samples in timings.items():
        (p50, p95), (c50, c95) = percentiles(samples), percentiles(cpu[kind])
        print(
            f"  {kind:12}  wall p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   "
            f"cpu p50 {c50:6.1f} ms   p95 {c95:6.1f} ms"
        )
    for label, figures in (("wall", timings), ("cpu", cpu)):
        without, attached = percentiles(figures["without"]), percentiles(figures["with"])
        print(
            f"  added by the toolset ({label}): p50 {attached[0] - without[0]:+.1f} ms, "
            f"p95 {attached[1] - without[1]:+.1f} ms"
        )
    print(
        f"  tool schemas per request: {sizes['without']} bytes without, {sizes['with']} with "
        f"(+{sizes['with'] - sizes['without']})"
    )
    print(f"  (load average while running: {os.getloadavg()[0]:.1f})")


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

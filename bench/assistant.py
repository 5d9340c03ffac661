"""The assistant's own overhead per chat turn: everything but the model (loading the
conversation, the agent loop, the tool call in its savepoint, storing the turn), with a scripted
model that answers at once. Prints p50 and p95 in milliseconds, for a turn that creates a
contact and a turn that changes it (a follow-up), and for the offline interpreter's turn.

Runs on DATABASE_URL (a migrated database, as the application role), else on the embedded one.
Usage: python bench/assistant.py [turns]"""

import asyncio
import os
import statistics
import sys
import time
import uuid

from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import FunctionModel

from crm.assistant.agent import run_turn
from crm.auth.actor import Actor
from crm.auth.service import auth as auth_service
from crm.db import Database
from crm.models import Role


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
    await db.close()
    print(f"assistant overhead per turn over {turns} turns (scripted model, no model time):")
    labels = {
        "create": "new conversation + create_contact",
        "follow-up": "follow-up + update_contact       ",
        "offline": "offline interpreter follow-up    ",
    }
    for key, label in labels.items():
        print(f"  {label}  wall {percentiles(timings[key])}   cpu {percentiles(cpu[key])}")
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

"""State-based evaluation of the assistant, in the manner of tau-bench: each case starts from
records, sends user turns through POST /api/v1/chat, and compares the records afterwards (ids
and timestamps ignored) and properties of the last reply. `gold` lists each turn's tool calls,
run by a scripted model to prove the expected state is reachable with the tools."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from fastapi import FastAPI
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models import Model
from pydantic_ai.models.function import FunctionModel

from crm.assistant.eval_calendar import compare_calendar, event_id, when
from crm.assistant.groups import group_of
from crm.records.kinds import KINDS as REGISTRY

# Shipped inside the package (package data), so `crm eval` finds them however it is installed.
CASES = Path(__file__).resolve().parent / "eval_cases"
# The kinds on the record base, each after those it links to (seeded in this order); the
# others are compared by calendar_view (crm/assistant/eval_calendar.py).
KINDS = tuple(k.name for k in REGISTRY.in_link_order() if k.service is not None)
CALENDAR_KINDS = tuple(k.name for k in REGISTRY if k.service is None)
REFERENCE = re.compile(rf"^@({'|'.join(KINDS)}):(.+)$")
PASSWORD = "eval-password-" + "x" * 12


@dataclass
class Case:
    id: str
    turns: list[str]
    expect: dict[str, Any]
    state: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    gold: list[list[list[Any]]] | None = None
    needs_llm: bool = False
    tags: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    case: Case
    passed: bool
    problems: list[str]


def load_cases(directory: Path = CASES) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text()):
            cases.append(Case(**raw))
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError("two eval cases share an id")
    return cases


class Session:
    """One user of the app under evaluation, talking through the HTTP API."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers
        self.user_id = ""
        self.members: dict[str, str] = {}

    async def call(self, method: str, url: str, **kwargs: Any) -> Any:
        response = await self.client.request(method, url, headers=self.headers, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {url}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    async def records(self, kind: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = await self.call("GET", f"/api/v1/{kind}s", params=params)
            items += page["items"]
            if not (cursor := page["next_cursor"]):
                return items

    async def find(self, kind: str, name: str) -> str:
        for item in await self.records(kind):
            if item["name"] == name:
                return str(item["id"])
        raise AssertionError(f"no {kind} named {name!r}")

    async def seed(self, state: dict[str, list[dict[str, Any]]]) -> None:
        for member in state.get("members", []):  # others in the user's workspace, by invitation
            await self.invite(member["name"])
        for kind in KINDS:
            for record in state.get(f"{kind}s", []):
                body = dict(record)
                if kind == "project" and "organization" in body:
                    body["organization_id"] = await self.find(
                        "organization", body.pop("organization")
                    )
                if kind == "project" and "assignees" in body:
                    body["assignee_ids"] = [self.members[n] for n in body.pop("assignees")]
                if kind == "task":
                    body["project_id"] = await self.find("project", body.pop("project"))
                await self.call("POST", f"/api/v1/{kind}s", json=body)

    async def invite(self, name: str) -> None:
        email = f"member-{uuid.uuid4().hex[:12]}@example.com"
        invite = await self.call("POST", "/api/v1/workspace/invites", json={"email": email})
        body = {"token": invite["url"].rsplit("/", 1)[1], "name": name, "password": PASSWORD}
        accepted = await self.client.post("/api/v1/auth/invites/accept", json=body)
        if accepted.status_code != 201:
            raise AssertionError(f"accept: {accepted.status_code} {accepted.text}")
        self.members[name] = (
            await self.client.get(
                "/api/v1/me", headers={"Authorization": f"Bearer {accepted.json()['access_token']}"}
            )
        ).json()["id"]

    async def resolve(self, value: Any) -> Any:
        """Gold arguments name records ("@contact:Jane Doe"); the call needs their ids."""
        if value == "@me":
            return self.user_id
        if isinstance(value, str) and value.startswith("@member:"):
            return self.members[value.removeprefix("@member:")]
        if isinstance(value, str) and value.startswith("@when:"):
            return when(value.removeprefix("@when:"))
        if isinstance(value, str) and value.startswith("@event:"):
            return await event_id(self, value.removeprefix("@event:"))
        if isinstance(value, str) and (match := REFERENCE.match(value)):
            return await self.find(match[1], match[2])
        if isinstance(value, dict):
            return {k: await self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [await self.resolve(v) for v in value]
        return value


def project(kind: str, item: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for key in keys:
        value = item.get(key)
        if key in ("project", "organization", "assignee") and isinstance(value, dict):
            value = value.get("name")
        if key == "assignees" and isinstance(value, list):
            value = sorted(a["name"] for a in value)
        if kind == "project" and key == "organization":
            value = (item.get("organization") or {}).get("name")
        shown[key] = value
    return shown


async def compare(session: Session, case: Case, reply: str, pending: bool) -> list[str]:
    problems: list[str] = []
    for kind in KINDS:
        expected = case.expect.get(f"{kind}s")
        if expected is None:
            continue
        keys = {k for item in expected for k in item} | {"name"}
        actual = [project(kind, i, keys) for i in await session.records(kind)]
        wanted = [{k: item.get(k) for k in keys} for item in expected]
        order = lambda d: sorted(repr(sorted(x.items())) for x in d)  # noqa: E731
        if order(actual) != order(wanted):
            problems.append(f"{kind}s: expected {wanted}, found {actual}")
    problems += await compare_calendar(session, case.expect)
    text = reply.lower()
    for needle in case.expect.get("reply_contains", []):
        if needle.lower() not in text:
            problems.append(f"the reply lacks {needle!r}: {reply[:300]!r}")
    for needle in case.expect.get("reply_lacks", []):
        if needle.lower() in text:
            problems.append(f"the reply has {needle!r}: {reply[:300]!r}")
    if "pending" in case.expect and bool(case.expect["pending"]) != pending:
        problems.append(f"pending confirmation: expected {case.expect['pending']}, was {pending}")
    return problems


def made_in_turn(value: Any, made: dict[str, str]) -> Any:
    """ "@new:<name>" in a gold call is the id of the record an earlier call of the same turn
    made (not yet committed, so not found by name before the turn)."""
    if isinstance(value, str) and value.startswith("@new:"):
        return made[value.removeprefix("@new:")]
    if isinstance(value, dict):
        return {k: made_in_turn(v, made) for k, v in value.items()}
    if isinstance(value, list):
        return [made_in_turn(v, made) for v in value]
    return value


def scripted(calls: list[list[Any]]) -> FunctionModel:
    """A model that makes exactly `calls` (resolved), then answers "Done."; a call whose tool
    the request does not offer is preceded by loading its group from the catalog, as a model
    reading the catalog does."""
    state = {"sent": 0}
    loaded: set[str] = set()
    made: dict[str, str] = {}  # the records this turn's calls made, by name

    def respond(messages: list[Any], info: Any) -> ModelResponse:
        returns = [p for p in messages[-1].parts if isinstance(p, ToolReturnPart)]
        for part in returns:
            if isinstance(part.content, dict) and {"id", "name"} <= part.content.keys():
                made[part.content["name"]] = str(part.content["id"])
        if state["sent"] and not returns:
            return ModelResponse(parts=[TextPart("Done.")])
        if state["sent"] < len(calls):
            name, args = calls[state["sent"]]
            args = made_in_turn(args, made)
            offered = {t.name for t in info.function_tools}
            group = group_of(name)
            if name not in offered and group is not None and group not in loaded:
                loaded.add(group)
                return ModelResponse(parts=[ToolCallPart("load_capability", {"id": group})])
            state["sent"] += 1
            return ModelResponse(parts=[ToolCallPart(name, args)])
        return ModelResponse(parts=[TextPart("Done.")])

    return FunctionModel(respond, model_name="gold")


async def run_case(
    app: FastAPI,
    case: Case,
    *,
    model: Callable[[], tuple[Model | None, str]] | None,
    gold: bool = False,
    ip: str = "127.0.0.2",
) -> Outcome:
    """Run one case against `app` with a fresh user; `model` chooses the model per turn."""
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        email = f"eval-{uuid.uuid4().hex[:12]}@example.com"
        registered = await client.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Eval"}
        )
        if registered.status_code != 201:
            raise AssertionError(f"register: {registered.status_code} {registered.text}")
        token = registered.json()["access_token"]
        session = Session(client, {"Authorization": f"Bearer {token}"})
        session.user_id = (await session.call("GET", "/api/v1/me"))["id"]
        await session.seed(case.state)
        conversation: str | None = None
        reply, pending = "", False
        for index, message in enumerate(case.turns):
            if gold:
                calls = await session.resolve((case.gold or [])[index] if case.gold else [])
                chosen = scripted(calls)
                app.state.choose_model = lambda settings, m=chosen: (m, "gold")
            elif model is not None:
                app.state.choose_model = lambda settings: model()
            body = {
                "message": message,
                **({"conversation_id": conversation} if conversation else {}),
            }
            answer = await session.call("POST", "/api/v1/chat", json=body)
            conversation = answer["conversation_id"]
            reply, pending = answer["reply"], answer["pending"] is not None
        if gold:
            expectations = {
                k: v
                for k, v in case.expect.items()
                if k.endswith("s") and k[:-1] in (*KINDS, *CALENDAR_KINDS)
            }
            problems = await compare(
                session, Case(case.id, case.turns, expectations), reply, pending
            )
        else:
            problems = await compare(session, case, reply, pending)
    return Outcome(case, not problems, problems)


def report(cases: list[Case], results: dict[str, list[bool]], k: int) -> list[str]:
    """The lines `crm eval` prints: pass rate and pass^k, overall and per kind of case."""
    groups = {
        "all": cases,
        "without a language model": [c for c in cases if not c.needs_llm],
        "needing a language model": [c for c in cases if c.needs_llm],
    }
    lines = []
    for label, group in groups.items():
        if not group:
            continue
        subset = {c.id: results[c.id] for c in group}
        runs = [r for rs in subset.values() for r in rs]
        lines.append(
            f"{label}: {len(group)} cases, pass rate {sum(runs) / len(runs):.1%}, "
            f"pass^{k} {pass_hat_k(subset, k):.1%}"
        )
    return lines


def pass_hat_k(results: dict[str, list[bool]], k: int) -> float:
    """tau-bench's pass^k: the chance that k tries of a case all pass, averaged over cases."""
    from math import comb

    scores = []
    for runs in results.values():
        n, c = len(runs), sum(runs)
        scores.append(comb(c, k) / comb(n, k) if n >= k else 0.0)
    return sum(scores) / len(scores) if scores else 0.0

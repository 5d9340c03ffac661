"""The tool budget: a model request carries the core and the groups the message is about, far
under the schemas of every tool, and every tool stays reachable (loaded on demand by the model,
or before the first request when the message names its topic or records)."""

import subprocess
import sys

import pytest
from pydantic_ai.messages import (
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.toolsets import FunctionToolset

from crm.assistant.agent import run_turn
from crm.assistant.groups import (
    SPECS,
    TOOL_SCHEMA_BUDGET,
    GroupSpec,
    ToolGroup,
    crm_groups,
    preloads,
    schema_bytes,
    words,
)
from crm.assistant.tools import Entity
from crm.toolbox import TOOLS
from tests.people import sign_up


class Watching:
    """A model that records the tools each request offers, then makes the given calls."""

    def __init__(self, *calls):
        self.calls, self.offered = list(calls), []

    def respond(self, messages, info: AgentInfo):
        self.offered.append({t.name: t for t in info.function_tools})
        returned = any(isinstance(p, ToolReturnPart | RetryPromptPart) for p in messages[-1].parts)
        if self.calls and (returned or len(self.offered) == 1):
            name, args = self.calls.pop(0)
            return ModelResponse(parts=[ToolCallPart(name, args)])
        return ModelResponse(parts=[TextPart("Done.")])

    def model(self):
        return FunctionModel(self.respond)

    def bytes(self, request=0):
        return schema_bytes(self.offered[request].values())


def mailbox(group="mail", tools=24, size=900):
    """An integration's group of MCP-sized tools (as many as Microsoft 365's, simulated)."""

    def make(n):
        def tool(query: str, folder: str = "inbox", top: int = 10) -> str:
            return "no mail"

        tool.__doc__ = "Search the connected mailbox " + "for messages in a folder " * (size // 25)
        tool.__name__ = f"{'outlook' if group == 'mail' else group}_tool_{n}"
        return tool

    spec = GroupSpec(group, f"{group} of the connected account", (), words(r"e-?mails?", "inbox"))
    return ToolGroup(spec, FunctionToolset([make(n) for n in range(tools)]))


async def turn(app, person, message, model, *, conversation=None, groups=()):
    async with app.state.db.transaction(**person.context) as session:
        return await run_turn(
            session,
            person.actor(),
            message=message,
            conversation_id=conversation,
            model=model,
            provider="scripted",
            groups=groups,
        )


def test_every_tool_is_in_the_core_or_one_group():
    core, groups = crm_groups()
    names = [t.name for t in core] + [n for g in groups for n in g.toolset.tools]
    assert sorted(names) == sorted(TOOLS)
    assert len(core) <= 3


def test_a_message_preloads_the_groups_of_its_words_its_records_and_what_it_refers_to():
    names = {"task": ["Write copy"], "organization": ["Acme"], "contact": ["Jane Doe"]}
    jane = [Entity("contact", __import__("uuid").uuid4(), "Jane Doe")]
    assert preloads(SPECS, "what is on my calendar next week?", [], names) == ["calendar"]
    assert preloads(SPECS, "mark Write copy as done", [], names) == ["tasks"]
    assert preloads(SPECS, "add a task to the Website project", [], {}) == ["projects", "tasks"]
    assert preloads(SPECS, "Acme's description is anvils", [], names) == ["organizations"]
    assert preloads(SPECS, "her mobile is +1 415 555 0100", jane, names) == ["contacts"]
    assert preloads(SPECS, "remind me about it tomorrow", jane, {}) == ["contacts", "reminders"]
    # Nothing to go on: people and companies, none of an integration's; the rest by loading.
    unnamed = ["contacts", "organizations"]
    assert preloads([*SPECS, mailbox().spec], "hello", [], {}) == unnamed
    assert preloads(SPECS, "add Lena Fischer", [], names) == unnamed


@pytest.mark.parametrize(
    "message",
    [
        "add contact Jane Doe, jane@acme.com",
        "what is on my calendar next week?",
        "add a task Write copy to the Website project, due Friday",
        "remind me tomorrow at 9 to call the bank",
        "create an organization Acme in manufacturing",
        "which of my tasks are overdue?",
        "hello",
        "add Lena Fischer",
    ],
)
async def test_a_typical_request_stays_under_the_budget_with_integrations_connected(
    client, app, message
):
    ada = await sign_up(client)
    watching = Watching()
    everything = schema_bytes(
        td for g in crm_groups()[1] for td in [t.tool_def for t in g.toolset.tools.values()]
    )
    await turn(app, ada, message, watching.model(), groups=[mailbox(), mailbox("gmail", 16)])
    print(f"{message!r}: {watching.bytes()} bytes of tool schemas, all: {everything}")
    assert 0 < watching.bytes() <= TOOL_SCHEMA_BUDGET
    assert watching.bytes() < everything / 2
    assert not any(name.startswith(("outlook_", "gmail_")) for name in watching.offered[0])


async def test_the_model_loads_a_group_it_needs_and_a_follow_up_keeps_it(client, app):
    ada = await sign_up(client)
    watching = Watching(
        ("load_capability", {"id": "contacts"}),
        ("create_contact", {"name": "Grace Hopper"}),
    )
    first = await turn(app, ada, "what is on my calendar today?", watching.model())
    assert "create_contact" not in watching.offered[0]
    assert "create_contact" in watching.offered[1]
    assert [a.summary for a in first.actions] == ["Created contact Grace Hopper"]
    # The load is in the conversation's model messages: the next turn has the group at once.
    again = Watching()
    await turn(
        app,
        ada,
        "what is on my calendar tomorrow?",
        again.model(),
        conversation=first.conversation_id,
    )
    assert {"create_contact", "list_events"} <= set(again.offered[0])


async def test_an_integration_group_is_loaded_when_the_message_is_about_it(client, app):
    ada = await sign_up(client)
    watching = Watching(("outlook_tool_3", {"query": "Acme"}))
    result = await turn(
        app, ada, "what did Acme say in their last e-mail?", watching.model(), groups=[mailbox()]
    )
    assert "outlook_tool_3" in watching.offered[0]
    assert result.reply == "Done."


async def test_every_tool_is_reachable_by_loading_its_group(client, app):
    ada = await sign_up(client)
    _, groups = crm_groups()
    calls = [("load_capability", {"id": g.spec.id}) for g in groups if g.spec.id != "calendar"]
    watching = Watching(*calls)
    await turn(app, ada, "what is on my calendar today?", watching.model())
    assert set(watching.offered[-1]) >= set(TOOLS)


def test_importing_the_agent_module_builds_no_agent():
    # Built on the first chat turn, once per process (issue 19: a lean start).
    code = (
        "import crm.assistant.agent as a; "
        "print(a.assistant_agent.cache_info().currsize, 'agent' in vars(a))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["0", "False"]

"""The chat turn end to end: POST /api/v1/chat on the real database, offline and scripted."""

import contextlib
import os
import pty
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import FunctionModel

from crm.assistant import conversations
from crm.config import get_settings
from tests.conftest import http_client
from tests.people import sign_up
from tests.rows import fetch
from tests.web.pages import csrf
from tests.web.pages import sign_up as web_sign_up


async def say(client, person, message, conversation_id=None):
    body = {"message": message}
    if conversation_id:
        body["conversation_id"] = conversation_id
    response = await client.post("/api/v1/chat", json=body, headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


def scripted(*calls):
    """A model that makes the given tool calls one by one, then says what it saw."""
    seen = []

    def respond(messages, info):
        for part in messages[-1].parts:
            if isinstance(part, ToolReturnPart):
                seen.append(part.content)
        if len(seen) < len(calls):
            name, args = calls[len(seen)]
            return ModelResponse(parts=[ToolCallPart(name, args)])
        return ModelResponse(parts=[TextPart("done")])

    return FunctionModel(respond), seen


async def test_offline_adds_a_contact_at_an_organization_and_follows_up(client, admin_url):
    ada = await sign_up(client)
    await client.post("/api/v1/organizations", json={"name": "Acme"}, headers=ada.headers)
    first = await say(client, ada, "add Jane Doe, CTO at Acme")
    assert first["provider"] == "offline"
    [action] = first["actions"]
    assert (action["tool"], action["ok"], action["entity_type"]) == (
        "create_contact",
        True,
        "contact",
    )
    again = await say(client, ada, "her phone is +1 415 555 0100", first["conversation_id"])
    assert again["actions"][0]["entity_id"] == action["entity_id"]
    await say(client, ada, "yes, add her email jane@acme.com", first["conversation_id"])
    rows = fetch(
        admin_url,
        "SELECT name, job_position, phone, email, organization_id IS NOT NULL FROM contact",
    )
    assert rows == [("Jane Doe", "CTO", "+14155550100", "jane@acme.com", True)]


@pytest.mark.parametrize(
    "said",
    [
        "add Jane Doe, CTO at Acme, and remind me Friday to call her",
        "Add contact Jane Doe, CTO at Acme. Remind me on Friday to call her.",
    ],
)
async def test_a_contact_and_a_reminder_to_call_her_in_one_sentence(client, admin_url, said):
    ada = await sign_up(client)
    answer = await say(client, ada, said)
    assert [a["summary"] for a in answer["actions"]] == [
        "Created contact Jane Doe",
        "Created reminder call her",
    ]
    assert answer["reply"].startswith("Added contact Jane Doe, CTO, Acme. I'll remind you on "), (
        answer["reply"]
    )
    assert "to call her (about contact Jane Doe)" in answer["reply"]
    [(jane, title, organization)] = fetch(
        admin_url, "SELECT id, job_position, organization_name FROM contact"
    )
    assert (title, organization) == ("CTO", "Acme")
    [(message, at, about)] = fetch(admin_url, "SELECT message, remind_at, contact_id FROM reminder")
    assert (message, about) == ("call her", jane)
    today = datetime.now(UTC).date()  # the user's zone: UTC
    assert at.astimezone(UTC).weekday() == 4 and (at.hour, at.minute) == (9, 0)
    assert timedelta(0) < at.astimezone(UTC).date() - today <= timedelta(days=7)
    # A pronoun in a later turn is the contact the conversation last touched.
    later = await say(client, ada, "remind me Monday to email her", answer["conversation_id"])
    assert "(about contact Jane Doe)" in later["reply"], later["reply"]
    assert fetch(admin_url, "SELECT count(*) FROM reminder WHERE contact_id = %s", jane) == [(2,)]


async def test_a_note_after_a_meeting_with_a_reminder_to_follow_up_links_the_new_contact(
    client, admin_url
):
    ada = await sign_up(client)
    said = (
        "met Maria Garcia from Initech today, she's their head of sales, maria@initech.com, "
        "remind me next Tuesday to follow up"
    )
    answer = await say(client, ada, said)
    assert "(about contact Maria Garcia)" in answer["reply"], answer["reply"]
    assert fetch(
        admin_url,
        "SELECT c.name, c.email, r.message FROM reminder r JOIN contact c ON c.id = r.contact_id",
    ) == [("Maria Garcia", "maria@initech.com", "follow up")]


async def test_ambiguous_name_asks_which_and_writes_nothing(client, admin_url):
    ada = await sign_up(client)
    for name in ("Jane Doe", "Jane Roe"):
        await client.post("/api/v1/contacts", json={"name": name}, headers=ada.headers)
    answer = await say(client, ada, "set Jane's phone to +1 415 555 0100")
    assert answer["reply"].startswith("Which Jane?")
    assert answer["actions"] == []
    assert fetch(admin_url, "SELECT count(*) FROM contact WHERE phone IS NOT NULL") == [(0,)]


async def test_delete_waits_for_yes(client, admin_url):
    ada = await sign_up(client)
    await client.post("/api/v1/contacts", json={"name": "Jane Doe"}, headers=ada.headers)
    asked = await say(client, ada, "delete contact Jane Doe")
    assert asked["pending"]["tool"] == "delete_contact"
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(1,)]
    kept = await say(client, ada, "no", asked["conversation_id"])
    assert kept["pending"] is None and "nothing was changed or deleted" in kept["reply"]
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(1,)]
    asked = await say(client, ada, "delete Jane Doe", asked["conversation_id"])
    done = await say(client, ada, "yes", asked["conversation_id"])
    assert done["actions"][0]["summary"] == "Deleted contact Jane Doe"
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(0,)]


async def test_a_model_cannot_reach_another_users_record(client, app, admin_url):
    ada, eve = await sign_up(client), await sign_up(client, "Eve")
    theirs = (
        await client.post("/api/v1/contacts", json={"name": "Secret"}, headers=ada.headers)
    ).json()
    model, seen = scripted(
        ("get_contact", {"id": theirs["id"]}),
        ("update_contact", {"id": theirs["id"], "changes": {"name": "Owned"}}),
        ("delete_contact", {"id": theirs["id"]}),
    )
    app.state.choose_model = lambda settings: (model, "scripted")
    answer = await say(client, eve, "take it")
    assert [s["status"] for s in seen] == [404, 404, 404]
    assert answer["pending"] is None
    assert fetch(admin_url, "SELECT name FROM contact") == [("Secret",)]


async def test_a_failed_tool_call_undoes_only_itself(client, app, admin_url):
    ada = await sign_up(client)
    await client.post("/api/v1/organizations", json={"name": "Acme"}, headers=ada.headers)
    model, seen = scripted(
        ("create_contact", {"name": "First"}),
        ("create_organization", {"name": "ACME"}),  # a duplicate: 409 after the insert
        ("create_contact", {"name": "Second"}),
        ("create_contact", {"name": "Bad", "email": "not-an-email"}),
    )
    app.state.choose_model = lambda settings: (model, "scripted")
    answer = await say(client, ada, "go")
    assert seen[1]["status"] == 409
    assert "email" in seen[3]  # the validation error names the field, as a retry prompt
    assert [a["ok"] for a in answer["actions"]] == [True, False, True]
    assert fetch(admin_url, "SELECT name FROM contact ORDER BY name") == [("First",), ("Second",)]
    assert fetch(admin_url, "SELECT count(*) FROM organization") == [(1,)]


async def test_follow_up_works_after_a_restart(client, custom_app, admin_url):
    ada = await sign_up(client)
    first = await say(client, ada, "add contact Grace Hopper")
    async with custom_app() as fresh:
        fresh.state.choose_model = lambda settings: (None, "offline")
        async with http_client(fresh) as other:
            await say(other, ada, "his title is Admiral", first["conversation_id"])
    assert fetch(admin_url, "SELECT job_position FROM contact") == [("Admiral",)]


async def test_conversations_are_listed_and_read_by_their_owner_only(client):
    ada, eve = await sign_up(client), await sign_up(client, "Eve")
    first = await say(client, ada, "add contact Grace Hopper")
    await say(client, ada, "list my contacts")
    listed = (await client.get("/api/v1/chat/conversations?limit=1", headers=ada.headers)).json()
    assert len(listed["items"]) == 1 and listed["next_cursor"]
    detail = await client.get(
        f"/api/v1/chat/conversations/{first['conversation_id']}", headers=ada.headers
    )
    assert [m["role"] for m in detail.json()["messages"]] == ["user", "assistant"]
    other = await client.get(
        f"/api/v1/chat/conversations/{first['conversation_id']}", headers=eve.headers
    )
    assert other.status_code == 404
    assert (await client.get("/api/v1/chat/conversations", headers=eve.headers)).json()[
        "items"
    ] == []
    missing = await say(client, eve, "hello", None)
    assert "offline assistant" in missing["reply"] and missing["actions"] == []
    unknown = await client.post(
        "/api/v1/chat",
        headers=eve.headers,
        json={"message": "hi", "conversation_id": str(uuid.uuid4())},
    )
    assert unknown.status_code == 404


async def test_bulk_changes_past_the_limit_wait_for_yes(client, app, admin_url):
    ada = await sign_up(client)
    model, _ = scripted(*[("create_contact", {"name": f"Person {n}"}) for n in range(7)])
    app.state.choose_model = lambda settings: (model, "scripted")
    asked = await say(client, ada, "add seven people")
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(5,)]
    assert asked["pending"]["summary"].startswith("2 changes: create contact")
    app.state.choose_model = lambda settings: (None, "offline")
    done = await say(client, ada, "yes", asked["conversation_id"])
    assert [a["summary"] for a in done["actions"]] == [
        "Created contact Person 5",
        "Created contact Person 6",
    ]
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(7,)]


async def test_long_conversations_are_pruned_but_keep_their_records(client, app, monkeypatch):
    ada = await sign_up(client)
    first = await say(client, ada, "add contact Grace Hopper")
    conversation = first["conversation_id"]
    for n in range(4):
        await say(client, ada, f"add contact Person {n}", conversation)
    monkeypatch.setattr(conversations, "HISTORY_BUDGET_CHARS", 3000)
    received = {}

    def look(messages, info):
        received["messages"], received["instructions"] = messages, info.instructions
        return ModelResponse(parts=[TextPart("ok")])

    app.state.choose_model = lambda settings: (FunctionModel(look), "scripted")
    await say(client, ada, "what did we do?", conversation)
    prompts = [
        p.content for m in received["messages"] for p in m.parts if p.part_kind == "user-prompt"
    ]
    assert prompts[-1] == "what did we do?"
    assert "add contact Grace Hopper" not in prompts  # the oldest turns were pruned
    assert "- Created contact Grace Hopper" in received["instructions"]  # summarised
    assert "contact 'Grace Hopper' id=" in received["instructions"]  # still tracked


async def test_an_answered_question_shows_decided_in_the_api_and_after_a_reload(client):
    await web_sign_up(client)
    headers = {"X-CSRF-Token": csrf(client)}

    async def chat(message, conversation_id=None):
        body = {"message": message, "conversation_id": conversation_id}
        answer = await client.post("/api/v1/chat", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    for name in ("Jane Doe", "John Roe", "Max Moe"):
        await client.post("/api/v1/contacts", json={"name": name}, headers=headers)
    c = (await chat("delete contact Jane Doe"))["conversation_id"]
    assert (await chat("no", c))["decided"] == "cancelled"
    await chat("delete contact John Roe", c)
    assert (await chat("add contact Ann Poe", c))["decided"] == "lapsed"
    await chat("delete contact Max Moe", c)
    page = (await client.get(f"/assistant?c={c}")).text
    assert page.count('class="chat-answer"') == 2, "only the open question has buttons"
    assert (await chat("yes", c))["decided"] == "confirmed"

    detail = (await client.get(f"/api/v1/chat/conversations/{c}")).json()
    questions = [m["question"] for m in detail["messages"] if m["question"]]
    assert questions == [
        {"summary": "Delete contact Jane Doe", "decision": "cancelled"},
        {"summary": "Delete contact John Roe", "decision": "lapsed"},
        {"summary": "Delete contact Max Moe", "decision": "confirmed"},
    ]
    page = (await client.get(f"/assistant?c={c}")).text
    assert 'class="chat-answer"' not in page, "no live buttons once every question is answered"
    assert page.count("chat-confirm chat-decided") == 3
    for label in ("Cancelled", "Not answered: nothing was changed", "Confirmed"):
        assert f">{label}</span>" in page


async def test_times_in_the_offline_answers_are_on_the_users_clock(client):
    ada = await sign_up(client)
    answer = await say(client, ada, "schedule a call with Acme tomorrow at 14:30 for 45 minutes")
    assert "at 14:30 until 15:15" in answer["reply"], answer["reply"]
    await client.patch("/api/v1/me", json={"clock": "12h"}, headers=ada.headers)
    listed = await say(client, ada, "what's on my calendar tomorrow?")
    assert "2:30 PM\u20133:15 PM Call with Acme" in listed["reply"], listed["reply"]
    reminded = await say(
        client, ada, "remind me tomorrow at 9 to call Jane", listed["conversation_id"]
    )
    assert "at 9:00 AM to call Jane" in reminded["reply"], reminded["reply"]


async def test_the_reminder_reply_says_how_it_will_arrive(client, monkeypatch):
    ada = await sign_up(client)
    answer = await say(client, ada, "remind me tomorrow at 9 to call Jane")
    assert answer["actions"][0]["tool"] == "create_reminder"
    assert "by e-mail" not in answer["reply"]
    assert "In the app only: e-mail is not set up on this server" in answer["reply"]
    monkeypatch.setenv("SMTP_HOST", "mail.example.com")
    get_settings.cache_clear()
    try:
        answer = await say(client, ada, "remind me tomorrow at 10 to call John")
    finally:
        monkeypatch.delenv("SMTP_HOST")
        get_settings.cache_clear()
    assert "to call John. In the app and by e-mail." in answer["reply"]


def test_no_banner_of_pydantic_ai_reaches_the_console():
    """On a terminal (as `crm serve` runs), outside CI and pytest, pydantic-ai prints a banner
    on the first agent run of a process, unless the program owns its output."""
    script = (
        "import crm.assistant.agent\n"
        "from pydantic_ai import Agent\n"
        "from pydantic_ai.models.test import TestModel\n"
        "print(Agent(TestModel()).run_sync('hello').output)\n"
    )
    quiet = ("CI", "PYTEST_VERSION", "PYDANTIC_AI_NO_BANNER")
    env = {k: v for k, v in os.environ.items() if k not in quiet}
    terminal, its_end = pty.openpty()
    try:
        subprocess.run(
            [sys.executable, "-c", script],
            stdout=its_end, stderr=its_end, env=env, check=True, timeout=60,
        )  # fmt: skip
    finally:
        os.close(its_end)
    said = b""
    with contextlib.suppress(OSError):  # EIO once the terminal has no writer left
        while chunk := os.read(terminal, 4096):
            said += chunk
    os.close(terminal)
    assert "success (no tool calls)" in said.decode()  # the run happened, on the terminal
    assert "pydantic-ai" not in said.decode().lower()

"""A held change with a language model: the CRM asks about it itself, the stream and the answer
say it is held (not done), and the model's history records what the user's yes or no did."""

from pydantic_ai.messages import (
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import FunctionModel

from crm.assistant.agent import run_turn
from tests.people import sign_up
from tests.rows import fetch


def deleting(contact_id, says="OK."):
    """A model that deletes the contact, then writes `says`."""

    def respond(messages, info):
        if any(isinstance(p, ToolReturnPart) for p in messages[-1].parts):
            return ModelResponse(parts=[TextPart(says)])
        return ModelResponse(parts=[ToolCallPart("delete_contact", {"id": contact_id})])

    return FunctionModel(respond)


class Listening:
    """A model that keeps what it was given and answers "Noted."."""

    def __init__(self):
        self.messages, self.instructions = [], None

    def respond(self, messages, info):
        self.messages, self.instructions = messages, info.instructions
        return ModelResponse(parts=[TextPart("Noted.")])


async def chat(client, person, message, conversation=None):
    body = {"message": message, **({"conversation_id": conversation} if conversation else {})}
    response = await client.post("/api/v1/chat", json=body, headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def jane(client, person):
    created = await client.post(
        "/api/v1/contacts", json={"name": "Jane Doe"}, headers=person.headers
    )
    return created.json()["id"]


def told(messages):
    """The conversation as the model reads it: (who, text) of prompts, replies and returns."""
    lines = []
    for message in messages:
        for part in message.parts:
            if isinstance(part, UserPromptPart):
                lines.append(("user", part.content))
            elif isinstance(part, TextPart):
                lines.append(("assistant", part.content))
            elif isinstance(part, ToolReturnPart) and part.tool_kind is None:
                lines.append(("tool", str(part.content)))
    return lines


async def test_the_crm_asks_about_the_held_delete_whatever_the_model_wrote(client, app):
    ada = await sign_up(client)
    contact = await jane(client, ada)
    app.state.choose_model = lambda settings: (deleting(contact), "scripted")
    asked = await chat(client, ada, "remove Jane")
    assert asked["reply"] == "OK.\n\nDelete contact Jane Doe? yes / no"
    assert asked["pending"] == {
        "tool": "delete_contact",
        "summary": "Delete contact Jane Doe",
        "edit_url": None,  # only a proposed record has a form to edit
    }
    [held] = asked["actions"]
    assert (held["status"], held["ok"], held["entity_id"]) == ("held", False, contact)
    # A model that already asks exactly that is not repeated.
    app.state.choose_model = lambda settings: (
        deleting(contact, "Delete contact Jane Doe? Say yes to go ahead."),
        "scripted",
    )
    again = await chat(client, ada, "remove Jane", asked["conversation_id"])
    assert again["reply"] == "Delete contact Jane Doe? Say yes to go ahead."


async def test_the_next_turns_model_knows_the_confirmed_delete_was_done(client, app, admin_url):
    ada = await sign_up(client)
    contact = await jane(client, ada)
    app.state.choose_model = lambda settings: (deleting(contact), "scripted")
    asked = await chat(client, ada, "remove Jane")
    conversation = asked["conversation_id"]
    done = await chat(client, ada, "yes", conversation)
    assert done["actions"][0]["status"] == "done"
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(0,)]
    listening = Listening()
    app.state.choose_model = lambda settings: (FunctionModel(listening.respond), "scripted")
    await chat(client, ada, "anything else to clean up?", conversation)
    history = told(listening.messages)
    held = next(i for i, (who, text) in enumerate(history) if text.startswith("Held, not done"))
    assert history[held + 1 :] == [
        ("assistant", "OK.\n\nDelete contact Jane Doe? yes / no"),
        ("user", "yes"),
        ("assistant", "Deleted contact Jane Doe."),
        ("user", "anything else to clean up?"),
    ]


async def test_the_next_turns_model_knows_the_delete_was_cancelled(client, app, admin_url):
    ada = await sign_up(client)
    contact = await jane(client, ada)
    app.state.choose_model = lambda settings: (deleting(contact), "scripted")
    asked = await chat(client, ada, "remove Jane")
    await chat(client, ada, "no", asked["conversation_id"])
    listening = Listening()
    app.state.choose_model = lambda settings: (FunctionModel(listening.respond), "scripted")
    await chat(client, ada, "and now?", asked["conversation_id"])
    assert told(listening.messages)[-3:] == [
        ("user", "no"),
        ("assistant", "Cancelled: nothing was changed or deleted (Delete contact Jane Doe)."),
        ("user", "and now?"),
    ]
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(1,)]


async def test_a_held_change_answered_otherwise_is_dropped_and_the_model_told(client, app):
    ada = await sign_up(client)
    contact = await jane(client, ada)
    app.state.choose_model = lambda settings: (deleting(contact), "scripted")
    asked = await chat(client, ada, "remove Jane")
    listening = Listening()
    app.state.choose_model = lambda settings: (FunctionModel(listening.respond), "scripted")
    answer = await chat(client, ada, "actually, what is her phone?", asked["conversation_id"])
    assert answer["pending"] is None
    assert "did not confirm the held change (Delete contact Jane Doe)" in listening.instructions


async def test_the_stream_says_a_held_delete_is_held_not_done(client, app):
    ada = await sign_up(client)
    contact = await jane(client, ada)
    events = []

    async def emit(event):
        events.append(event)

    async with app.state.db.transaction(**ada.context) as session:
        await run_turn(
            session,
            ada.actor(),
            message="remove Jane",
            conversation_id=None,
            model=deleting(contact),
            provider="scripted",
            emit=emit,
        )
    [finished] = [e for e in events if e["type"] == "tool_finished"]
    assert (finished["status"], finished["ok"]) == ("held", False)
    assert finished["summary"] == "Delete contact Jane Doe"
    assert [e["type"] for e in events][-2:] == ["delta", "confirmation"]
    assert events[-2]["text"] == "\n\nDelete contact Jane Doe? yes / no"

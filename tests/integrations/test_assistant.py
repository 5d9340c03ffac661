"""The assistant with Microsoft 365 connected, through POST /api/v1/chat with a scripted model
(FunctionModel) or the offline interpreter: the tools of the MCP server act with the chatting
user's own token against the Graph stand-in over HTTP; sending waits for a yes and goes once;
a refused token is refreshed; a revoked grant is said in words."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import FunctionModel

from crm.assistant.connected_services import MICROSOFT365
from crm.integrations.ms365.mcp_server import create_http_app
from crm.integrations.ms365.tools import TOOLS
from tests.integrations.conftest import connect
from tests.integrations.test_tokens import expire_soon
from tests.standins.serving import ServedApp

MICROSOFT_TOOLS = {tool.name for tool in TOOLS}


@pytest.fixture
def model(ms_app):
    """Sets the model of the next turns: `model(FunctionModel)` or `model(None)` (offline)."""

    def choose(chosen):
        ms_app.state.choose_model = lambda settings: (
            chosen,
            "offline" if chosen is None else "test",
        )

    yield choose
    del ms_app.state.choose_model


def calling(*calls, seen=None):
    """A model that makes the calls one by one, then answers the last tool answer as text.
    Stateless between users (it reads the turn's messages), so concurrent turns may share it;
    `seen` collects what each request offered (instructions, tools)."""

    def respond(messages, info):
        if seen is not None:
            seen.append(info)
        returns = [
            part.content
            for message in messages
            for part in message.parts
            if isinstance(part, ToolReturnPart)
        ]
        if len(returns) < len(calls):
            name, args = calls[len(returns)]
            return ModelResponse(parts=[ToolCallPart(name, args)])
        answer = returns[-1] if returns else "nothing"
        return ModelResponse(
            parts=[TextPart(answer if isinstance(answer, str) else json.dumps(answer))]
        )

    return FunctionModel(respond)


async def say(user, message, conversation_id=None):
    body = {"message": message}
    if conversation_id:
        body["conversation_id"] = conversation_id
    response = await user.browser.post("/api/v1/chat", json=body, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def connected(new_user, microsoft, name="Ada Lovelace"):
    user = await new_user(name)
    assert (await connect(user, microsoft)).status_code == 303
    return user


def mailbox(ms_graph, user):
    return ms_graph.mailbox(user.account.mail, user.account.display_name)


def received(hours_ago: int = 1) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours_ago)


async def test_a_turn_searches_the_users_mailbox_through_the_mcp_server(
    ms_app, microsoft, ms_graph, new_user, model
):
    ada = await connected(new_user, microsoft)
    mailbox(ms_graph, ada).add_message(
        subject="Acme renewal", sender="jane@acme.com", body="We renew.", received=received()
    )
    seen = []
    model(calling(("outlook_search_emails", {"query": "renewal"}), seen=seen))
    answer = await say(ada, "What did Acme say about the renewal in their last e-mail?")
    found = json.loads(answer["reply"])
    assert [m["subject"] for m in found["items"]] == ["Acme renewal"]
    assert found["items"][0]["from"] == "Jane <jane@acme.com>"
    info = seen[0]
    assert f"Microsoft 365 is connected as Ada Lovelace <{ada.account.mail}>" in info.instructions
    tools = {t.name: t for t in info.function_tools}
    # The mail group, offered from the first request; files and meetings wait to be loaded.
    assert {"outlook_search_emails", "outlook_send_email"} <= set(tools)
    assert not [name for name in tools if name.startswith(("sharepoint_", "teams_"))]
    assert tools["outlook_search_emails"].metadata["group"] == "outlook"
    assert "confirm" in tools["outlook_send_email"].description


async def test_every_microsoft_tool_is_reachable_by_loading_its_group(microsoft, new_user, model):
    ada = await connected(new_user, microsoft)
    seen = []
    loads = [("load_capability", {"id": spec.id}) for spec in MICROSOFT365.specs]
    model(calling(*loads, seen=seen))
    await say(ada, "hello")
    first, last = ({t.name: t for t in s.function_tools} for s in (seen[0], seen[-1]))
    assert not [name for name in first if name.startswith(("outlook_", "sharepoint_"))]
    assert len([name for name in last if name in MICROSOFT_TOOLS]) == 24
    assert last["sharepoint_search_documents"].metadata["group"] == "microsoft_files"
    assert last["teams_create_meeting"].metadata["group"] == "teams"


async def test_without_a_connection_the_agent_has_no_microsoft_tools(new_user, model):
    ada = await new_user()
    seen = []
    model(calling(seen=seen))
    await say(ada, "hello")
    assert not [t for t in seen[0].function_tools if t.name.startswith("outlook_")]
    assert "Microsoft 365" not in (seen[0].instructions or "")


async def test_the_tool_listing_is_made_once_per_connection_not_per_turn(
    ms_app, microsoft, new_user, model, monkeypatch
):
    ada = await connected(new_user, microsoft)
    kept = []
    integrations = ms_app.state.integrations
    keep = integrations.keep_listing
    monkeypatch.setattr(integrations, "keep_listing", lambda k, t: (kept.append(k), keep(k, t)))
    model(calling())
    first = await say(ada, "hello")
    await say(ada, "hello again", first["conversation_id"])
    await say(ada, "and a new conversation")
    assert len(kept) == 1 and kept[0][0] == ada.user_id


async def test_a_send_waits_for_yes_with_its_preview_and_goes_once(
    ms_app, microsoft, ms_graph, new_user, model
):
    ada = await connected(new_user, microsoft)
    jane = await ada.browser.post(
        "/api/v1/contacts",
        json={"name": "Jane Doe", "email": "jane@acme.com"},
        headers=ada.headers,
    )
    jane_id = jane.json()["id"]
    body = "Hi Jane,\n\nthe proposal is attached.\n\nAda"
    send = {"to": ["jane@acme.com"], "subject": "Proposal", "body": body}
    model(calling(("outlook_send_email", send)))
    asked = await say(ada, "e-mail Jane the proposal")
    outbox = mailbox(ms_graph, ada).sent
    assert outbox == []
    preview = asked["pending"]["summary"]
    assert preview == (
        f"Send this e-mail from Ada Lovelace <{ada.account.mail}>\nTo: jane@acme.com\n"
        f"Subject: Proposal\n\n{body}"
    )
    assert asked["pending"]["tool"] == "outlook_send_email"

    done = await say(ada, "yes", asked["conversation_id"])
    assert done["reply"] == "Sent the e-mail “Proposal” to jane@acme.com from Outlook."
    [action] = done["actions"]
    assert (action["tool"], action["ok"], action["entity_id"]) == (
        "outlook_send_email",
        True,
        jane_id,
    )
    [sent] = outbox
    assert sent["subject"] == "Proposal" and sent["body"]["content"] == body
    assert sent["toRecipients"] == [{"emailAddress": {"address": "jane@acme.com"}}]

    model(calling())
    await say(ada, "yes", asked["conversation_id"])  # nothing waits any more
    assert len(outbox) == 1
    history = (
        await ada.browser.get(f"/api/v1/contacts/{jane_id}/activity", headers=ada.headers)
    ).json()["items"]
    assert [(e["action"], e["channel"]) for e in history[:1]] == [("emailed", "assistant")]
    assert history[0]["changes"]["summary"] == done["actions"][0]["summary"]
    page = (await ada.browser.get(f"/contacts/{jane_id}")).text
    assert "emailed this contact" in page and "Sent the e-mail “Proposal”" in page
    conversation = (
        await ada.browser.get(
            f"/api/v1/chat/conversations/{asked['conversation_id']}", headers=ada.headers
        )
    ).json()
    assert any(
        a["tool"] == "outlook_send_email" and a["ok"]
        for m in conversation["messages"]
        for a in m["actions"]
    )


async def test_a_send_answered_no_sends_nothing(microsoft, ms_graph, new_user, model):
    ada = await connected(new_user, microsoft)
    send = {"to": ["jane@acme.com"], "subject": "Proposal", "body": "Hi"}
    model(calling(("outlook_send_email", send)))
    asked = await say(ada, "e-mail Jane")
    answer = await say(ada, "no", asked["conversation_id"])
    assert answer["reply"].startswith("Cancelled")
    assert mailbox(ms_graph, ada).sent == []


async def test_two_users_turns_each_use_their_own_account(microsoft, ms_graph, new_user, model):
    ada = await connected(new_user, microsoft, "Ada Lovelace")
    bob = await connected(new_user, microsoft, "Bob Babbage")
    mailbox(ms_graph, ada).add_message(
        subject="For Ada only", sender="x@acme.com", body=".", received=received()
    )
    mailbox(ms_graph, bob).add_message(
        subject="For Bob only", sender="y@acme.com", body=".", received=received()
    )
    model(calling(("outlook_search_emails", {}), ("auth_status", {})))
    for _ in range(2):  # the second round with both listings cached
        answers = await asyncio.gather(*(say(u, "my mail and who I am") for u in (ada, bob)))
        for user, answer in zip((ada, bob), answers, strict=True):
            assert user.account.mail in answer["reply"]
    model(calling(("outlook_search_emails", {})))
    ada_mail, bob_mail = await asyncio.gather(say(ada, "my mail"), say(bob, "my mail"))
    assert [m["subject"] for m in json.loads(ada_mail["reply"])["items"]] == ["For Ada only"]
    assert [m["subject"] for m in json.loads(bob_mail["reply"])["items"]] == ["For Bob only"]


async def test_a_token_refused_by_graph_is_refreshed_and_the_call_made_again(
    microsoft, ms_graph, new_user, model
):
    ada = await connected(new_user, microsoft)
    mailbox(ms_graph, ada).add_message(
        subject="Still here", sender="x@acme.com", body=".", received=received()
    )
    microsoft.expire_access_tokens()  # early: the CRM still counts the token as valid
    model(calling(("outlook_search_emails", {})))
    answer = await say(ada, "my mail")
    assert [m["subject"] for m in json.loads(answer["reply"])["items"]] == ["Still here"]
    assert len(microsoft.refreshes) == 1


async def test_a_grant_revoked_between_turns_is_said_as_a_connection_to_renew(
    ms_app, microsoft, new_user, model, admin_url
):
    ada = await connected(new_user, microsoft)
    model(calling())
    await say(ada, "hello")  # the tools were listed (and are kept) while the grant was good
    microsoft.revoke(ada.account)
    expire_soon(admin_url, ada)
    model(calling(("outlook_search_emails", {})))
    answer = await say(ada, "my mail")
    link = ms_app.state.settings.crm_base_url.rstrip("/") + "/settings/integrations"
    error = json.loads(answer["reply"])["error"]
    assert error.startswith("Your Microsoft 365 connection needs to be renewed") and link in error
    [action] = answer["actions"]
    assert action["ok"] is False and action["summary"] == error

    seen = []
    model(calling(seen=seen))
    await say(ada, "my mail again", answer["conversation_id"])
    assert "your Microsoft 365 connection needs to be renewed" in seen[0].instructions
    assert link in seen[0].instructions


async def test_a_grant_found_revoked_when_listing_leaves_the_model_told_and_no_tools(
    ms_app, microsoft, new_user, model, admin_url
):
    ada = await connected(new_user, microsoft)
    microsoft.revoke(ada.account)
    expire_soon(admin_url, ada)
    seen = []
    model(calling(seen=seen))
    await say(ada, "my mail")
    assert "your Microsoft 365 connection needs to be renewed" in seen[0].instructions
    assert not [t for t in seen[0].function_tools if t.name.startswith("outlook_")]


async def test_offline_reads_the_latest_mail_and_mail_from_a_contact(
    microsoft, ms_graph, new_user, model
):
    ada = await connected(new_user, microsoft)
    box = mailbox(ms_graph, ada)
    box.add_message(subject="Old news", sender="bob@else.com", body=".", received=received(5))
    box.add_message(subject="Quote", sender="jane@acme.com", body=".", received=received(1))
    await ada.browser.post(
        "/api/v1/contacts", json={"name": "Jane Doe", "email": "jane@acme.com"}, headers=ada.headers
    )
    model(None)
    latest = await say(ada, "show my latest 2 e-mails")
    assert latest["provider"] == "offline"
    lines = latest["reply"].split("\n")
    assert lines[0] == "Your latest e-mails:"
    assert "Jane <jane@acme.com>: Quote" in lines[1] and "Old news" in lines[2]
    from_jane = await say(ada, "e-mails from Jane", latest["conversation_id"])
    assert from_jane["reply"].startswith("E-mails from jane@acme.com:\n")
    assert "Quote" in from_jane["reply"] and "Old news" not in from_jane["reply"]


async def test_offline_finds_a_document_by_name(microsoft, ms_graph, new_user, model):
    ada = await connected(new_user, microsoft)
    mailbox(ms_graph, ada).onedrive.add_file("Clients/Q3 report.docx", b"not read here")
    model(None)
    answer = await say(ada, "find the document Q3 report")
    assert answer["reply"].startswith("Documents matching “Q3 report”:\n- Q3 report.docx: https://")


async def test_offline_without_microsoft_365_says_how_to_connect(new_user, model):
    ada = await new_user()
    model(None)
    answer = await say(ada, "show my latest e-mails")
    assert "Neither Microsoft 365 nor Google is connected" in answer["reply"]
    assert "/settings/integrations" in answer["reply"]


async def test_the_tools_work_through_a_separate_mcp_server_over_http(
    ms_app, microsoft, ms_graph, new_user, model, monkeypatch
):
    integrations = ms_app.state.integrations
    with ServedApp(create_http_app(ms_app.state.settings)) as served:
        remote = integrations.settings.model_copy(update={"mcp_microsoft365_url": served.url})
        monkeypatch.setattr(integrations, "settings", remote)
        ada = await connected(new_user, microsoft)
        mailbox(ms_graph, ada).add_message(
            subject="Over HTTP", sender="x@acme.com", body=".", received=received()
        )
        model(calling(("outlook_search_emails", {})))
        answer = await say(ada, "my mail")
    assert [m["subject"] for m in json.loads(answer["reply"])["items"]] == ["Over HTTP"]


async def test_an_mcp_server_that_does_not_answer_is_said_in_words(
    ms_app, microsoft, new_user, model, monkeypatch
):
    ada = await connected(new_user, microsoft)
    model(calling())
    await say(ada, "hello")  # listed in-process
    integrations = ms_app.state.integrations
    dead = integrations.settings.model_copy(update={"mcp_microsoft365_url": "http://127.0.0.1:9"})
    monkeypatch.setattr(integrations, "settings", dead)
    model(calling(("outlook_search_emails", {})))
    answer = await say(ada, "my mail")
    assert json.loads(answer["reply"])["error"] == (
        "Microsoft 365's tools did not answer; try again in a moment."
    )


async def test_a_teams_meeting_waits_for_yes_and_invites_the_contact(
    microsoft, ms_graph, new_user, model
):
    ada = await connected(new_user, microsoft)
    marco = await ada.browser.post(
        "/api/v1/contacts",
        json={"name": "Marco Polo", "email": "marco@acme.com"},
        headers=ada.headers,
    )
    meeting = {
        "subject": "Catch-up",
        "start": "2026-12-10T15:00:00+01:00",
        "attendees": ["marco@acme.com"],
        "duration_minutes": 30,
    }
    rome = {"time_zone": "Europe/Rome"}
    assert (await ada.browser.patch("/api/v1/me", json=rome, headers=ada.headers)).is_success
    model(calling(("teams_create_meeting", meeting)))
    asked = await say(ada, "set up a Teams call with Marco on Thursday at 3")
    assert asked["pending"]["summary"] == (
        f"Create a Teams meeting “Catch-up” from Ada Lovelace <{ada.account.mail}> on "
        "Thursday 10 December 2026 at 15:00 (Europe/Rome) for 30 minutes, inviting "
        "marco@acme.com"
    )
    assert mailbox(ms_graph, ada).events == {}
    done = await say(ada, "yes", asked["conversation_id"])
    assert done["reply"] == (
        "Created the Teams meeting “Catch-up” on Thursday 10 December 2026 at 15:00 "
        "(Europe/Rome) with marco@acme.com."
    )
    [event] = mailbox(ms_graph, ada).events.values()
    assert event["subject"] == "Catch-up" and event["isOnlineMeeting"] is True
    assert done["actions"][0]["entity_id"] == marco.json()["id"]
    history = (
        await ada.browser.get(
            f"/api/v1/contacts/{marco.json()['id']}/activity", headers=ada.headers
        )
    ).json()["items"]
    assert history[0]["action"] == "invited"


def proposal_by_email(messages, info):
    """A model that finds the proposal in SharePoint, then e-mails Jane its link."""
    returns = [p.content for m in messages for p in m.parts if isinstance(p, ToolReturnPart)]
    if not returns:
        return ModelResponse(
            parts=[ToolCallPart("sharepoint_search_documents", {"query": "Proposal"})]
        )
    if len(returns) == 1:
        link = returns[0]["items"][0]["web_url"]
        send = {"to": ["jane@acme.com"], "subject": "Proposal", "body": f"Hi Jane, here: {link}"}
        return ModelResponse(parts=[ToolCallPart("outlook_send_email", send)])
    return ModelResponse(parts=[TextPart("Waiting for your yes.")])


async def test_e_mail_jane_the_proposal_from_sharepoint(microsoft, ms_graph, new_user, model):
    ada = await connected(new_user, microsoft)
    document = mailbox(ms_graph, ada).onedrive.add_file("Clients/Proposal.docx", b"...")
    model(FunctionModel(proposal_by_email))
    asked = await say(ada, "e-mail Jane the proposal from SharePoint")
    link = asked["pending"]["summary"].rsplit("here: ", 1)[1]
    assert link.startswith("https://") and link.endswith(document["name"])
    assert mailbox(ms_graph, ada).sent == []
    await say(ada, "yes", asked["conversation_id"])
    [sent] = mailbox(ms_graph, ada).sent
    assert sent["body"]["content"] == f"Hi Jane, here: {link}"

"""The tools of the user's connected Microsoft 365 on /mcp and through `crm mcp`, with the
official MCP client: they act with the token's own user's account (never another user's),
and a send leaves the CRM only once confirmed, by elicitation or `confirm: true`."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
from mcp import Client
from mcp_types import ElicitResult, Tool

from crm.assistant.connected_services import SERVICES
from crm.mcp.connected import ConnectedTools
from tests.conftest import PASSWORD, bearer
from tests.integrations.conftest import (  # noqa: F401
    User,
    connect,
    connect_google,
    google_standin,
    microsoft,
    ms_graph,
)
from tests.mcp.conftest import make_token, mcp_client, person_with_token
from tests.mcp.test_stdio import crm_mcp
from tests.standins.microsoft_identity import MicrosoftAccount

SEND = {"to": ["jane@acme.com"], "subject": "Proposal", "body": "Here it is."}


async def connected(live: str, microsoft, name: str = "Ada Lovelace") -> User:  # noqa: F811
    """A user signed in in a browser of their own, with Microsoft 365 connected."""
    user = await signed_in(live, name)
    assert (await connect(user, microsoft)).status_code == 303
    return user


async def signed_in(live: str, name: str = "Ada Lovelace") -> User:
    """A user signed in in a browser of their own (the cookie session)."""
    browser = httpx.AsyncClient(base_url=live, timeout=30)
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    registered = await browser.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert registered.status_code == 201, registered.text
    signed_in = await browser.post(
        "/api/v1/auth/session", json={"email": email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    me = (await browser.get("/api/v1/me", headers=bearer(registered.json()))).json()
    mail = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@contoso.com"
    return User(
        browser,
        bearer(registered.json()),
        uuid.UUID(me["id"]),
        uuid.UUID(me["workspace_id"]),
        MicrosoftAccount(name, mail),
    )


async def token_of(user: User, scope: str = "write") -> str:
    return (await make_token(user.browser, user, scope))["token"]  # type: ignore[arg-type]


def mailbox(graph, user: User):
    return graph.mailbox(user.account.mail, user.account.display_name)


def data(result) -> dict:
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


async def test_each_token_reaches_its_own_users_mailbox_and_nobody_elses(
    live,
    rest,
    microsoft,  # noqa: F811
    ms_graph,  # noqa: F811
):
    ada, bob = await connected(live, microsoft, "Ada Lovelace"), await connected(live, microsoft)
    received = datetime.now(UTC) - timedelta(hours=1)
    for user, subject in ((ada, "For Ada only"), (bob, "For Bob only")):
        mailbox(ms_graph, user).add_message(
            subject=subject, sender="x@acme.com", body=".", received=received
        )
    async with mcp_client(live, await token_of(ada)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        found = data(await client.call_tool("outlook_search_emails", {}))
        who = (await client.call_tool("auth_status", {})).content[0].text
    assert {"create_contact", "outlook_search_emails", "teams_create_meeting"} <= set(tools)
    assert tools["outlook_search_emails"].annotations.read_only_hint is True
    send = tools["outlook_send_email"]
    assert "confirm" in send.input_schema["properties"] and "`confirm: true`" in send.description
    assert "confirm" not in tools["outlook_search_emails"].input_schema["properties"]
    assert [m["subject"] for m in found["items"]] == ["For Ada only"]
    assert ada.account.mail in who and bob.account.mail not in who
    for user in (ada, bob):
        await user.browser.aclose()

    _, plain = await person_with_token(rest, name="Carl Gauss")
    async with mcp_client(live, plain) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        refused = await client.call_tool("outlook_search_emails", {})
    assert "create_contact" in names and not [n for n in names if n.startswith("outlook_")]
    assert refused.is_error and "no tool named" in refused.content[0].text


async def test_a_send_without_confirmation_sends_nothing_then_goes_once_with_confirm(
    live,
    microsoft,  # noqa: F811
    ms_graph,  # noqa: F811
):
    ada = await connected(live, microsoft)
    jane = await ada.browser.post(
        "/api/v1/contacts", json={"name": "Jane Doe", "email": "jane@acme.com"}, headers=ada.headers
    )
    outbox = mailbox(ms_graph, ada).sent
    async with mcp_client(live, await token_of(ada), mode="legacy") as client:
        refused = await client.call_tool("outlook_send_email", SEND)
        assert refused.is_error and "confirm: true" in refused.content[0].text
        assert outbox == []
        sent = await client.call_tool("outlook_send_email", {**SEND, "confirm": True})
    assert not sent.is_error, sent.content
    [message] = outbox
    assert message["subject"] == "Proposal"
    assert message["toRecipients"] == [{"emailAddress": {"address": "jane@acme.com"}}]
    history = (
        await ada.browser.get(f"/api/v1/contacts/{jane.json()['id']}/activity", headers=ada.headers)
    ).json()["items"]
    assert (history[0]["action"], history[0]["channel"], history[0]["client"]) == (
        "emailed",
        "mcp",
        "Claude Desktop",
    )
    assert "Sent the e-mail “Proposal” to jane@acme.com" in history[0]["changes"]["summary"]
    await ada.browser.aclose()


async def test_elicitation_shows_the_send_and_only_a_yes_sends_it(
    live,
    microsoft,  # noqa: F811
    ms_graph,  # noqa: F811
):
    ada = await connected(live, microsoft)
    asked: list[str] = []
    answer = "decline"

    async def elicit(context, params):
        asked.append(params.message)
        if answer == "accept":
            return ElicitResult(action="accept", content={"confirm": True})
        return ElicitResult(action="decline")

    outbox = mailbox(ms_graph, ada).sent
    async with mcp_client(live, await token_of(ada), elicitation_callback=elicit) as client:
        declined = await client.call_tool("outlook_send_email", SEND)
        assert declined.is_error and "did not confirm" in declined.content[0].text
        assert outbox == []
        answer = "accept"
        sent = await client.call_tool("outlook_send_email", SEND)
    assert not sent.is_error and len(outbox) == 1
    assert asked[0] == (
        f"Send this e-mail from Ada Lovelace <{ada.account.mail}>\nTo: jane@acme.com\n"
        "Subject: Proposal\n\nHere it is.\n\nGo ahead?"
    )
    await ada.browser.aclose()


async def test_a_meeting_is_confirmed_at_its_time_in_the_users_zone(
    live,
    microsoft,  # noqa: F811
    ms_graph,  # noqa: F811
):
    ada = await connected(live, microsoft)
    rome = {"time_zone": "Europe/Rome"}
    assert (await ada.browser.patch("/api/v1/me", json=rome, headers=ada.headers)).is_success
    asked: list[str] = []

    async def elicit(context, params):
        asked.append(params.message)
        return ElicitResult(action="decline")

    meeting = {"subject": "Kick-off", "start": "2026-12-10T14:00:00Z", "attendees": []}
    async with mcp_client(live, await token_of(ada), elicitation_callback=elicit) as client:
        declined = await client.call_tool("teams_create_meeting", meeting)
    assert declined.is_error
    assert "on Thursday 10 December 2026 at 15:00 (Europe/Rome)" in asked[0]
    await ada.browser.aclose()


async def test_gmail_is_searched_and_sent_from_as_the_tokens_own_google_account(
    live,
    google_standin,  # noqa: F811
):
    google, gmail, _ = google_standin
    grace, alan = await signed_in(live, "Grace Hopper"), await signed_in(live, "Alan Turing")
    accounts = [await connect_google(u, google) for u in (grace, alan)]
    for account in accounts:
        subject = f"Renewal for {account.name}"
        gmail.add_message(account, subject=subject, sender="jane@acme.com", text="We renew.")
    async with mcp_client(live, await token_of(grace)) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        found = await client.call_tool("gmail_search_messages", {"query": "renewal"})
        sent = await client.call_tool("gmail_send_message", {**SEND, "confirm": True})
    assert {"gmail_search_messages", "google_auth_status", "list_contacts"} <= listed
    assert [m["subject"] for m in data(found)["items"]] == ["Renewal for Grace Hopper"]
    assert not sent.is_error
    assert [m["Subject"] for m in gmail.box(accounts[0]).sent] == ["Proposal"]
    assert gmail.box(accounts[1]).sent == []
    for user in (grace, alan):
        await user.browser.aclose()


async def test_a_read_token_searches_but_cannot_send(
    live,
    microsoft,  # noqa: F811
    ms_graph,  # noqa: F811
):
    ada = await connected(live, microsoft)
    async with mcp_client(live, await token_of(ada, "read")) as client:
        assert "items" in data(await client.call_tool("outlook_search_emails", {}))
        refused = await client.call_tool("outlook_send_email", {**SEND, "confirm": True})
    assert refused.is_error and "only read" in refused.content[0].text
    assert mailbox(ms_graph, ada).sent == []
    await ada.browser.aclose()


async def test_crm_mcp_over_stdio_serves_the_connected_tools_too(
    live,
    microsoft,  # noqa: F811
    ms_graph,  # noqa: F811
):
    ada = await connected(live, microsoft)
    async with Client(crm_mcp(live, await token_of(ada)), mode="legacy") as client:
        names = {t.name for t in (await client.list_tools()).tools}
        who = await client.call_tool("auth_status", {})
        refused = await client.call_tool("outlook_send_email", SEND)
    assert {"create_contact", "outlook_send_email", "sharepoint_search_documents"} <= names
    assert ada.account.mail in who.content[0].text
    assert refused.is_error and "confirm: true" in refused.content[0].text
    assert mailbox(ms_graph, ada).sent == []
    await ada.browser.aclose()


async def test_a_name_already_served_is_served_under_its_service_name():
    def toolset(service: str) -> SimpleNamespace:
        return SimpleNamespace(tools=SERVICES[service])

    listings = {
        "ms365": [
            Tool(name="auth_status", input_schema={}),
            Tool(name="list_contacts", input_schema={}),
        ],
        "google": [Tool(name="auth_status", input_schema={})],
    }
    tools = ConnectedTools(state=None)

    async def toolsets(session, actor):
        return [toolset("ms365"), toolset("google")]

    async def listing(session, actor, toolset):
        return listings[toolset.tools.service]

    tools._toolsets, tools._listing = toolsets, listing
    served = await tools.served(None, None, taken={"list_contacts"})
    assert {name: s.tool.name for name, s in served.items()} == {
        "auth_status": "auth_status",
        "ms365_list_contacts": "list_contacts",
        "google_auth_status": "auth_status",
    }

    async def only_google(session, actor):
        return [toolset("google")]

    tools._toolsets = only_google  # the name the assistant offers it under, whoever is connected
    served = await tools.served(None, None, taken=set())
    assert {name: s.tool.name for name, s in served.items()} == {
        "google_auth_status": "auth_status"
    }


async def consent_page(user: User) -> str:
    """The consent page an MCP client's authorization request shows the user."""
    client = await user.browser.post(
        "/oauth/register",
        json={"client_name": "Claude", "redirect_uris": ["http://127.0.0.1:9/callback"]},
    )
    assert client.status_code == 201, client.text
    query = {
        "response_type": "code",
        "client_id": client.json()["client_id"],
        "redirect_uri": "http://127.0.0.1:9/callback",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "state": "s",
    }
    sent = await user.browser.get("/oauth/authorize", params=query)
    assert sent.status_code == 302, sent.text
    page = await user.browser.get(sent.headers["location"])
    assert page.status_code == 200, page.text
    return " ".join(page.text.split())


async def test_the_consent_page_names_the_connected_services_the_client_gets_too(
    live,
    rest,
    microsoft,  # noqa: F811
):
    ada = await connected(live, microsoft)
    shown = await consent_page(ada)
    assert "It can also use your connected Microsoft 365 (mail, files and meetings) as you." in (
        shown
    )
    assert "and sending, sharing or uploading anything, always asks you first" in shown
    bob = await signed_in(live, "Bob Babbage")
    plain = await consent_page(bob)
    assert "connected" not in plain and "Deleting a record always asks you first" in plain
    for user in (ada, bob):
        await user.browser.aclose()

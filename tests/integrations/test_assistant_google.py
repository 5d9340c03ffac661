"""The assistant with Google Workspace connected (and with Microsoft 365 too), through POST
/api/v1/chat with a scripted model (FunctionModel) or the offline interpreter, against the
Google and Microsoft stand-ins over HTTP: Gmail searched as the connected user, a send held and
sent once after "yes", "Outlook or Gmail?" when both are connected, another user's token never
used, the tool budget with both connected, reminders through Gmail and the user's choice of
mailbox in Settings → Notifications."""

import asyncio
import json
from collections.abc import AsyncIterator
from email.message import EmailMessage

import pytest
from fastapi import FastAPI

from crm.app import create_app
from crm.assistant.connected_services import SERVICES
from crm.assistant.groups import TOOL_SCHEMA_BUDGET, schema_bytes
from crm.integrations.google.tools import TOOLS as GOOGLE_TOOLS
from crm.integrations.ms365.tools import TOOLS as MICROSOFT_TOOLS
from crm.integrations.service import redirect_uri
from tests.conftest import make_settings
from tests.integrations.conftest import User, connect, connect_google
from tests.integrations.test_assistant import calling, mailbox, model, received, say
from tests.integrations.test_reminder_mail import deliver_now, due_reminder, via
from tests.integrations.test_tokens import expire_soon
from tests.smtp import SMTPServer
from tests.standins.google import GoogleAccount
from tests.standins.google_apis import GOOGLE_DOC, GoogleAPIs, Mailbox
from tests.web.pages import post_form

__all__ = ["model"]  # the fixture, shared with the Microsoft 365 tests


@pytest.fixture(scope="module")
async def ms_app(admin_url: str, identity_server, google_standin) -> AsyncIterator[FastAPI]:
    """An app that knows both services (the Microsoft tests' users and fixtures use it)."""
    microsoft, ms_server = identity_server
    identity, _, server = google_standin
    settings = make_settings(
        admin_url, **microsoft.crm_settings(ms_server.url), **identity.crm_settings(server.url)
    )
    application = create_app(settings)
    microsoft.redirect_uris.add(redirect_uri(application.state.settings, "ms365"))
    identity.redirect_uris.add(redirect_uri(application.state.settings, "google"))
    async with application.router.lifespan_context(application):
        yield application


def box(gmail: GoogleAPIs, account: GoogleAccount) -> Mailbox:
    return gmail.box(account)


async def contact(user: User, name: str, email: str) -> str:
    made = await user.browser.post(
        "/api/v1/contacts", json={"name": name, "email": email}, headers=user.headers
    )
    assert made.status_code == 201, made.text
    return made.json()["id"]


async def activity(user: User, contact_id: str) -> list[dict]:
    found = await user.browser.get(f"/api/v1/contacts/{contact_id}/activity", headers=user.headers)
    return found.json()["items"]


async def test_a_turn_searches_gmail_as_the_connected_user(google, gmail, new_user, model):
    grace = await new_user("Grace Hopper")
    account = await connect_google(grace, google)
    gmail.add_message(account, subject="Acme renewal", sender="jane@acme.com", text="We renew.")
    seen = []
    model(calling(("gmail_search_messages", {"query": "renewal"}), seen=seen))
    answer = await say(grace, "What did Acme say in their last e-mail?")
    found = json.loads(answer["reply"])
    assert [m["subject"] for m in found["items"]] == ["Acme renewal"]
    info = seen[0]
    assert f"Google Workspace is connected as Grace Hopper <{account.email}>" in info.instructions
    tools = {t.name: t for t in info.function_tools}
    assert {"gmail_search_messages", "gmail_send_message", "google_auth_status"} <= set(tools)
    assert not [name for name in tools if name.startswith(("drive_", "calendar_"))]
    assert "confirm" in tools["gmail_send_message"].description


async def test_a_gmail_send_waits_for_yes_with_its_preview_and_goes_once(
    google, gmail, new_user, model
):
    grace = await new_user("Grace Hopper")
    account = await connect_google(grace, google)
    jane_id = await contact(grace, "Jane Doe", "jane@acme.com")
    body = "Hi Jane,\n\nthe proposal follows.\n\nGrace"
    send = {"to": ["jane@acme.com"], "subject": "Proposal", "body": body}
    model(calling(("gmail_send_message", send)))
    asked = await say(grace, "e-mail Jane the proposal")
    assert box(gmail, account).sent == []
    assert asked["pending"]["summary"] == (
        f"Send this e-mail from Grace Hopper <{account.email}>\nTo: jane@acme.com\n"
        f"Subject: Proposal\n\n{body}"
    )
    done = await say(grace, "yes", asked["conversation_id"])
    assert done["reply"] == "Sent the e-mail “Proposal” to jane@acme.com from Gmail."
    [sent] = box(gmail, account).sent
    assert sent["To"] == "jane@acme.com" and sent["Subject"] == "Proposal"
    assert sent.get_content().strip() == body
    model(calling())
    await say(grace, "yes", asked["conversation_id"])  # nothing waits any more
    assert len(box(gmail, account).sent) == 1
    [entry, *_] = await activity(grace, jane_id)
    assert (entry["action"], entry["channel"]) == ("emailed", "assistant")
    assert entry["changes"]["summary"] == done["actions"][0]["summary"]


async def test_two_users_gmail_turns_each_use_their_own_account(google, gmail, new_user, model):
    grace, alan = await new_user("Grace Hopper"), await new_user("Alan Turing")
    accounts = [await connect_google(u, google) for u in (grace, alan)]
    for account in accounts:
        gmail.add_message(account, subject=f"For {account.name}", sender="x@acme.com", text=".")
    model(calling(("gmail_search_messages", {}), ("google_auth_status", {})))
    for _ in range(2):  # the second round with both listings cached
        answers = await asyncio.gather(*(say(u, "my mail and who I am") for u in (grace, alan)))
        for account, answer in zip(accounts, answers, strict=True):
            assert json.loads(answer["reply"])["email"] == account.email
    model(calling(("gmail_search_messages", {})))
    mails = await asyncio.gather(say(grace, "my mail"), say(alan, "my mail"))
    for account, answer in zip(accounts, mails, strict=True):
        assert [m["subject"] for m in json.loads(answer["reply"])["items"]] == [
            f"For {account.name}"
        ]


async def test_with_both_connected_a_send_asks_outlook_or_gmail_first(
    microsoft, ms_graph, google, gmail, new_user, model
):
    ada = await new_user("Ada Lovelace")
    assert (await connect(ada, microsoft)).status_code == 303
    account = await connect_google(ada, google)
    send = {"to": ["jane@acme.com"], "subject": "Proposal", "body": "Hi"}
    seen = []
    model(calling(("outlook_send_email", send), seen=seen))
    asked = await say(ada, "e-mail Jane the proposal")
    assert "Outlook or Gmail?" in asked["reply"] and asked["pending"] is None
    assert "ask “Outlook or Gmail?”" in seen[0].instructions
    offered = {t.name for t in seen[0].function_tools}
    assert {"outlook_send_email", "gmail_send_message"} <= offered  # both mail groups
    assert schema_bytes(seen[0].function_tools) <= TOOL_SCHEMA_BUDGET
    # (The scripted model counts the conversation's tool answers: the second call is next.)
    model(calling(("outlook_send_email", send), ("gmail_send_message", send)))
    held = await say(ada, "from Gmail", asked["conversation_id"])
    assert held["pending"]["summary"].startswith(
        f"Send this e-mail from Ada Lovelace <{account.email}>"
    )
    await say(ada, "yes", asked["conversation_id"])
    assert len(box(gmail, account).sent) == 1 and mailbox(ms_graph, ada).sent == []


async def test_a_message_that_names_the_mailbox_is_held_at_once(
    microsoft, ms_graph, google, new_user, model
):
    ada = await new_user("Ada Lovelace")
    assert (await connect(ada, microsoft)).status_code == 303
    await connect_google(ada, google)
    seen = []
    send = {"to": ["jane@acme.com"], "subject": "Proposal", "body": "Hi"}
    model(calling(("outlook_send_email", send), seen=seen))
    asked = await say(ada, "send Jane the proposal from my Outlook")
    assert asked["pending"]["tool"] == "outlook_send_email"
    offered = {t.name for t in seen[0].function_tools}
    assert "outlook_send_email" in offered and "gmail_send_message" not in offered


async def test_with_both_connected_every_tool_is_reachable_and_a_request_stays_in_budget(
    microsoft, google, new_user, model
):
    ada = await new_user("Ada Lovelace")
    assert (await connect(ada, microsoft)).status_code == 303
    await connect_google(ada, google)
    groups = [spec.id for service in SERVICES.values() for spec in service.specs]
    seen = []
    model(calling(*[("load_capability", {"id": g}) for g in groups], seen=seen))
    await say(ada, "hello")
    last = {t.name for t in seen[-1].function_tools}
    renamed = {"auth_status": "google_auth_status"}
    wanted = {t.name for t in MICROSOFT_TOOLS} | {renamed.get(t.name, t.name) for t in GOOGLE_TOOLS}
    assert wanted <= last and len(wanted) == 40
    for message in (
        "what did Acme write in their last e-mail?",
        "find the proposal document and share it with Jane",
        "set up a meeting with Marco on Thursday at 3pm",
    ):
        seen.clear()
        model(calling(seen=seen))
        await say(ada, message)
        assert schema_bytes(seen[0].function_tools) <= TOOL_SCHEMA_BUDGET, message


async def test_a_google_calendar_event_waits_for_yes_with_its_time_in_words(
    google, gmail, new_user, model
):
    grace = await new_user("Grace Hopper")
    account = await connect_google(grace, google)
    marco_id = await contact(grace, "Marco Polo", "marco@acme.com")
    rome = {"time_zone": "Europe/Rome"}
    assert (await grace.browser.patch("/api/v1/me", json=rome, headers=grace.headers)).is_success
    event = {
        "subject": "Catch-up",
        "start": "2026-12-10T14:00:00Z",
        "end": "2026-12-10T14:30:00Z",
        "attendees": ["marco@acme.com"],
        "google_meet": True,
    }
    model(calling(("calendar_create_event", event)))
    asked = await say(grace, "set up a Google Meet with Marco on Thursday at 3")
    assert asked["pending"]["summary"] == (
        f"Create the Google Calendar event “Catch-up” in Grace Hopper <{account.email}>'s "
        "calendar from Thursday 10 December 2026 at 15:00 (Europe/Rome) to Thursday 10 "
        "December 2026 at 15:30 (Europe/Rome) with a Google Meet link, inviting marco@acme.com"
    )
    assert box(gmail, account).calendar.events == {}
    done = await say(grace, "yes", asked["conversation_id"])
    [made] = box(gmail, account).calendar.events.values()
    assert made["summary"] == "Catch-up" and made["hangoutLink"].startswith("https://meet.")
    assert done["actions"][0]["entity_id"] == marco_id
    assert (await activity(grace, marco_id))[0]["action"] == "invited"


async def test_an_upload_too_big_for_the_chat_is_refused_and_nothing_is_held(
    ms_app, google, gmail, new_user, model, admin_url
):
    grace = await new_user("Grace Hopper")
    account = await connect_google(grace, google)
    upload = {"name": "big.txt", "content_text": "x" * 300_000}
    model(calling(("drive_upload_file", upload)))
    answer = await say(grace, "upload this file to my Drive")
    error = json.loads(answer["reply"])["error"]
    assert error.startswith("Too large to send from the chat (293 KB; at most 256 KB)")
    assert answer["pending"] is None and box(gmail, account).files == {}
    small = {"name": "notes.txt", "content_text": "Call Jane on Monday."}
    model(calling(("drive_upload_file", small)))
    asked = await say(grace, "upload my notes to Drive", answer["conversation_id"])
    assert asked["pending"]["summary"] == (
        f"Upload notes.txt (20 bytes) to Google Drive of Grace Hopper <{account.email}>"
    )
    await say(grace, "yes", asked["conversation_id"])
    [uploaded] = box(gmail, account).files.values()
    assert uploaded["name"] == "notes.txt"


async def test_offline_reads_gmail_and_finds_a_drive_document(google, gmail, new_user, model):
    grace = await new_user("Grace Hopper")
    account = await connect_google(grace, google)
    gmail.add_message(account, subject="Quote", sender="Jane <jane@acme.com>", text="Here.")
    gmail.add_file(account, "Q3 report", b"The quarter.", GOOGLE_DOC)
    await contact(grace, "Jane Doe", "jane@acme.com")
    model(None)
    latest = await say(grace, "show my latest e-mails")
    assert latest["provider"] == "offline"
    assert latest["reply"].startswith(
        "Your latest e-mails:\n- 2026-12-01 09:00 Jane <jane@acme.com>: Quote\n\n"
    )
    from_jane = await say(grace, "e-mails from Jane", latest["conversation_id"])
    assert from_jane["reply"].startswith("E-mails from jane@acme.com:\n- ")
    found = await say(grace, "find the document Q3 report", latest["conversation_id"])
    assert found["reply"].startswith("Documents matching “Q3 report”:\n- Q3 report: https://")


async def test_offline_with_both_connected_reads_both_mailboxes(
    microsoft, ms_graph, google, gmail, new_user, model
):
    ada = await new_user("Ada Lovelace")
    assert (await connect(ada, microsoft)).status_code == 303
    account = await connect_google(ada, google)
    mailbox(ms_graph, ada).add_message(
        subject="From Outlook", sender="bob@else.com", body=".", received=received()
    )
    gmail.add_message(account, subject="From Gmail", sender="jane@acme.com", text=".")
    model(None)
    lines = (await say(ada, "show my latest e-mails"))["reply"].split("\n")
    assert lines[0] == "Your latest e-mails:" and lines[1] == "Outlook:"
    assert "From Outlook" in lines[2] and lines[3] == "Gmail:" and "From Gmail" in lines[4]


async def test_a_reminder_goes_out_through_gmail_when_google_is_connected(
    ms_app, google, gmail, new_user, admin_url
):
    grace = await new_user("Grace Hopper")
    account = await connect_google(grace, google)
    reminder_id = await due_reminder(grace, "Call Jane")
    with SMTPServer() as smtp:
        assert await deliver_now(ms_app, admin_url, grace, smtp) == 1
        assert smtp.inbox.messages == []
    [sent] = box(gmail, account).sent
    me = (await grace.browser.get("/api/v1/me", headers=grace.headers)).json()
    assert sent["Subject"] == "Reminder: Call Jane" and sent["To"] == me["email"]
    assert isinstance(sent, EmailMessage) and "Call Jane" in sent.get_body(("html",)).get_content()
    assert via(admin_url, reminder_id) == ("sent", "gmail")


async def test_the_user_chooses_the_mailbox_of_reminders_in_settings(
    ms_app, microsoft, ms_graph, google, gmail, new_user, admin_url
):
    ada = await new_user("Ada Lovelace")
    assert (await connect(ada, microsoft)).status_code == 303
    account = await connect_google(ada, google)
    page = (await ada.browser.get("/settings/notifications")).text
    assert f"Gmail ({account.email})" in page and f"Outlook ({ada.account.mail})" in page
    first = await due_reminder(ada, "Automatic")  # Outlook first when both are connected
    assert await deliver_now(ms_app, admin_url, ada) == 1
    assert via(admin_url, first) == ("sent", "microsoft365")

    chosen = await post_form(ada.browser, "/settings/notifications/mailbox", {"mailbox": "google"})
    assert chosen.status_code == 200 and "Your choice is saved." in chosen.text
    assert 'value="google" checked' in chosen.text
    second = await due_reminder(ada, "Through Gmail")
    assert await deliver_now(ms_app, admin_url, ada) == 1
    assert via(admin_url, second) == ("sent", "gmail")
    assert [m["Subject"] for m in box(gmail, account).sent] == ["Reminder: Through Gmail"]

    await post_form(ada.browser, "/settings/notifications/mailbox", {"mailbox": "smtp"})
    third = await due_reminder(ada, "Through SMTP")
    with SMTPServer() as smtp:
        assert await deliver_now(ms_app, admin_url, ada, smtp) == 1
        assert [m["Subject"] for m in smtp.inbox.messages] == ["Reminder: Through SMTP"]
    assert via(admin_url, third) == ("sent", "smtp")

    refused = await post_form(ada.browser, "/settings/notifications/mailbox", {"mailbox": "fax"})
    assert refused.status_code == 422 and "not a mailbox" in refused.text


async def test_a_drive_share_waits_for_yes_and_is_logged_on_the_contact(
    google, gmail, new_user, model
):
    grace = await new_user("Grace Hopper")
    account = await connect_google(grace, google)
    jane_id = await contact(grace, "Jane Doe", "jane@acme.com")
    file_id = gmail.add_file(account, "Proposal", b"The offer.", GOOGLE_DOC)
    share = {"file_id": file_id, "email": "jane@acme.com", "role": "writer"}
    model(calling(("drive_share_file", share)))
    asked = await say(grace, "share the proposal document with Jane")
    preview = (
        f"Share the Google Drive file {file_id} from Grace Hopper <{account.email}> with "
        "jane@acme.com (edit)"
    )
    assert asked["pending"]["summary"] == preview
    assert box(gmail, account).permissions == []
    done = await say(grace, "yes", asked["conversation_id"])
    [permission] = box(gmail, account).permissions
    assert permission["emailAddress"] == "jane@acme.com" and permission["role"] == "writer"
    assert done["reply"] == "Shared" + preview.removeprefix("Share") + "."
    assert (await activity(grace, jane_id))[0]["action"] == "shared a file with"


async def test_a_revoked_google_grant_is_said_and_outlook_sends_without_asking(
    ms_app, microsoft, ms_graph, google, new_user, model, admin_url
):
    ada = await new_user("Ada Lovelace")
    assert (await connect(ada, microsoft)).status_code == 303
    account = await connect_google(ada, google)
    google.revoke(account)
    expire_soon(admin_url, ada)  # both tokens are refreshed: Microsoft's works, Google's not
    seen = []
    send = {"to": ["jane@acme.com"], "subject": "Proposal", "body": "Hi"}
    model(calling(("outlook_send_email", send), seen=seen))
    asked = await say(ada, "e-mail Jane the proposal")
    assert "your Google Workspace connection needs to be renewed" in seen[0].instructions
    assert "Microsoft 365 is connected as" in seen[0].instructions
    offered = {t.name for t in seen[0].function_tools}
    assert "outlook_send_email" in offered and not any(n.startswith("gmail_") for n in offered)
    assert asked["pending"]["tool"] == "outlook_send_email"  # one mailbox left: no question
    await say(ada, "yes", asked["conversation_id"])
    assert len(mailbox(ms_graph, ada).sent) == 1

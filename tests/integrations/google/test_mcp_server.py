"""The Google Workspace MCP server through the official MCP client over streamable HTTP (its
own server, each request's Bearer token) and stdio (`crm mcp-server google`, the token from
GOOGLE_ACCESS_TOKEN), against the Gmail, Calendar and Drive stand-in: every tool listed and
called, paging with nextPageToken, 429 retried, 401 in words, and two users with two Google
accounts never seeing each other's mail."""

import base64
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from crm.config import Settings
from crm.integrations.google.mcp_server import create_http_app
from tests.integrations.files import make_docx, make_xlsx
from tests.integrations.ms365.conftest import answer, connected, failure
from tests.standins import StandInServer
from tests.standins.google import GoogleAccount, GoogleIdentity
from tests.standins.google_apis import GOOGLE_DOC, GoogleAPIs
from tests.standins.serving import ServedApp

READ_ONLY = {
    "gmail_search_messages",
    "gmail_get_message",
    "gmail_list_labels",
    "calendar_list_calendars",
    "calendar_list_events",
    "drive_search_files",
    "drive_list_files",
    "drive_get_file_content",
    "auth_status",
}
EXPECTED_TOOLS = READ_ONLY | {
    "gmail_send_message",
    "gmail_create_draft",
    "calendar_create_event",
    "calendar_update_event",
    "calendar_delete_event",
    "drive_upload_file",
    "drive_share_file",
}
CRM = str(Path(sys.executable).with_name("crm"))
ROOT = str(Path(__file__).resolve().parents[3])


@pytest.fixture(scope="module")
def google() -> Iterator[tuple[GoogleIdentity, GoogleAPIs, str]]:
    identity = GoogleIdentity()
    apis = GoogleAPIs(identity)
    with StandInServer(identity, apis) as server:
        yield identity, apis, server.url


@pytest.fixture(scope="module")
def mcp_url(google) -> Iterator[str]:
    settings = Settings(google_api_url=google[2], redis_url=os.environ.get("REDIS_URL"))
    with ServedApp(create_http_app(settings)) as served:
        yield f"{served.url}/mcp"


def account(google, name: str) -> tuple[GoogleAccount, str]:
    identity, _, _ = google
    person = GoogleAccount(name, f"{name.split()[0].lower()}@example.org")
    return person, identity.token_for(person)


async def test_every_tool_is_listed_with_its_annotations(google, mcp_url):
    _, token = account(google, "Grace Hopper")
    async with connected(mcp_url, token) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == EXPECTED_TOOLS
    for name, tool in tools.items():
        assert tool.annotations.read_only_hint is (name in READ_ONLY), name
        assert tool.annotations.open_world_hint is True
    assert tools["gmail_send_message"].annotations.destructive_hint is True
    assert tools["drive_share_file"].annotations.destructive_hint is True


async def test_gmail_tools_search_read_send_draft_and_label(google, mcp_url):
    _, apis, _ = google
    grace, token = account(google, "Grace Hopper")
    apis.add_message(
        grace,
        subject="Renewal",
        sender="jane@acme.com",
        text="<p>Shall we <b>renew</b>?</p>",
        html=True,
    )
    apis.add_message(grace, subject="Lunch", sender="li@globex.com", text="Friday?")
    async with connected(mcp_url, token) as client:
        found = answer(await client.call_tool("gmail_search_messages", {"query": "renewal"}))
        [hit] = found["items"]
        assert hit["subject"] == "Renewal" and hit["from"] == "jane@acme.com" and hit["unread"]
        message = answer(await client.call_tool("gmail_get_message", {"message_id": hit["id"]}))
        assert message["body"].strip() == "Shall we renew?"
        assert message["attachments"] == ["quote.pdf"]
        sent = answer(
            await client.call_tool(
                "gmail_send_message",
                {"to": ["jane@acme.com"], "subject": "Re: Renewal", "body": "Yes, let's."},
            )
        )
        assert sent["sent"] is True
        draft = answer(
            await client.call_tool(
                "gmail_create_draft",
                {"to": [], "subject": "Ideas", "body": "<p>Hi</p>", "html": True},
            )
        )
        assert draft["draft_id"]
        labels = answer(await client.call_tool("gmail_list_labels", {}))
        assert {"id": "Label_1", "name": "Clients", "type": "user"} in labels["items"]
        missing = failure(await client.call_tool("gmail_get_message", {"message_id": "nope"}))
        assert "Google has no such item" in missing
    [mail] = apis.box(grace).sent
    assert mail["To"] == "jane@acme.com" and mail["Subject"] == "Re: Renewal"
    assert mail.get_content().strip() == "Yes, let's."
    assert apis.box(grace).drafts[0].get_content_type() == "text/html"


async def test_gmail_search_pages_with_next_page_token_up_to_the_cap(google, mcp_url):
    _, apis, _ = google
    grace, token = account(google, "Grace Hopper")
    for n in range(60):
        apis.add_message(grace, subject=f"Note {n}", sender="jane@acme.com", text="hello")
    async with connected(mcp_url, token) as client:
        found = answer(await client.call_tool("gmail_search_messages", {"top": 50}))
    assert len(found["items"]) == 50 and "more" in found
    assert found["items"][0]["subject"] == "Note 59"


async def test_calendar_tools_list_create_with_meet_update_and_delete(google, mcp_url):
    _, apis, _ = google
    grace, token = account(google, "Grace Hopper")
    async with connected(mcp_url, token) as client:
        calendars = answer(await client.call_tool("calendar_list_calendars", {}))
        assert calendars["items"][0]["primary"] is True
        created = answer(
            await client.call_tool(
                "calendar_create_event",
                {
                    "subject": "Acme renewal",
                    "start": "2026-12-10T10:00:00+00:00",
                    "end": "2026-12-10T10:30:00+00:00",
                    "attendees": ["jane@acme.com"],
                    "google_meet": True,
                },
            )
        )
        assert created["meet_link"].startswith("https://meet.google.com/")
        assert created["attendees"] == ["jane@acme.com"]
        events = answer(
            await client.call_tool(
                "calendar_list_events",
                {"start": "2026-12-10T00:00:00+00:00", "end": "2026-12-11T00:00:00+00:00"},
            )
        )
        assert [e["subject"] for e in events["items"]] == ["Acme renewal"]
        moved = answer(
            await client.call_tool(
                "calendar_update_event", {"event_id": created["id"], "subject": "Acme renewal call"}
            )
        )
        assert moved["subject"] == "Acme renewal call"
        gone = answer(await client.call_tool("calendar_delete_event", {"event_id": created["id"]}))
        assert gone["deleted"] is True
        again = failure(
            await client.call_tool("calendar_delete_event", {"event_id": created["id"]})
        )
        assert "no such item" in again  # 410 deleted, in words
    # Google keeps a deleted event as cancelled (for syncs to see), and says it is gone.
    assert [e["status"] for e in apis.box(grace).calendar.events.values()] == ["cancelled"]
    # The Meet link was asked for as Google documents it (conferenceDataVersion=1).
    assert "conferenceDataVersion=1" in "".join(r for r in apis.requests if "events?" in r)


async def test_drive_tools_read_docs_sheets_and_uploads_and_share(google, mcp_url):
    _, apis, _ = google
    grace, token = account(google, "Grace Hopper")
    doc = apis.add_file(grace, "Proposal", b"Acme proposal: 40 seats.", GOOGLE_DOC)
    word = apis.add_file(
        grace,
        "notes.docx",
        make_docx("Call notes", ["Jane will renew."]),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    sheet = apis.add_file(
        grace,
        "Pipeline",
        b"Deal,Value\r\nAcme,40000\r\n",
        "application/vnd.google-apps.spreadsheet",
    )
    apis.add_file(
        grace,
        "prices.xlsx",
        make_xlsx({"Prices": [["Plan", "Price"], ["Pro", 40]]}),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    async with connected(mcp_url, token) as client:
        listed = answer(await client.call_tool("drive_list_files", {}))
        assert {f["name"] for f in listed["items"]} == {
            "Proposal",
            "Pipeline",
            "notes.docx",
            "prices.xlsx",
        }
        csv = answer(await client.call_tool("drive_get_file_content", {"file_id": sheet}))
        assert "Acme,40000" in csv["text"]
        found = answer(await client.call_tool("drive_search_files", {"words": "proposal"}))
        assert [f["name"] for f in found["items"]] == ["Proposal"]
        text = answer(await client.call_tool("drive_get_file_content", {"file_id": doc}))
        assert text["text"] == "Acme proposal: 40 seats."
        notes = answer(await client.call_tool("drive_get_file_content", {"file_id": word}))
        assert "Jane will renew." in notes["text"]
        uploaded = answer(
            await client.call_tool(
                "drive_upload_file",
                {"name": "summary.txt", "content_base64": base64.b64encode(b"Renewed.").decode()},
            )
        )
        assert uploaded["name"] == "summary.txt"
        back = answer(await client.call_tool("drive_get_file_content", {"file_id": uploaded["id"]}))
        assert back["text"] == "Renewed."
        shared = answer(
            await client.call_tool(
                "drive_share_file",
                {"file_id": uploaded["id"], "email": "jane@acme.com", "role": "writer"},
            )
        )
        assert shared == {"shared": True, "with": "jane@acme.com", "role": "writer"}
        status = answer(await client.call_tool("auth_status", {}))
        assert status["email"] == grace.email
    [permission] = apis.box(grace).permissions
    assert permission["type"] == "user" and permission["emailAddress"] == "jane@acme.com"


async def test_a_throttled_request_is_retried_and_a_dead_token_said_in_words(google, mcp_url):
    identity, apis, _ = google
    _, token = account(google, "Grace Hopper")
    apis.throttle = 1
    async with connected(mcp_url, token) as client:
        assert answer(await client.call_tool("gmail_list_labels", {}))["items"]
        identity.expire_access_tokens()
        refused = failure(await client.call_tool("gmail_list_labels", {}))
    assert "Google did not accept the connection's access token" in refused
    assert token not in refused


async def test_two_users_with_two_google_accounts_never_see_each_others_mail(google, mcp_url):
    _, apis, _ = google
    grace, grace_token = account(google, "Grace Hopper")
    alan, alan_token = account(google, "Alan Turing")
    apis.add_message(grace, subject="Grace's secret", sender="a@acme.com", text="hers")
    alans = apis.add_message(alan, subject="Alan's secret", sender="b@acme.com", text="his")
    async with connected(mcp_url, grace_token) as g, connected(mcp_url, alan_token) as a:
        for _ in range(2):  # interleaved on one server
            mine = answer(await g.call_tool("gmail_search_messages", {}))
            theirs = answer(await a.call_tool("gmail_search_messages", {}))
            assert [m["subject"] for m in mine["items"]] == ["Grace's secret"]
            assert [m["subject"] for m in theirs["items"]] == ["Alan's secret"]
        refused = failure(await g.call_tool("gmail_get_message", {"message_id": alans}))
        assert "no such item" in refused


async def test_the_stdio_server_acts_as_the_token_in_google_access_token(google):
    _, apis, url = google
    grace, token = account(google, "Grace Hopper")
    apis.add_message(grace, subject="Renewal", sender="jane@acme.com", text="Shall we renew?")
    env = {"PYTHONPATH": ROOT, "GOOGLE_API_URL": url, "GOOGLE_ACCESS_TOKEN": token}
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    server = StdioServerParameters(
        command=CRM, args=["mcp-server", "google", "--transport", "stdio"], env=env, cwd=ROOT
    )
    async with Client(server) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        mail = answer(await client.call_tool("gmail_search_messages", {"query": "renew"}))
        status = answer(await client.call_tool("auth_status", {}))
    assert tools == EXPECTED_TOOLS
    assert [m["subject"] for m in mail["items"]] == ["Renewal"]
    assert status["email"] == grace.email


async def test_connect_serves_one_users_token_in_process(google):
    from crm.integrations.google.mcp_server import connect

    url = google[2]
    grace, token = account(google, "Grace Hopper")
    settings = Settings(google_api_url=url, redis_url=os.environ.get("REDIS_URL"))
    async with connect(token, settings=settings) as client:
        status = answer(await client.call_tool("auth_status", {}))
    assert status["email"] == grace.email


async def test_a_file_above_5_mb_is_uploaded_resumably(google, mcp_url):
    _, apis, _ = google
    grace, token = account(google, "Grace Hopper")
    data = b"x" * (6 * 1024 * 1024)
    async with connected(mcp_url, token) as client:
        uploaded = answer(
            await client.call_tool(
                "drive_upload_file",
                {"name": "big.bin", "content_base64": base64.b64encode(data).decode()},
            )
        )
    assert uploaded["size"] == "6.0 MB"
    assert apis.box(grace).contents[uploaded["id"]] == data
    assert any("uploadType=resumable" in r for r in apis.requests)

"""The Microsoft 365 MCP server over streamable HTTP, through the official MCP client, against
the Graph stand-in: every tool called, answers sized for a model, errors as sentences, each
request acting as the account whose token it carries."""

import base64
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from mcp import Client

from crm.config import Settings
from crm.integrations.ms365.graph import SIMPLE_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES
from crm.integrations.ms365.mcp_server import connect, create_server
from tests.integrations.files import make_docx, make_pdf, make_pptx, make_xlsx
from tests.integrations.ms365.conftest import (
    EXPECTED_TOOLS,
    READ_ONLY,
    access_token,
    answer,
    connected,
    failure,
    new_account,
)
from tests.standins.microsoft_graph import Account, GraphStandIn

NOW = datetime.now(UTC).replace(microsecond=0)


def _seed_mail(account: Account, count: int, sender: str = "jane@acme.com") -> None:
    for n in range(count):
        account.add_message(
            subject=f"Offer {n}",
            sender=sender,
            body=f"Offer number {n}",
            received=NOW - timedelta(hours=n),
        )


async def test_a_request_without_a_token_is_refused(mcp_url: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            mcp_url,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Accept": "application/json, text/event-stream"},
        )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_two_tokens_see_two_mailboxes(graph: GraphStandIn, mcp_url: str) -> None:
    ada = new_account(graph, "ada@contoso.com", "Ada")
    bob = new_account(graph, "bob@fabrikam.com", "Bob")
    ada.add_message(subject="Ada's renewal", sender="jane@acme.com", body="x", received=NOW)
    bob.add_message(subject="Bob's invoice", sender="li@globex.com", body="y", received=NOW)
    async with connected(mcp_url, ada.token) as as_ada, connected(mcp_url, bob.token) as as_bob:
        seen_by_ada = answer(await as_ada.call_tool("outlook_search_emails", {}))
        seen_by_bob = answer(await as_bob.call_tool("outlook_search_emails", {}))
        status = answer(await as_bob.call_tool("auth_status", {}))
    assert [m["subject"] for m in seen_by_ada["items"]] == ["Ada's renewal"]
    assert [m["subject"] for m in seen_by_bob["items"]] == ["Bob's invoice"]
    assert status["account"] == "bob@fabrikam.com"
    assert status["scopes"][:2] == ["User.Read", "Mail.ReadWrite"]


async def test_an_unknown_token_is_answered_with_a_sentence(mcp_url: str) -> None:
    async with connected(mcp_url, access_token()) as client:
        sentence = failure(await client.call_tool("outlook_list_folders", {}))
    assert "did not accept the connection's access token" in sentence
    assert "Settings → Integrations" in sentence


async def test_search_pages_through_graph_and_stops_at_the_cap(
    graph: GraphStandIn, account: Account, mcp_url: str
) -> None:
    _seed_mail(account, 30)
    graph.requests.clear()
    async with connected(mcp_url, account.token) as client:
        found = answer(await client.call_tool("outlook_search_emails", {"top": 25}))
        requests = sum(path == "/v1.0/me/messages" for _, path in graph.requests)
        by_sender = answer(
            await client.call_tool(
                "outlook_search_emails", {"sender": "jane@acme.com", "query": "number 7"}
            )
        )
    assert len(found["items"]) == 25 and "more" in found
    assert found["items"][0]["subject"] == "Offer 0"  # newest first
    # The stand-in's pages hold 10, as Graph caps a page: three requests, none beyond the cap.
    assert requests == 3
    assert [m["subject"] for m in by_sender["items"]] == ["Offer 7"]


async def test_a_throttled_call_is_retried_after_retry_after(
    graph: GraphStandIn, account: Account, mcp_url: str
) -> None:
    async with connected(mcp_url, account.token) as client:
        graph.requests.clear()
        graph.throttle(times=1, retry_after="1")
        began = time.monotonic()
        folders = answer(await client.call_tool("outlook_list_folders", {}))
    assert time.monotonic() - began >= 0.95
    assert sum(path == "/v1.0/me/mailFolders" for _, path in graph.requests) == 2
    assert [f["name"] for f in folders["items"]] == ["Inbox", "Sent Items", "Drafts"]


async def test_an_email_is_read_as_text_with_its_attachments_in_pages(
    account: Account, mcp_url: str
) -> None:
    paragraphs = "".join(f"<p>Point {n} of the proposal.</p>" for n in range(400))
    message = account.add_message(
        subject="Proposal",
        sender="jane@acme.com",
        body=f"<html><body>{paragraphs}</body></html>",
        html_body=True,
        received=NOW,
        attachments=[("proposal.pdf", 48_000)],
    )
    async with connected(mcp_url, account.token) as client:
        first = answer(
            await client.call_tool(
                "outlook_get_email", {"message_id": message["id"], "max_chars": 1000}
            )
        )
        rest = answer(
            await client.call_tool(
                "outlook_get_email",
                {"message_id": message["id"], "offset": first["next_offset"], "max_chars": 100000},
            )
        )
        missing = failure(await client.call_tool("outlook_get_email", {"message_id": "AAMk-gone"}))
    assert first["body"].startswith("Point 0 of the proposal.\nPoint 1")
    assert "<p>" not in first["body"] and first["next_offset"] == 1000
    assert "Point 399 of the proposal." in rest["body"] and rest["next_offset"] is None
    assert first["attachments"] == [{"name": "proposal.pdf", "size": "46.9 KB"}]
    assert first["from"] == "Jane <jane@acme.com>"
    assert "Microsoft 365 has no such item" in missing


async def test_sending_and_drafting_validate_addresses_and_reach_the_mailbox(
    account: Account, mcp_url: str
) -> None:
    async with connected(mcp_url, account.token) as client:
        sent = answer(
            await client.call_tool(
                "outlook_send_email",
                {
                    "to": ["jane@acme.com"],
                    "cc": ["li@globex.com"],
                    "subject": "Our proposal",
                    "body": "Hello Jane,\nhere it is.",
                },
            )
        )
        draft = answer(
            await client.call_tool(
                "outlook_create_draft", {"subject": "Follow-up", "body": "Draft text"}
            )
        )
        refused = failure(
            await client.call_tool(
                "outlook_send_email", {"to": ["not-an-address"], "subject": "x", "body": "y"}
            )
        )
        nobody = failure(
            await client.call_tool("outlook_send_email", {"to": [], "subject": "x", "body": "y"})
        )
    assert sent["sent"] is True
    assert account.sent == [
        {
            "subject": "Our proposal",
            "body": {"contentType": "Text", "content": "Hello Jane,\nhere it is."},
            "toRecipients": [{"emailAddress": {"address": "jane@acme.com"}}],
            "ccRecipients": [{"emailAddress": {"address": "li@globex.com"}}],
        }
    ]
    assert draft["draft_id"] and any(m.get("isDraft") for m in account.messages)
    assert "to.0" in refused and "email" in refused.lower()
    assert "to" in nobody and len(account.sent) == 1


async def test_calendar_events_of_a_period_with_their_join_links(
    account: Account, mcp_url: str
) -> None:
    account.add_event(
        subject="Acme review",
        start=NOW + timedelta(days=1),
        end=NOW + timedelta(days=1, hours=1),
        online=True,
    )
    account.add_event(
        subject="Far away", start=NOW + timedelta(days=20), end=NOW + timedelta(days=20, hours=1)
    )
    async with connected(mcp_url, account.token) as client:
        week = answer(await client.call_tool("outlook_get_calendar_events", {}))
        backwards = failure(
            await client.call_tool(
                "outlook_get_calendar_events",
                {"start": NOW.isoformat(), "end": (NOW - timedelta(days=1)).isoformat()},
            )
        )
    assert [e["subject"] for e in week["items"]] == ["Acme review"]
    assert week["items"][0]["join_url"].startswith("https://teams.microsoft.test/")
    assert week["items"][0]["start"].endswith("UTC")
    assert "end must come after start" in backwards


async def test_sharepoint_sites_libraries_and_documents_as_text(
    account: Account, mcp_url: str
) -> None:
    site, library = account.add_site("Sales Team")
    account.add_site("Engineering")
    docx = library.add_file(
        "Clients/Acme/proposal.docx",
        make_docx("Proposal for Acme", ["A pilot in March."], table=[["Pilot", "12 000"]]),
    )
    xlsx = library.add_file("Clients/Acme/pipeline.xlsx", make_xlsx({"Deals": [["Acme", 12000]]}))
    pdf = library.add_file("Clients/Acme/terms.pdf", make_pdf(["Payment within 30 days"]))
    async with connected(mcp_url, account.token) as client:
        sites = answer(await client.call_tool("sharepoint_list_sites", {"query": "sales"}))
        listing = answer(
            await client.call_tool(
                "sharepoint_list_documents",
                {"site_id": site["id"], "folder_path": "Clients/Acme"},
            )
        )
        details = answer(
            await client.call_tool(
                "sharepoint_get_document", {"site_id": site["id"], "item_id": docx["id"]}
            )
        )
        texts = [
            answer(
                await client.call_tool(
                    "sharepoint_get_document_content", {"site_id": site["id"], "item_id": i["id"]}
                )
            )["text"]
            for i in (docx, xlsx, pdf)
        ]
        folder = failure(
            await client.call_tool(
                "sharepoint_get_document_content",
                {"site_id": site["id"], "item_id": library.find("Clients")},
            )
        )
    assert [s["name"] for s in sites["items"]] == ["Sales Team"]
    assert [(i["name"], i["kind"]) for i in listing["items"]] == [
        ("pipeline.xlsx", "file"),
        ("proposal.docx", "file"),
        ("terms.pdf", "file"),
    ]
    assert details["name"] == "proposal.docx" and details["drive_id"] == library.id
    assert texts[0] == "# Proposal for Acme\nA pilot in March.\nPilot | 12 000"
    assert texts[1] == "## Deals\nAcme\t12000"
    assert texts[2] == "Payment within 30 days"
    assert "is a folder" in folder


async def test_documents_are_found_in_a_site_or_everywhere(account: Account, mcp_url: str) -> None:
    site, library = account.add_site("Sales")
    library.add_file("Contracts/acme-contract.pdf", make_pdf(["Contract"]))
    account.onedrive.add_file("Notes/acme-notes.txt", b"notes")
    async with connected(mcp_url, account.token) as client:
        in_site = answer(
            await client.call_tool(
                "sharepoint_search_documents", {"query": "acme", "site_id": site["id"]}
            )
        )
        everywhere = answer(
            await client.call_tool("sharepoint_search_documents", {"query": "acme"})
        )
    assert [i["name"] for i in in_site["items"]] == ["acme-contract.pdf"]
    assert sorted(i["name"] for i in everywhere["items"]) == ["acme-contract.pdf", "acme-notes.txt"]


async def test_uploads_small_in_one_request_large_through_an_upload_session(
    graph: GraphStandIn, account: Account, mcp_url: str
) -> None:
    site, library = account.add_site("Sales")
    library.folder("Clients")
    large = bytes(range(256)) * ((SIMPLE_UPLOAD_BYTES + UPLOAD_CHUNK_BYTES) // 256)
    async with connected(mcp_url, account.token) as client:
        small = answer(
            await client.call_tool(
                "sharepoint_upload_document",
                {
                    "site_id": site["id"],
                    "folder_path": "Clients",
                    "file_name": "minutes.md",
                    "content_text": "# Minutes\nAgreed on March.",
                },
            )
        )
        again = answer(
            await client.call_tool(
                "sharepoint_upload_document",
                {
                    "site_id": site["id"],
                    "folder_path": "Clients",
                    "file_name": "minutes.md",
                    "content_text": "second",
                },
            )
        )
        graph.uploads.clear()
        big = answer(
            await client.call_tool(
                "onedrive_upload_document",
                {"file_name": "recording.bin", "content_base64": base64.b64encode(large).decode()},
            )
        )
        neither = failure(
            await client.call_tool("onedrive_upload_document", {"file_name": "empty.txt"})
        )
        bad_name = failure(
            await client.call_tool(
                "onedrive_upload_document", {"file_name": "a/b.txt", "content_text": "x"}
            )
        )
    assert small["uploaded"]["name"] == "minutes.md"
    assert again["uploaded"]["name"] == "minutes 1.md"  # renamed, not overwritten
    assert library.contents[small["uploaded"]["id"]] == b"# Minutes\nAgreed on March."
    assert account.onedrive.contents[big["uploaded"]["id"]] == large
    [session] = graph.uploads.values()
    assert session["chunks"] == 3  # over 4 MB: chunks of 3.125 MB, sent without the Bearer
    assert "content_text or content_base64" in neither
    assert "file_name" in bad_name


async def test_folders_links_and_invitations(account: Account, mcp_url: str) -> None:
    site, library = account.add_site("Sales")
    document = library.add_file("offer.docx", make_docx("Offer", ["Terms"]))
    async with connected(mcp_url, account.token) as client:
        folder = answer(
            await client.call_tool(
                "sharepoint_create_folder", {"site_id": site["id"], "name": "Acme"}
            )
        )
        link = answer(
            await client.call_tool(
                "sharepoint_share_document", {"site_id": site["id"], "item_id": document["id"]}
            )
        )
        invited = answer(
            await client.call_tool(
                "sharepoint_share_document",
                {
                    "site_id": site["id"],
                    "item_id": document["id"],
                    "recipients": ["jane@acme.com"],
                    "access": "edit",
                },
            )
        )
    assert folder["created"]["kind"] == "folder" and library.find("Acme") == folder["created"]["id"]
    assert (
        link["link"].startswith("https://contoso.sharepoint.test/")
        and link["scope"] == "organization"
    )
    assert invited == {"shared_with": ["jane@acme.com"], "access": "edit", "grants": 1}
    roles = [p.get("roles") for p in library.permissions[document["id"]] if "roles" in p]
    assert roles == [["write"]]


async def test_onedrive_files_and_a_presentations_text(account: Account, mcp_url: str) -> None:
    deck = account.onedrive.add_file("Decks/pitch.pptx", make_pptx([["Acme pitch", "Why us"]]))
    async with connected(mcp_url, account.token) as client:
        root = answer(await client.call_tool("onedrive_list_files", {}))
        text = answer(
            await client.call_tool("onedrive_get_document_content", {"item_id": deck["id"]})
        )
    assert [(i["name"], i["kind"]) for i in root["items"]] == [("Decks", "folder")]
    assert text["text"] == "## Slide 1\nAcme pitch\nWhy us"


async def test_teams_and_a_channels_files(account: Account, mcp_url: str) -> None:
    team = account.add_team("Sales", ["General", "Acme deal"])
    drive = team["drive"]
    drive.put(team["channels"][0]["folder"], "kickoff.docx", make_docx("Kickoff", ["Agenda"]))
    drive.put(team["channels"][1]["folder"], "quote.xlsx", make_xlsx({"Quote": [["Total", 99]]}))
    async with connected(mcp_url, account.token) as client:
        teams = answer(await client.call_tool("teams_list_teams", {}))
        general = answer(await client.call_tool("teams_list_files", {"team_id": team["id"]}))
        deal = answer(
            await client.call_tool(
                "teams_list_files",
                {"team_id": team["id"], "channel_id": team["channels"][1]["id"]},
            )
        )
        quote = deal["items"][0]
        text = answer(
            await client.call_tool(
                "onedrive_get_document_content",
                {"item_id": quote["id"], "drive_id": quote["drive_id"]},
            )
        )
    assert [t["name"] for t in teams["items"]] == ["Sales"]
    assert [i["name"] for i in general["items"]] == ["kickoff.docx"]
    assert [c["name"] for c in general["channels"]] == ["General", "Acme deal"]
    assert text["text"] == "## Quote\nTotal\t99"


async def test_a_meeting_is_created_attended_and_its_transcript_read(
    account: Account, mcp_url: str
) -> None:
    start = (NOW + timedelta(days=2)).astimezone(UTC)
    async with connected(mcp_url, account.token) as client:
        created = answer(
            await client.call_tool(
                "teams_create_meeting",
                {
                    "subject": "Acme kickoff",
                    "start": start.isoformat(),
                    "duration_minutes": 45,
                    "attendees": ["jane@acme.com"],
                    "agenda": "Scope and dates",
                },
            )
        )["created"]
        event_id = created["id"]
        added = answer(
            await client.call_tool(
                "teams_add_meeting_attendees",
                {"event_id": event_id, "attendees": ["jane@acme.com", "marco@acme.com"]},
            )
        )
        attendees = answer(
            await client.call_tool("teams_get_meeting_attendees", {"event_id": event_id})
        )
        untranscribed = failure(
            await client.call_tool("teams_get_meeting_notes", {"event_id": event_id})
        )
        account.add_transcript(
            created["join_url"],
            "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ada Lovelace>We start in March.</v>\n\n"
            "00:00:05.000 --> 00:00:07.000\n<v Jane Doe>Agreed.</v>\n",
        )
        notes = answer(await client.call_tool("teams_get_meeting_notes", {"event_id": event_id}))
        by_link = answer(
            await client.call_tool("teams_get_meeting_notes", {"join_url": created["join_url"]})
        )
        account.transcripts_disabled = True
        disabled = failure(
            await client.call_tool("teams_get_meeting_notes", {"event_id": event_id})
        )
    event = account.events[event_id]
    assert event["isOnlineMeeting"] is True and event["body"]["content"] == "Scope and dates"
    assert event["end"]["dateTime"].startswith(
        (start + timedelta(minutes=45)).replace(tzinfo=None).isoformat()
    )
    assert created["join_url"].startswith("https://teams.microsoft.test/l/meetup-join/")
    assert added == {"added": ["marco@acme.com"], "already_invited": ["jane@acme.com"]}
    assert [a["attendee"] for a in attendees["attendees"]] == ["jane@acme.com", "marco@acme.com"]
    assert "no transcript" in untranscribed
    assert notes["transcript"] == "Ada Lovelace: We start in March.\nJane Doe: Agreed."
    assert by_link["transcript"] == notes["transcript"]
    assert "administrator has turned off access to meeting transcripts" in disabled


async def test_every_tool_is_listed_with_its_schema_and_annotations(
    account: Account, mcp_url: str
) -> None:
    async with connected(mcp_url, account.token) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == EXPECTED_TOOLS
    for name, tool in tools.items():
        hints = tool.annotations
        assert hints is not None and hints.open_world_hint is True, name
        assert hints.read_only_hint is (name in READ_ONLY), name
        assert tool.description and tool.input_schema["type"] == "object", name
    assert tools["outlook_send_email"].annotations.destructive_hint is True
    assert tools["sharepoint_share_document"].annotations.destructive_hint is True
    to = tools["outlook_send_email"].input_schema["properties"]["to"]
    assert to["items"]["format"] == "email" and to["minItems"] == 1
    assert set(tools["outlook_send_email"].input_schema["required"]) == {"to", "subject", "body"}
    assert "20 MB" in tools["sharepoint_upload_document"].description
    top = tools["outlook_search_emails"].input_schema["properties"]["top"]
    assert (top["minimum"], top["maximum"]) == (1, 50)


async def test_calls_beyond_the_accounts_rate_limit_are_refused_in_words(
    graph: GraphStandIn, settings: Settings
) -> None:
    account = new_account(graph)
    limited = settings.model_copy(update={"rate_limit_integrations": "2/minute", "redis_url": None})
    async with Client(create_server(access_token=account.token, settings=limited)) as client:
        for _ in range(2):
            answer(await client.call_tool("outlook_list_folders", {}))
        refused = failure(await client.call_tool("outlook_list_folders", {}))
    assert "Too many Microsoft 365 requests from this account" in refused


async def test_the_crm_connects_in_process_or_to_the_separate_server_as_the_tokens_account(
    graph: GraphStandIn, settings: Settings, mcp_url: str
) -> None:
    account = new_account(graph, "grace@contoso.com", "Grace Hopper")
    # Apart, this process's Graph URL goes nowhere: only the separate server reaches Graph.
    apart = settings.model_copy(
        update={
            "mcp_microsoft365_url": mcp_url.removesuffix("/mcp"),
            "microsoft_graph_url": "http://127.0.0.1:9/v1.0",
        }
    )
    async with httpx.AsyncClient() as http:
        for chosen in (settings, apart):
            async with connect(account.token, settings=chosen, http=http) as client:
                status = answer(await client.call_tool("auth_status", {}))
            assert status["account"] == "grace@contoso.com"
    assert settings.mcp_microsoft365_url is None


@pytest.fixture(autouse=True)
def _no_throttling_left(graph: GraphStandIn):  # type: ignore[no-untyped-def]
    yield
    graph.throttled = 0

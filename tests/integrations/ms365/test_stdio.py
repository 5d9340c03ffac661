"""`crm mcp-server ms365 --transport stdio` spawned as its own process and driven by the official
MCP client: the user's token from MS365_ACCESS_TOKEN, Graph at MICROSOFT_GRAPH_URL."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from mcp import Client, StdioServerParameters

from tests.integrations.files import make_docx
from tests.integrations.ms365.conftest import (
    EXPECTED_TOOLS,
    READ_ONLY,
    answer,
    failure,
    new_account,
)
from tests.standins.microsoft_graph import GraphStandIn

CRM = str(Path(sys.executable).with_name("crm"))
ROOT = str(Path(__file__).resolve().parents[3])


def _environment(graph: GraphStandIn, token: str | None) -> dict[str, str]:
    env = {"PYTHONPATH": ROOT, "MICROSOFT_GRAPH_URL": graph.base}
    if token:
        env["MS365_ACCESS_TOKEN"] = token
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    return env


async def test_the_stdio_server_lists_every_tool_and_acts_as_the_tokens_account(
    graph: GraphStandIn,
) -> None:
    ada = new_account(graph, "ada@contoso.com", "Ada Lovelace")
    ada.add_message(
        subject="Renewal",
        sender="jane@acme.com",
        body="Shall we renew?",
        received=datetime.now(UTC),
    )
    new_account(graph, "bob@fabrikam.com", "Bob").add_message(
        subject="Not Ada's", sender="li@globex.com", body="x", received=datetime.now(UTC)
    )
    notes = ada.onedrive.add_file("notes.docx", make_docx("Call notes", ["Jane will renew."]))
    server = StdioServerParameters(
        command=CRM,
        args=["mcp-server", "ms365", "--transport", "stdio"],
        env=_environment(graph, ada.token),
        cwd=ROOT,
    )
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
        status = answer(await client.call_tool("auth_status", {}))
        mail = answer(await client.call_tool("outlook_search_emails", {"query": "renew"}))
        text = answer(
            await client.call_tool("onedrive_get_document_content", {"item_id": notes["id"]})
        )
        missing = failure(await client.call_tool("onedrive_get_document_content", {"item_id": "x"}))
    assert {t.name for t in tools} == EXPECTED_TOOLS
    assert {t.name for t in tools if t.annotations.read_only_hint} == READ_ONLY
    send = next(t for t in tools if t.name == "outlook_send_email")
    assert send.annotations.destructive_hint is True
    assert send.input_schema["properties"]["to"]["items"]["format"] == "email"
    assert status["account"] == "ada@contoso.com" and "Mail.Send" in status["scopes"]
    assert [m["subject"] for m in mail["items"]] == ["Renewal"]
    assert text["text"] == "# Call notes\nJane will renew."
    assert "Microsoft 365 has no such item" in missing


def test_the_stdio_server_will_not_start_without_a_token(graph: GraphStandIn) -> None:
    done = subprocess.run(
        [CRM, "mcp-server", "ms365", "--transport", "stdio"],
        env={**os.environ, **_environment(graph, None), "MS365_ACCESS_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Set MS365_ACCESS_TOKEN" in done.stderr and done.stdout == ""

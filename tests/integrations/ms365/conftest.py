"""The Graph stand-in and the Microsoft 365 MCP server, served over HTTP on ephemeral ports;
accounts seeded per test with JWT-shaped access tokens of their own."""

import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import jwt
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from crm.config import Settings
from crm.integrations.ms365.mcp_server import create_http_app
from tests.standins.microsoft_graph import Account, GraphStandIn
from tests.standins.serving import ServedApp

# The tools the issue names; the read-only ones among them.
READ_ONLY = {
    "outlook_search_emails",
    "outlook_get_email",
    "outlook_list_folders",
    "outlook_get_calendar_events",
    "sharepoint_list_sites",
    "sharepoint_list_documents",
    "sharepoint_get_document",
    "sharepoint_search_documents",
    "sharepoint_get_document_content",
    "onedrive_list_files",
    "onedrive_get_document_content",
    "teams_list_teams",
    "teams_list_files",
    "teams_get_meeting_attendees",
    "teams_get_meeting_notes",
    "auth_status",
}
EXPECTED_TOOLS = READ_ONLY | {
    "outlook_send_email",
    "outlook_create_draft",
    "sharepoint_upload_document",
    "sharepoint_create_folder",
    "sharepoint_share_document",
    "onedrive_upload_document",
    "teams_create_meeting",
    "teams_add_meeting_attendees",
}

SCOPES = "User.Read Mail.ReadWrite Mail.Send Calendars.ReadWrite Files.ReadWrite.All"


@pytest.fixture(scope="module")
def graph() -> Iterator[GraphStandIn]:
    stand_in = GraphStandIn(max_page_size=10)
    with ServedApp(stand_in.app) as served:
        stand_in.base = f"{served.url}/v1.0"
        yield stand_in


@pytest.fixture(scope="module")
def settings(graph: GraphStandIn) -> Settings:
    return Settings(microsoft_graph_url=graph.base, redis_url=os.environ.get("REDIS_URL"))


@pytest.fixture(scope="module")
def mcp_url(settings: Settings) -> Iterator[str]:
    with ServedApp(create_http_app(settings)) as served:
        yield f"{served.url}/mcp"


def access_token(account_id: str | None = None, scopes: str = SCOPES) -> str:
    """An access token shaped like Microsoft's (a JWT with oid, tid and scp claims)."""
    claims = {"oid": account_id or str(uuid.uuid4()), "tid": "contoso", "scp": scopes}
    return jwt.encode(claims, "stand-in-signing-key-of-32-bytes!", algorithm="HS256")


def new_account(
    graph: GraphStandIn, mail: str = "ada@contoso.com", name: str = "Ada Lovelace"
) -> Account:
    return graph.add_account(access_token(), mail, name)


@pytest.fixture
def account(graph: GraphStandIn) -> Account:
    return new_account(graph)


@asynccontextmanager
async def connected(url: str, token: str | None) -> AsyncIterator[Client]:
    """The official MCP client over streamable HTTP, sending the token as a Bearer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


def answer(result: CallToolResult) -> Any:
    """A successful call's JSON answer."""
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


def failure(result: CallToolResult) -> str:
    """A failed call's sentence."""
    assert result.is_error, result.content
    return result.content[0].text

"""`crm mcp` spawned as a subprocess the way Claude Desktop starts it, driven by the official MCP
client over stdio, against the CRM served on a real port."""

import json
import os
import sys

import pytest
from mcp import Client, StdioServerParameters
from mcp_types import ElicitResult

from tests.mcp.conftest import person_with_token


def crm_mcp(live: str, token: str) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CRM_"))}
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "crm.cli", "mcp"],
        env={**env, "CRM_URL": live, "CRM_TOKEN": token},
    )


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_crm_mcp_lists_tools_creates_and_confirms_a_delete(live, rest, mode):
    ada, token = await person_with_token(rest)
    asked: list[str] = []

    async def elicit(context, params):
        asked.append(params.message)
        return ElicitResult(action="accept", content={"confirm": True})

    async with Client(crm_mcp(live, token), mode=mode, elicitation_callback=elicit) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        created = await client.call_tool("create_contact", {"name": "Grace Hopper"})
        contact = json.loads(created.content[0].text)
        deleted = await client.call_tool("delete_contact", {"id": contact["id"]})
    assert {"create_contact", "delete_contact", "list_events"} <= names
    assert not deleted.is_error and asked == ["Delete contact Grace Hopper? This cannot be undone."]
    response = await rest.get(f"/api/v1/contacts/{contact['id']}", headers=ada.headers)
    assert response.status_code == 404


async def test_crm_mcp_without_elicitation_deletes_nothing_unconfirmed(live, rest):
    ada, token = await person_with_token(rest)
    async with Client(crm_mcp(live, token), mode="legacy") as client:
        created = await client.call_tool("create_contact", {"name": "Grace Hopper"})
        contact = json.loads(created.content[0].text)
        refused = await client.call_tool("delete_contact", {"id": contact["id"]})
    assert refused.is_error and "confirm: true" in refused.content[0].text
    response = await rest.get(f"/api/v1/contacts/{contact['id']}", headers=ada.headers)
    assert response.status_code == 200


def test_crm_mcp_with_a_refused_token_says_so_and_exits(live):
    import subprocess

    params = crm_mcp(live, "crm_pat_not-a-real-token")
    done = subprocess.run(
        [params.command, *params.args], env=params.env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "refused CRM_TOKEN" in done.stderr and done.stdout == ""

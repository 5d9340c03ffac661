"""The MCP server at /mcp through the official MCP client over real HTTP: the assistant's tools
with the same names and schemas, running through the same services, as the token's user."""

import json

import httpx2
import psycopg
import pytest
from mcp.shared.exceptions import MCPError
from mcp_types import ElicitResult

from crm.toolbox import TOOLS
from tests.mcp.conftest import make_token, mcp_client, person_with_token
from tests.people import sign_up


def data(result) -> dict:
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


async def test_every_assistant_tool_is_listed_with_its_schema_and_annotations(live, rest):
    _, token = await person_with_token(rest)
    async with mcp_client(live, token) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == set(TOOLS)
    assert (
        tools["create_contact"].input_schema
        == TOOLS["create_contact"].input_model.model_json_schema()
    )
    assert tools["list_contacts"].annotations.read_only_hint is True
    assert tools["update_task"].annotations.idempotent_hint is True
    assert tools["create_contact"].annotations.idempotent_hint is False
    delete = tools["delete_contact"]
    assert delete.annotations.destructive_hint is True
    assert (
        "confirm" in delete.input_schema["properties"] and "`confirm: true`" in delete.description
    )


async def test_a_contact_created_through_a_tool_is_read_back_through_rest(live, rest, admin_url):
    ada, token = await person_with_token(rest)
    async with mcp_client(live, token) as client:
        created = data(
            await client.call_tool(
                "create_contact", {"name": "Grace Hopper", "email": "grace@navy.mil"}
            )
        )
    response = await rest.get(f"/api/v1/contacts/{created['id']}", headers=ada.headers)
    assert response.status_code == 200 and response.json()["email"] == "grace@navy.mil"
    activity = await rest.get(f"/api/v1/contacts/{created['id']}/activity", headers=ada.headers)
    entry = activity.json()["items"][0]
    assert (entry["channel"], entry["client"]) == ("mcp", "Claude Desktop")


async def test_invalid_arguments_answer_the_fields_and_store_nothing(live, rest, admin_url):
    _, token = await person_with_token(rest)
    async with mcp_client(live, token) as client:
        result = await client.call_tool("create_contact", {"name": "", "shoe_size": 42})
    assert result.is_error
    assert "name" in result.content[0].text and "shoe_size" in result.content[0].text
    with psycopg.connect(admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM contact").fetchone()[0] == 0


async def test_a_read_token_reads_but_cannot_write_and_nothing_is_stored(live, rest, admin_url):
    _, token = await person_with_token(rest, scope="read")
    async with mcp_client(live, token) as client:
        assert data(await client.call_tool("list_contacts", {}))["items"] == []
        refused = await client.call_tool("create_contact", {"name": "Grace Hopper"})
    assert refused.is_error and "only read" in refused.content[0].text
    with psycopg.connect(admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM contact").fetchone()[0] == 0


async def test_without_a_token_the_answer_is_401_naming_the_resource_metadata(live):
    async with httpx2.AsyncClient() as http:
        response = await http.post(
            f"{live}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}
        )
    assert response.status_code == 401
    assert (
        f'resource_metadata="{live}/.well-known/oauth-protected-resource/mcp"'
        in (response.headers["www-authenticate"])
    )


@pytest.mark.parametrize("how", ["revoked", "expired"])
async def test_a_revoked_or_expired_token_is_refused(live, rest, admin_url, how):
    ada = await sign_up(rest)
    token = await make_token(rest, ada)
    if how == "revoked":
        await rest.delete(f"/api/v1/tokens/{token['id']}", headers=ada.headers)
    else:
        with psycopg.connect(admin_url) as conn:
            conn.execute("UPDATE api_token SET expires_at = now() - interval '1 second'")
    with pytest.raises(Exception):  # noqa: B017 (the SDK wraps the 401 in task groups)
        async with mcp_client(live, token["token"]) as client:
            await client.list_tools()
    headers = {"Authorization": f"Bearer {token['token']}"}
    async with httpx2.AsyncClient(headers=headers) as http:
        response = await http.post(
            f"{live}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}
        )
    assert response.status_code == 401


async def test_another_users_record_is_not_reachable_by_id(live, rest):
    ada, ada_token = await person_with_token(rest)
    _, grace_token = await person_with_token(rest, name="Grace Hopper")
    async with mcp_client(live, ada_token) as client:
        contact = data(await client.call_tool("create_contact", {"name": "Secret Person"}))
    async with mcp_client(live, grace_token) as client:
        got = await client.call_tool("get_contact", {"id": contact["id"]})
        deleted = await client.call_tool("delete_contact", {"id": contact["id"], "confirm": True})
        with pytest.raises(MCPError):
            await client.read_resource(f"crm://contacts/{contact['id']}")
    assert got.is_error and json.loads(got.content[0].text)["status"] == 404
    assert deleted.is_error
    assert (
        await rest.get(f"/api/v1/contacts/{contact['id']}", headers=ada.headers)
    ).status_code == 200


async def test_a_delete_without_confirmation_deletes_nothing(live, rest):
    ada, token = await person_with_token(rest)
    async with mcp_client(live, token) as client:
        contact = data(await client.call_tool("create_contact", {"name": "Grace Hopper"}))
        refused = await client.call_tool("delete_contact", {"id": contact["id"]})
        assert refused.is_error and "confirm: true" in refused.content[0].text
        assert (
            await rest.get(f"/api/v1/contacts/{contact['id']}", headers=ada.headers)
        ).status_code == 200
        done = data(
            await client.call_tool("delete_contact", {"id": contact["id"], "confirm": True})
        )
    assert done["id"] == contact["id"]
    assert (
        await rest.get(f"/api/v1/contacts/{contact['id']}", headers=ada.headers)
    ).status_code == 404


@pytest.mark.parametrize("answer", ["accept", "decline"])
async def test_a_client_that_elicits_is_asked_before_a_delete(live, rest, answer):
    ada, token = await person_with_token(rest)
    asked: list[str] = []

    async def elicit(context, params):
        asked.append(params.message)
        return ElicitResult(
            action=answer, content={"confirm": True} if answer == "accept" else None
        )

    async with mcp_client(live, token, elicitation_callback=elicit) as client:
        contact = data(await client.call_tool("create_contact", {"name": "Grace Hopper"}))
        result = await client.call_tool("delete_contact", {"id": contact["id"]})
    assert asked == ["Delete contact Grace Hopper? This cannot be undone."]
    status = (await rest.get(f"/api/v1/contacts/{contact['id']}", headers=ada.headers)).status_code
    assert (result.is_error, status) == ((False, 404) if answer == "accept" else (True, 200))


async def test_recent_records_are_resources_and_the_meeting_prompt_holds_the_next_event(live, rest):
    _, token = await person_with_token(rest)
    async with mcp_client(live, token) as client:
        contact = data(await client.call_tool("create_contact", {"name": "Grace Hopper"}))
        data(
            await client.call_tool(
                "create_event",
                {
                    "title": "Lunch with Grace",
                    "start": "2099-01-05T12:00:00+00:00",
                    "contact_id": contact["id"],
                },
            )
        )
        event_soon = await client.call_tool(
            "create_event",
            {"title": "Review with Grace", "start": _in_days(2), "contact_id": contact["id"]},
        )
        assert not event_soon.is_error
        uris = [str(r.uri) for r in (await client.list_resources()).resources]
        read = await client.read_resource(f"crm://contacts/{contact['id']}")
        prompt = await client.get_prompt("prepare_for_next_meeting")
    assert f"crm://contacts/{contact['id']}" in uris
    assert json.loads(read.contents[0].text)["name"] == "Grace Hopper"
    text = prompt.messages[0].content.text
    assert "Review with Grace" in text and "Grace Hopper" in text and "Lunch" not in text


def _in_days(days: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()

"""Notifications pushed live over the WebSocket to every open page of their user, whichever
server instance the page is connected to (PostgreSQL LISTEN/NOTIFY)."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from crm.db import Database, app_url
from crm.reminders.delivery import deliver
from tests.conftest import make_settings
from tests.people import sign_up


def ws_client(app):
    return httpx.AsyncClient(transport=ASGIWebSocketTransport(app), base_url="http://localhost")


def token(person) -> str:
    return person.headers["Authorization"].split()[1]


async def due_reminder(client, person, message):
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    response = await client.post(
        "/api/v1/reminders", json={"message": message, "remind_at": past}, headers=person.headers
    )
    return uuid.UUID(response.json()["id"])


async def test_a_notification_reaches_every_open_page_of_its_user_only(
    client, app, custom_app, admin_url
):
    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    await due_reminder(client, ada, "For Ada")
    await due_reminder(client, bob, "For Bob")
    db = Database(app_url(admin_url))
    settings = make_settings(admin_url)
    async with (
        custom_app() as second_instance,
        ws_client(app) as one,
        ws_client(second_instance) as two,
        aconnect_ws(f"/api/v1/notifications/ws?token={token(ada)}", one) as ada_here,
        aconnect_ws(f"/api/v1/notifications/ws?token={token(ada)}", two) as ada_there,
        aconnect_ws(f"/api/v1/notifications/ws?token={token(bob)}", two) as bob_there,
    ):
        for ws in (ada_here, ada_there, bob_there):
            assert await ws.receive_json() == {"type": "unread", "unread": 0}
        try:
            await deliver(
                db,
                settings,
                user_id=ada.user_id,
                workspace_id=ada.workspace_id,
            )
            await deliver(
                db,
                settings,
                user_id=bob.user_id,
                workspace_id=bob.workspace_id,
            )
        finally:
            await db.close()
        for ws in (ada_here, ada_there):
            pushed = await ws.receive_json()
            assert pushed["type"] == "notification"
            assert pushed["notification"]["title"] == "For Ada"
        # Bob's first push is his own: Ada's never reached him.
        assert (await bob_there.receive_json())["notification"]["title"] == "For Bob"


async def test_the_websocket_refuses_a_caller_without_a_token(app):
    async with ws_client(app) as c, aconnect_ws("/api/v1/notifications/ws", c) as ws:
        await ws.send_json({"type": "hello"})
        assert (await ws.receive_json())["status"] == 401


async def test_a_chat_turn_on_one_instance_reaches_the_users_pages_on_the_other(
    client, app, custom_app
):
    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    async with (
        custom_app() as second_instance,
        ws_client(second_instance) as two,
        aconnect_ws(f"/api/v1/notifications/ws?token={token(ada)}", two) as ada_there,
        aconnect_ws(f"/api/v1/notifications/ws?token={token(bob)}", two) as bob_there,
    ):
        for ws in (ada_there, bob_there):
            assert (await ws.receive_json())["type"] == "unread"
        for person, message in ((ada, "Hello from Ada"), (bob, "Hello from Bob")):
            turn = await client.post(
                "/api/v1/chat", json={"message": message}, headers=person.headers
            )
            assert turn.status_code == 200, turn.text
            if person is ada:
                ada_turn = turn.json()["conversation_id"]
        assert await ada_there.receive_json() == {
            "type": "chat",
            "conversation_id": ada_turn,
            "title": "Hello from Ada",
        }
        # Bob's first push is his own turn: Ada's never reached him.
        assert (await bob_there.receive_json())["title"] == "Hello from Bob"

"""The bell, the inbox page and the settings tab, with an httpx client that signs in through
the forms like a browser."""

from datetime import UTC, datetime, timedelta

from crm.db import Database, app_url
from crm.reminders.delivery import deliver
from tests.conftest import http_client, make_settings
from tests.rows import fetch
from tests.web.pages import post_form, sign_up


async def due_reminder_delivered(client, admin_url, email, message, **fields):
    """A due reminder of the signed-in user, delivered by the job's own function."""
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    response = await client.post(
        "/api/v1/reminders",
        json={"message": message, "remind_at": past, **fields},
        headers={"X-CSRF-Token": client.cookies["crm_csrf"]},
    )
    assert response.status_code == 201, response.text
    user_id, workspace_id = fetch(
        admin_url,
        "SELECT u.id, m.workspace_id FROM user_account u JOIN membership m ON m.user_id = u.id "
        "WHERE u.email = %s",
        email,
    )[0]
    db = Database(app_url(admin_url))
    try:
        await deliver(
            db,
            make_settings(admin_url),
            user_id=user_id,
            workspace_id=workspace_id,
        )
    finally:
        await db.close()


async def test_the_bell_counts_unread_and_the_inbox_marks_them_read(app, admin_url):
    async with http_client(app) as client:
        email = await sign_up(client)
        page = (await client.get("/settings/profile")).text
        assert 'aria-label="Notifications"' in page and "data-notifications-count" in page
        await due_reminder_delivered(client, admin_url, email, "Call <Jane>")
        page = (await client.get("/settings/profile")).text
        assert 'aria-label="Notifications, 1 unread"' in page
        inbox = (await client.get("/notifications")).text
        assert "Call &lt;Jane&gt;" in inbox and "(1 unread)" in inbox
        read = await post_form(client, "/notifications/read")
        assert read.status_code == 200 and "Mark all read" not in read.text
        assert 'aria-label="Notifications"' in read.text
        api = (await client.get("/api/v1/notifications")).json()
        assert api["unread"] == 0 and api["items"][0]["read_at"] is not None


async def test_the_inbox_offers_join_on_the_reminder_of_an_online_meeting(app, admin_url):
    join = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"
    async with http_client(app) as client:
        email = await sign_up(client)
        csrf = {"X-CSRF-Token": client.cookies["crm_csrf"]}
        body = {"title": "Acme call", "start": "2027-03-01T10:00:00Z", "meeting_url": join}
        event = (await client.post("/api/v1/calendar/events", json=body, headers=csrf)).json()
        await due_reminder_delivered(client, admin_url, email, "Acme call", event_id=event["id"])
        await due_reminder_delivered(client, admin_url, email, "Water the plants")
        inbox = (await client.get("/notifications")).text
    assert inbox.count("data-join") == 1
    joins = f'href="{join}" target="_blank" rel="noopener noreferrer" data-join>Join'
    assert joins + '<span class="visually-hidden"> Acme call</span></a>' in inbox


async def test_settings_say_whether_the_email_channel_is_on(app, custom_app):
    async with http_client(app) as client:
        await sign_up(client)
        assert 'data-mail-channel="off"' in (await client.get("/settings/notifications")).text
    async with custom_app(smtp_host="127.0.0.1") as with_mail, http_client(with_mail) as client:
        email = await sign_up(client)
        page = (await client.get("/settings/notifications")).text
        assert 'data-mail-channel="on"' in page and email in page

"""Reminder e-mails leave through the user's own Outlook (Graph sendMail against the stand-in)
when Microsoft 365 is connected, through SMTP otherwise, and the reminder records which."""

from datetime import UTC, datetime, timedelta

from crm.db import Database, app_url
from crm.reminders.delivery import deliver
from tests.integrations.conftest import connect
from tests.rows import fetch
from tests.smtp import SMTPServer


async def due_reminder(user, message: str) -> str:
    body = {
        "message": message,
        "remind_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat(),
        "channels": ["in_app", "email"],
    }
    response = await user.browser.post("/api/v1/reminders", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def deliver_now(ms_app, admin_url, user, smtp=None):
    db = Database(app_url(admin_url))
    mail = (
        {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_starttls": False} if smtp else {}
    )
    settings = ms_app.state.settings.model_copy(update=mail)
    try:
        return await deliver(db, settings, user_id=user.user_id, workspace_id=user.workspace_id)
    finally:
        await db.close()


def via(admin_url, reminder_id):
    return fetch(admin_url, "SELECT status, email_via FROM reminder WHERE id = %s", reminder_id)[0]


async def test_a_reminder_goes_out_through_the_users_outlook_when_connected(
    ms_app, microsoft, ms_graph, new_user, admin_url
):
    ada = await new_user()
    assert (await connect(ada, microsoft)).status_code == 303
    reminder_id = await due_reminder(ada, "Call Jane")
    with SMTPServer() as smtp:
        assert await deliver_now(ms_app, admin_url, ada, smtp) == 1
        assert smtp.inbox.messages == []
    [sent] = ms_graph.mailbox(ada.account.mail).sent
    assert sent["subject"] == "Reminder: Call Jane"
    [(email,)] = fetch(admin_url, "SELECT email FROM user_account WHERE id = %s", ada.user_id)
    assert sent["toRecipients"][0]["emailAddress"]["address"] == email
    assert "Call Jane" in sent["body"]["content"] and sent["body"]["contentType"] == "HTML"
    assert via(admin_url, reminder_id) == ("sent", "microsoft365")
    shown = await ada.browser.get(f"/api/v1/reminders/{reminder_id}", headers=ada.headers)
    assert shown.json()["email_via"] == "microsoft365"


async def test_a_reminder_goes_out_through_smtp_without_a_connection(
    ms_app, microsoft, ms_graph, new_user, admin_url
):
    ada = await new_user()
    reminder_id = await due_reminder(ada, "Call Bob")
    with SMTPServer() as smtp:
        assert await deliver_now(ms_app, admin_url, ada, smtp) == 1
        assert len(smtp.inbox.messages) == 1
    assert via(admin_url, reminder_id) == ("sent", "smtp")


async def test_an_outlook_reminder_whose_token_was_refused_is_sent_after_a_refresh(
    ms_app, microsoft, ms_graph, new_user, admin_url
):
    ada = await new_user()
    assert (await connect(ada, microsoft)).status_code == 303
    reminder_id = await due_reminder(ada, "Renew the contract")
    microsoft.expire_access_tokens()
    assert await deliver_now(ms_app, admin_url, ada) == 1
    assert len(ms_graph.mailbox(ada.account.mail).sent) == 1
    assert len(microsoft.refreshes) == 1
    assert via(admin_url, reminder_id) == ("sent", "microsoft365")

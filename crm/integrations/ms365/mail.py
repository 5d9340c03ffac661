"""Mail from the user's own Outlook (Graph `sendMail`, kept in Sent Items): how a reminder
leaves through Microsoft 365 (crm.integrations.mail)."""

from typing import Any

import httpx

from crm.config import Settings
from crm.integrations.ms365.graph import Graph, recipients
from crm.kit.mail import Mail


async def send_with_graph(
    http: httpx.AsyncClient, settings: Settings, token: str, mail: Mail
) -> None:
    """Send one message as the token's account; raises ServiceError when Graph refuses."""
    await Graph(http, settings.microsoft_graph_url, token).send_mail(_message(mail))


def _message(mail: Mail) -> dict[str, Any]:
    html = mail.html is not None
    return {
        "subject": mail.subject,
        "body": {"contentType": "HTML" if html else "Text", "content": mail.html or mail.text},
        "toRecipients": recipients([mail.to]),
    }

"""Mail from the user's own Gmail (the Gmail API's users.messages.send, kept in Sent): how a
reminder leaves through Google (crm.integrations.mail)."""

import base64
from email.message import EmailMessage

import httpx

from crm.config import Settings
from crm.integrations.google.api import GoogleAPI
from crm.kit.mail import Mail


async def send_with_gmail(
    http: httpx.AsyncClient, settings: Settings, token: str, mail: Mail
) -> None:
    """Send one message as the token's account; raises ServiceError when Gmail refuses."""
    await GoogleAPI(http, settings.google_api_url, token).send(raw(mail))


def raw(mail: Mail) -> dict[str, str]:
    """The RFC 2822 message, its text with the HTML as alternative (Gmail sets From)."""
    message = EmailMessage()
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return {"raw": base64.urlsafe_b64encode(message.as_bytes()).decode()}

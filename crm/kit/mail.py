"""Outgoing e-mail through SMTP (aiosmtplib) with the SMTP_* settings."""

from email.message import EmailMessage
from html import escape

import aiosmtplib
import structlog

from crm.config import Settings

log = structlog.get_logger()


async def send_mail(
    settings: Settings, *, to: str, subject: str, text: str, html: str | None = None
) -> bool:
    """Send one message; answers False (and logs why) when SMTP is not configured or fails."""
    if not settings.smtp_host:
        log.info("mail_not_sent", reason="SMTP is not configured", subject=subject)
        return False
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_from, to, subject
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            start_tls=settings.smtp_starttls,
            timeout=30,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        log.warning("mail_failed", subject=subject, error=type(exc).__name__)
        return False
    return True


async def send_invite(settings: Settings, *, to: str, workspace: str, url: str) -> bool:
    text = (
        f"You have been invited to join {workspace} on the CRM.\n\n"
        f"Accept the invitation and create your account here:\n{url}\n\n"
        f"The link works once and expires in {settings.invite_days} days."
    )
    html = (
        f"<p>You have been invited to join <strong>{escape(workspace)}</strong> on the CRM.</p>"
        f'<p><a href="{escape(url)}">Accept the invitation</a> and create your account.</p>'
        f"<p>The link works once and expires in {settings.invite_days} days.</p>"
    )
    return await send_mail(
        settings, to=to, subject=f"Join {workspace} on the CRM", text=text, html=html
    )

"""Outgoing e-mail through SMTP (aiosmtplib) with the SMTP_* settings: one message on its own
connection (`send_mail`), or many over one kept connection (`Mailer`, the worker's)."""

import asyncio
import contextlib
from collections.abc import Sequence
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
    mailer = Mailer(settings)
    try:
        return await mailer.send([compose(settings, to=to, subject=subject, text=text, html=html)])
    finally:
        await mailer.close()


def compose(
    settings: Settings, *, to: str, subject: str, text: str, html: str | None = None
) -> EmailMessage:
    """A message from SMTP_FROM: plain text, and HTML as its alternative when given."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_from, to, subject
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


class Mailer:
    """One SMTP connection, opened on the first message, kept open between messages (a
    connection per message costs more than the message) and opened again once when the
    server has dropped it. Messages go one at a time, whoever sends them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def send(self, messages: Sequence[EmailMessage]) -> list[bool]:
        """Send the messages in order; answers which were accepted. After a failure the rest
        are not tried (they go to the same server, which just failed); False for each. When
        SMTP is not configured nothing is sent (and that is logged)."""
        if not self.settings.smtp_host:
            log.info("mail_not_sent", reason="SMTP is not configured", count=len(messages))
            return [False] * len(messages)
        accepted: list[bool] = []
        async with self._lock:
            for message in messages:
                try:
                    await self._send(message)
                except (aiosmtplib.SMTPException, OSError) as exc:
                    log.warning("mail_failed", subject=message["Subject"], error=type(exc).__name__)
                    await self.close()
                    break
                accepted.append(True)
        return accepted + [False] * (len(messages) - len(accepted))

    async def _send(self, message: EmailMessage) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            try:
                await self._smtp.send_message(message)
                return
            except aiosmtplib.SMTPServerDisconnected:  # idle too long: the server hung up
                self._smtp = None
        self._smtp = await self._connect()
        await self._smtp.send_message(message)

    async def _connect(self) -> aiosmtplib.SMTP:
        settings = self.settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        smtp = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            start_tls=settings.smtp_starttls,
            timeout=30,
        )
        await smtp.connect()
        return smtp

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await smtp.quit()


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

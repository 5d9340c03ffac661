"""Outgoing e-mail through SMTP (aiosmtplib) with the SMTP_* settings: one message on its own
connection (`send_mail`), or many over a few kept connections (`Mailer`, the worker's)."""

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from html import escape

import aiosmtplib
import structlog

from crm.config import Settings

log = structlog.get_logger()
# Connections a worker keeps open at most: jobs mailing at the same time share them (mail
# servers limit how many one client may open).
CONNECTIONS = 4


@dataclass(frozen=True)
class Mail:
    """One message to a user: plain text, and HTML as its alternative."""

    to: str
    subject: str
    text: str
    html: str | None = None


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
) -> Message:
    """A message from SMTP_FROM: plain text, and HTML as its alternative when given. (Built
    with the `email.mime` classes: a sixth of the CPU of `EmailMessage`, which counts when a
    worker mails a burst of reminders.)"""
    body = MIMEText(text, "plain", "utf-8")
    message: Message = body
    if html is not None:
        message = MIMEMultipart("alternative")
        message.attach(body)
        message.attach(MIMEText(html, "html", "utf-8"))
    message["From"], message["To"] = settings.smtp_from, to
    message["Subject"] = Header(subject, "utf-8")
    return message


class Mailer:
    """Up to CONNECTIONS SMTP connections, each opened on first use, kept open between
    messages (a connection per message costs more than the message) and opened again once
    when the server has dropped it. A connection carries one sender's messages at a time."""

    def __init__(self, settings: Settings, connections: int = CONNECTIONS) -> None:
        self.settings = settings
        self._free: asyncio.Queue[_Connection] = asyncio.Queue()
        self._all = [_Connection(settings) for _ in range(connections)]
        for connection in self._all:
            self._free.put_nowait(connection)

    async def send(self, messages: Sequence[Message]) -> list[bool]:
        """Send the messages in order over one connection; answers which were accepted. After
        a failure the rest are not tried (the server just failed); False for each. When SMTP
        is not configured nothing is sent (and that is logged)."""
        if not self.settings.smtp_host:
            log.info("mail_not_sent", reason="SMTP is not configured", count=len(messages))
            return [False] * len(messages)
        accepted: list[bool] = []
        connection = await self._free.get()
        try:
            for message in messages:
                try:
                    await connection.send(message)
                except (aiosmtplib.SMTPException, OSError) as exc:
                    log.warning("mail_failed", error=type(exc).__name__)
                    await connection.close()
                    break
                accepted.append(True)
        finally:
            self._free.put_nowait(connection)
        return accepted + [False] * (len(messages) - len(accepted))

    async def close(self) -> None:
        for connection in self._all:
            await connection.close()


class _Connection:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.smtp: aiosmtplib.SMTP | None = None

    async def send(self, message: Message) -> None:
        if self.smtp is not None and self.smtp.is_connected:
            try:
                await self.smtp.send_message(message)
                return
            except aiosmtplib.SMTPServerDisconnected:  # idle too long: the server hung up
                self.smtp = None
        self.smtp = await self._connect()
        await self.smtp.send_message(message)

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
        smtp, self.smtp = self.smtp, None
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

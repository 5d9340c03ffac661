"""How the CRM's own mail to a user (reminders) leaves: from the user's own mailbox when they
connected one (Microsoft 365's Outlook now; Google's Gmail joins with one more entry in
MAILBOXES), else through the server's SMTP. Domain code asks for `sender_for(...)` and sends
`Mail`; it never imports a provider's module."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.config import Settings
from crm.errors import CRMError
from crm.integrations.ms365.mail import OutlookSender
from crm.integrations.service import NotConfigured, NotConnected, ReconnectNeeded
from crm.integrations.service import integration as integration_service
from crm.kit.crypto import SecretBox
from crm.kit.mail import Mailer, compose

log = structlog.get_logger()


@dataclass(frozen=True)
class Mail:
    """One message to a user: plain text, and HTML as its alternative."""

    to: str
    subject: str
    text: str
    html: str | None = None


# (rejected token or None) -> the user's current token, refreshed when the last was refused
TokenSource = Callable[[str | None], Awaitable[str]]


class MailSender(Protocol):
    """A way out for the CRM's mail; `via` is what a reminder records (smtp, microsoft365)."""

    via: str
    retries: bool  # whether a refused message is worth another try later

    async def send(self, mails: Sequence[Mail]) -> list[bool]:
        """Send in order; answers which were accepted."""
        ...


class SmtpSender:
    """The server's SMTP (SMTP_*), over the worker's kept connections."""

    via = "smtp"

    def __init__(self, settings: Settings, mailer: Mailer) -> None:
        self.settings, self.mailer = settings, mailer
        self.retries = bool(settings.smtp_host)

    async def send(self, mails: Sequence[Mail]) -> list[bool]:
        settings = self.settings
        return await self.mailer.send(
            [compose(settings, to=m.to, subject=m.subject, text=m.text, html=m.html) for m in mails]
        )


# The services that can send as the user, in order of preference: (service, sender's maker).
MAILBOXES: tuple[tuple[str, Callable[[Settings, TokenSource], MailSender]], ...] = (
    ("ms365", OutlookSender),
)


async def sender_for(
    session: AsyncSession,
    actor: Actor,
    *,
    settings: Settings,
    box: SecretBox,
    mailer: Mailer,
) -> MailSender:
    """The user's own mailbox when one is connected and usable, else SMTP."""
    for service, make in MAILBOXES:

        async def token(rejected: str | None, service: str = service) -> str:
            return await integration_service.access_token(
                session, actor, service=service, settings=settings, box=box, rejected=rejected
            )

        try:
            await token(None)
        except (NotConnected, NotConfigured, ReconnectNeeded):
            continue
        except CRMError as exc:  # the provider did not answer: SMTP this time
            log.warning("mailbox_unavailable", service=service, reason=exc.detail)
            continue
        return make(settings, token)
    return SmtpSender(settings, mailer)

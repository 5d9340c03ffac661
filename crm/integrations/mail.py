"""How the CRM's own mail to a user (reminders) leaves: from the user's own mailbox when they
connected one (Outlook through Microsoft Graph's sendMail, Gmail through the Gmail API), else
through the server's SMTP; the user may choose which in Settings → Notifications
(`user_account.reminder_mailbox`). Domain code asks for `sender_for(...)` and sends `Mail`; it
never imports a provider's module."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.config import Settings
from crm.errors import CRMError, Invalid
from crm.integrations.service import CONNECTED, NotConfigured, NotConnected, ReconnectNeeded
from crm.integrations.service import integration as integration_service
from crm.kit.crypto import SecretBox
from crm.kit.mail import Mail, Mailer, compose
from crm.models import UserAccount

if TYPE_CHECKING:
    import httpx

log = structlog.get_logger()


# (rejected token or None) -> the user's current token, refreshed when the last was refused
TokenSource = Callable[[str | None], Awaitable[str]]
# (http, settings, token, mail) -> None once the service accepted it; raises ServiceError
Deliver = Callable[["httpx.AsyncClient", Settings, str, Mail], Awaitable[None]]


class MailSender(Protocol):
    """A way out for the CRM's mail; `via` is what a reminder records (smtp, microsoft365,
    gmail)."""

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


class MailboxSender:
    """The user's own mailbox at a service, as that user (their current access token)."""

    retries = True

    def __init__(self, via: str, settings: Settings, token: TokenSource, deliver: Deliver) -> None:
        self.via, self.settings, self.token, self.deliver = via, settings, token, deliver

    async def send(self, mails: Sequence[Mail]) -> list[bool]:
        """Each message in turn; a refused token is refreshed once and the message sent
        again. After a failure the rest are not tried (the service just failed)."""
        # httpx, at the first call out
        from crm.integrations.http import ServiceError, new_http_client

        accepted: list[bool] = []
        async with new_http_client() as http:
            token = await self.token(None)
            for mail in mails:
                try:
                    try:
                        await self.deliver(http, self.settings, token, mail)
                    except ServiceError as exc:
                        if exc.status != 401:
                            raise
                        token = await self.token(token)
                        await self.deliver(http, self.settings, token, mail)
                except (ServiceError, CRMError) as exc:  # the service's, or the refresh's
                    log.warning("mailbox_mail_failed", via=self.via, reason=type(exc).__name__)
                    break
                accepted.append(True)
        return accepted + [False] * (len(mails) - len(accepted))


@dataclass(frozen=True)
class Mailbox:
    """A service that can send as the user."""

    service: str  # the connection's: ms365
    via: str  # what a reminder records: microsoft365
    label: str  # as users know it: Outlook
    deliver: Deliver


# The providers' modules are imported on first use: their API clients are 13 ms of start-up.
def _graph(
    http: "httpx.AsyncClient", settings: Settings, token: str, mail: Mail
) -> Awaitable[None]:
    from crm.integrations.ms365.mail import send_with_graph

    return send_with_graph(http, settings, token, mail)


def _gmail(
    http: "httpx.AsyncClient", settings: Settings, token: str, mail: Mail
) -> Awaitable[None]:
    from crm.integrations.google.mail import send_with_gmail

    return send_with_gmail(http, settings, token, mail)


# The services that can send as the user, in the order tried when the user chose none.
MAILBOXES = (
    Mailbox("ms365", "microsoft365", "Outlook", _graph),
    Mailbox("google", "gmail", "Gmail", _gmail),
)
SMTP = "smtp"
Choice = Literal["smtp", "ms365", "google"] | None  # None: their own mailbox, else SMTP


async def sender_for(
    session: AsyncSession,
    actor: Actor,
    *,
    settings: Settings,
    box: SecretBox,
    mailer: Mailer,
) -> MailSender:
    """The mailbox the user chose, when it is connected and usable; else their own mailbox
    when one is (Outlook first); else SMTP."""
    chosen = await chosen_mailbox(session, actor)
    if chosen == SMTP:
        return SmtpSender(settings, mailer)
    for mailbox in sorted(MAILBOXES, key=lambda m: m.service != chosen):

        async def token(rejected: str | None, service: str = mailbox.service) -> str:
            return await integration_service.access_token(
                session, actor, service=service, settings=settings, box=box, rejected=rejected
            )

        try:
            await token(None)
        except (NotConnected, NotConfigured, ReconnectNeeded):
            continue
        except CRMError as exc:  # the provider did not answer: another way this time
            log.warning("mailbox_unavailable", service=mailbox.service, reason=exc.detail)
            continue
        return MailboxSender(mailbox.via, settings, token, mailbox.deliver)
    return SmtpSender(settings, mailer)


async def chosen_mailbox(session: AsyncSession, actor: Actor) -> Choice:
    """The way out the user chose for their reminders (None: the automatic one)."""
    found = await session.scalar(
        select(UserAccount.reminder_mailbox).where(UserAccount.id == actor.user_id)
    )
    return found  # type: ignore[return-value]


async def choose_mailbox(session: AsyncSession, actor: Actor, *, mailbox: str | None) -> None:
    """Set the way out of the user's reminder e-mails: smtp, ms365, google, or None."""
    if mailbox not in (None, SMTP, *(m.service for m in MAILBOXES)):
        raise Invalid("mailbox", f"{mailbox!r} is not a mailbox reminders can leave through")
    await session.execute(
        update(UserAccount).where(UserAccount.id == actor.user_id).values(reminder_mailbox=mailbox)
    )


@dataclass(frozen=True)
class MailboxChoice:
    """A way out the user can choose for their reminders, as Settings → Notifications shows
    it."""

    value: str  # "" (automatic), smtp, ms365, google
    label: str
    account: str | None = None  # the connected account's address


async def mailbox_choices(session: AsyncSession, actor: Actor) -> list[MailboxChoice]:
    """The automatic way, SMTP, and each mailbox the user has connected."""
    choices = [MailboxChoice("", "Automatic"), MailboxChoice(SMTP, "This server's mail (SMTP)")]
    for mailbox in MAILBOXES:
        row = await integration_service.get(session, actor, service=mailbox.service)
        if row is not None and row.status == CONNECTED:
            choices.append(MailboxChoice(mailbox.service, mailbox.label, row.account_email))
    return choices

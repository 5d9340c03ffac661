"""Mail from the user's own Outlook (Graph `sendMail`, kept in Sent Items): the MailSender of
Microsoft 365 (crm.integrations.mail)."""

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import structlog

from crm.config import Settings
from crm.errors import CRMError
from crm.integrations.http import ServiceError, new_http_client
from crm.integrations.ms365.graph import Graph, recipients

if TYPE_CHECKING:
    from crm.integrations.mail import Mail

log = structlog.get_logger()


class OutlookSender:
    via = "microsoft365"
    retries = True

    def __init__(self, settings: Settings, token: Callable[[str | None], Awaitable[str]]) -> None:
        self.settings, self.token = settings, token

    async def send(self, mails: "Sequence[Mail]") -> list[bool]:
        """Each message by sendMail; a refused token is refreshed once and the message sent
        again. After a failure the rest are not tried (Microsoft just failed)."""
        accepted: list[bool] = []
        async with new_http_client() as http:
            token = await self.token(None)
            for mail in mails:
                try:
                    try:
                        await Graph(http, self.settings.microsoft_graph_url, token).send_mail(
                            _message(mail)
                        )
                    except ServiceError as exc:
                        if exc.status != 401:
                            raise
                        token = await self.token(token)
                        await Graph(http, self.settings.microsoft_graph_url, token).send_mail(
                            _message(mail)
                        )
                except (ServiceError, CRMError) as exc:  # Graph's, or the refresh's
                    log.warning("outlook_mail_failed", reason=type(exc).__name__)
                    break
                accepted.append(True)
        return accepted + [False] * (len(mails) - len(accepted))


def _message(mail: "Mail") -> dict[str, Any]:
    html = mail.html is not None
    return {
        "subject": mail.subject,
        "body": {"contentType": "HTML" if html else "Text", "content": mail.html or mail.text},
        "toRecipients": recipients([mail.to]),
    }

"""Delivering a due reminder, once: the reminder's row is locked and marked sent in the same
transaction that writes its in-app notification and sends its e-mail, so a job that runs
twice (a retry, a duplicate) finds it sent and does nothing, and a job killed halfway leaves
it as it was for the retry. (One case remains: killed after the mail server accepted the
message and before the commit, the retry sends it again. SMTP has no idempotency key.)"""

import uuid
from datetime import UTC, datetime
from html import escape
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import func, select

from crm.auth.actor import Actor
from crm.config import Settings
from crm.db import Database
from crm.kit.mail import send_mail
from crm.models import Reminder, ReminderStatus, Role, UserAccount
from crm.notifications.service import notification as notification_service
from crm.reminders.service import PENDING
from crm.reminders.service import reminder as reminder_service

log = structlog.get_logger()
# Where a reminder links back to, by what it is about (most specific first).
PAGES = (
    ("event_id", "/calendar?event={}"),
    ("task_id", "/tasks/{}"),
    ("project_id", "/projects/{}"),
    ("contact_id", "/contacts/{}"),
    ("organization_id", "/organizations/{}"),
)


def link_of(reminder: Reminder) -> tuple[str, str | None, uuid.UUID | None]:
    """The page of the record the reminder is about, and that record's type and id."""
    for field, page in PAGES:
        record_id = getattr(reminder, field)
        if record_id is not None:
            kind = field.removesuffix("_id")
            return page.format(record_id), kind, record_id
    return f"/calendar?reminder={reminder.id}", "reminder", reminder.id


async def deliver(
    db: Database,
    settings: Settings,
    *,
    reminder_id: uuid.UUID,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID,
    last_try: bool = True,
) -> bool:
    """Deliver the reminder if it is due and not yet delivered; answers whether it did.
    When the mail server fails, nothing is kept and MailFailed asks for a retry, unless this
    is the `last_try`: then the reminder is delivered in the app alone."""
    actor = Actor(user_id, workspace_id, Role.member, "job")
    async with db.transaction(user_id=user_id, workspace_id=workspace_id) as session:
        # The database's clock decides "due", as it decided when the job became runnable.
        reminder = await session.scalar(
            select(Reminder)
            .where(
                Reminder.id == reminder_id,
                Reminder.owner_id == user_id,
                Reminder.status.in_(PENDING),
                Reminder.remind_at <= func.now(),
            )
            .with_for_update()
        )
        if reminder is None:
            return False
        if await reminder_service.moved_later(session, actor, reminder=reminder):
            return False
        user = await session.get_one(UserAccount, user_id)
        link, entity_type, entity_id = link_of(reminder)
        if "in_app" in reminder.channels:
            await notification_service.add(
                session,
                actor,
                kind="reminder",
                title=reminder.message,
                link=link,
                source_key=f"reminder:{reminder.id}:{reminder.remind_at.isoformat()}",
                entity_type=entity_type,
                entity_id=entity_id,
                data={"reminder_id": str(reminder.id)},
            )
        if "email" in reminder.channels:
            sent = await _email(settings, user, reminder, link)
            if not sent and settings.smtp_host and not last_try:
                raise MailFailed(f"the mail server refused reminder {reminder.id}")
        reminder.status = ReminderStatus.sent
        reminder.sent_at = datetime.now(UTC)
        reminder.version += 1
        await reminder_service.rearm(session, actor, reminder=reminder)
    log.info("reminder_delivered", reminder_id=str(reminder_id))
    return True


class MailFailed(RuntimeError):
    pass


async def _email(settings: Settings, user: UserAccount, reminder: Reminder, link: str) -> bool:
    url = settings.crm_base_url.rstrip("/") + link
    when = reminder.remind_at.astimezone(ZoneInfo(user.time_zone)).strftime("%a %d %b %Y, %H:%M")
    text = f"Reminder: {reminder.message}\n\n{when}\n\nOpen it in the CRM: {url}\n"
    html = (
        f"<p><strong>Reminder:</strong> {escape(reminder.message)}</p>"
        f"<p>{escape(when)}</p>"
        f'<p><a href="{escape(url)}">Open it in the CRM</a></p>'
    )
    return await send_mail(
        settings,
        to=user.email,
        subject=f"Reminder: {reminder.message[:120]}",
        text=text,
        html=html,
    )

"""Delivering due reminders, once, a user's many at a time: a transaction locks up to BATCH of
the user's due reminders (skipping those another delivery holds), writes their in-app
notifications in one statement, sends their e-mails (from the user's own Outlook when Microsoft
365 is connected, else over one of the worker's kept SMTP connections: crm.integrations.mail),
marks them sent with the way their e-mail left, and commits. A job that runs twice (a retry, a
duplicate, a racing worker) finds them sent or held and does nothing, and a job killed halfway
leaves them as they were for its retry. (One case remains: killed after the mail server
accepted a message and before the commit, the retry sends it again. Neither SMTP nor sendMail
has an idempotency key.)

Every reminder has its own job at its time (crm.reminders.service), but any job delivers all
of its user's reminders that are due: in a burst, the first jobs deliver the reminders of the
later ones, and drop those jobs of theirs that are queued (a job that started meanwhile finds
nothing to do and finishes at once)."""

import uuid
from datetime import UTC, datetime
from html import escape
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm import jobs
from crm.auth.actor import Actor
from crm.config import Settings
from crm.db import Database
from crm.integrations.mail import Mail, MailSender, sender_for
from crm.kit.clock import time_of_day
from crm.kit.crypto import SecretBox
from crm.kit.mail import Mailer
from crm.models import (
    CalendarEvent,
    Reminder,
    ReminderAnchor,
    ReminderStatus,
    Role,
    UserAccount,
)
from crm.notifications.service import Notice
from crm.notifications.service import notification as notification_service
from crm.records.kinds import KINDS
from crm.reminders.service import DELIVER, PENDING
from crm.reminders.service import reminder as reminder_service

log = structlog.get_logger()
# Reminders delivered in one transaction (and one run of e-mails over one connection):
# bounded, so that a burst is shared by the jobs running at once (and the worker's SMTP
# connections) and no transaction waits long for its e-mails. 25 beat 100 on lateness.
BATCH = 25
# What a reminder may be about, the most specific first (a task before its project).
ABOUT = [kind for kind in reversed(KINDS.in_link_order()) if hasattr(Reminder, kind.key)]


def link_of(reminder: Reminder) -> tuple[str, str | None, uuid.UUID | None]:
    """The page of the record the reminder is about, and that record's type and id."""
    for kind in ABOUT:
        record_id = getattr(reminder, kind.key)
        if record_id is not None:
            return kind.url(record_id), kind.name, record_id
    return KINDS["reminder"].url(reminder.id), "reminder", reminder.id


class MailFailed(RuntimeError):
    pass


async def deliver(
    db: Database,
    settings: Settings,
    *,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID,
    mailer: Mailer | None = None,
    last_try: bool = True,
) -> int:
    """Deliver the user's due reminders not yet delivered, a batch at a time until none is
    left; answers how many. When the mail server fails, the reminders it did not take stay
    due and MailFailed asks for a retry, unless this is the `last_try`: then they are
    delivered in the app alone."""
    own_mailer = mailer is None
    mailer = mailer or Mailer(settings)
    try:
        delivered = 0
        while batch := await _deliver_batch(
            db, settings, mailer, user_id=user_id, workspace_id=workspace_id, last_try=last_try
        ):
            delivered += batch
        return delivered
    finally:
        if own_mailer:
            await mailer.close()


async def _deliver_batch(
    db: Database,
    settings: Settings,
    mailer: Mailer,
    *,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID,
    last_try: bool,
) -> int:
    actor = Actor(user_id, workspace_id, Role.member, "job")
    async with db.transaction(user_id=user_id, workspace_id=workspace_id) as session:
        # The database's clock decides "due", as it decided when the job became runnable.
        due = list(
            await session.scalars(
                select(Reminder)
                .where(
                    Reminder.owner_id == user_id,
                    Reminder.status.in_(PENDING),
                    Reminder.remind_at <= func.now(),
                )
                .order_by(Reminder.remind_at)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        if not due:
            return 0
        user = await session.get_one(UserAccount, user_id)
        joins = await _meeting_urls(session, due)
        mailed = [r for r in due if "email" in r.channels]
        sender: MailSender | None = None
        accepted: list[bool] = []
        if mailed:
            # The user's own Outlook when connected, else SMTP (crm.integrations.mail).
            box = SecretBox.from_settings(settings)
            sender = await sender_for(session, actor, settings=settings, box=box, mailer=mailer)
            accepted = await sender.send(
                [_email(settings, user, r, joins.get(r.event_id)) for r in mailed]
            )
        refused = {r.id for r, ok in zip(mailed, accepted, strict=True) if not ok}
        retry = bool(refused and sender and sender.retries and not last_try)
        if retry:
            # Kept due, for the retry; the others are delivered now.
            due = [r for r in due if r.id not in refused]
        await notification_service.add(
            session,
            actor,
            notices=[_notice(r, joins.get(r.event_id)) for r in due if "in_app" in r.channels],
        )
        await session.execute(
            update(Reminder)
            .where(Reminder.id.in_([r.id for r in due]))
            .values(
                status=ReminderStatus.sent,
                sent_at=datetime.now(UTC),
                email_via=case(
                    (Reminder.id.in_([r.id for r in mailed if r.id not in refused]), sender.via),
                    else_=None,
                )
                if sender
                else None,
                version=Reminder.version + 1,
            )
        )
        if len(due) > 1:  # the jobs of the others have nothing left to do
            await jobs.cancel_due(
                session, DELIVER, key="reminder_id", values=[str(r.id) for r in due]
            )
        for reminder in due:
            if reminder.anchor == ReminderAnchor.event:
                await reminder_service.rearm(session, actor, reminder=reminder)
    log.info("reminders_delivered", user_id=str(user_id), count=len(due))
    if retry:
        raise MailFailed(f"the mail server refused {len(refused)} reminder(s)")
    return len(due)


async def _meeting_urls(session: AsyncSession, due: list[Reminder]) -> dict[uuid.UUID, str]:
    """The join links of the online meetings these reminders are about, by event (one query)."""
    event_ids = {r.event_id for r in due if r.event_id is not None}
    if not event_ids:
        return {}
    rows = await session.execute(
        select(CalendarEvent.id, CalendarEvent.meeting_url).where(
            CalendarEvent.id.in_(event_ids), CalendarEvent.meeting_url.is_not(None)
        )
    )
    return dict(rows.all())


def _notice(reminder: Reminder, join: str | None = None) -> Notice:
    link, entity_type, entity_id = link_of(reminder)
    return Notice(
        kind="reminder",
        title=reminder.message,
        link=link,
        source_key=f"reminder:{reminder.id}:{reminder.remind_at.isoformat()}",
        entity_type=entity_type,
        entity_id=entity_id,
        data={"reminder_id": str(reminder.id), **({"meeting_url": join} if join else {})},
    )


def _email(
    settings: Settings, user: UserAccount, reminder: Reminder, join: str | None = None
) -> Mail:
    url = settings.crm_base_url.rstrip("/") + link_of(reminder)[0]
    at = reminder.remind_at.astimezone(ZoneInfo(user.time_zone))
    when = f"{at:%a %d %b %Y}, {time_of_day(at, user.clock)}"
    joining = f"Join the meeting: {join}\n\n" if join else ""
    text = f"Reminder: {reminder.message}\n\n{when}\n\n{joining}Open it in the CRM: {url}\n"
    html = (
        f"<p><strong>Reminder:</strong> {escape(reminder.message)}</p>"
        f"<p>{escape(when)}</p>"
        + (f'<p><a href="{escape(join)}">Join the meeting</a></p>' if join else "")
        + f'<p><a href="{escape(url)}">Open it in the CRM</a></p>'
    )
    return Mail(to=user.email, subject=f"Reminder: {reminder.message[:120]}", text=text, html=html)

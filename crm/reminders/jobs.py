"""The reminders' background job, one per reminder at its time: it delivers that reminder and
every other of its user's that is due (crm.reminders.delivery)."""

import uuid

import procrastinate
from procrastinate import JobContext, RetryStrategy

from crm.jobs import JobDeps
from crm.reminders.delivery import deliver
from crm.reminders.service import DELIVER

# Tries of a delivery (a failing mail server is retried for about eight minutes).
ATTEMPTS = 9


async def deliver_reminder(
    context: JobContext, reminder_id: str, user_id: str, workspace_id: str
) -> None:
    # `reminder_id` is the reminder the job was queued for; the delivery takes all that are due.
    deps: JobDeps = context.additional_context["deps"]
    await deliver(
        deps.db,
        deps.settings,
        user_id=uuid.UUID(user_id),
        workspace_id=uuid.UUID(workspace_id),
        mailer=deps.mailer,
        last_try=context.job.attempts + 1 >= ATTEMPTS,
    )


def register(app: procrastinate.App) -> None:
    # Retries cover a database or mail server that fails for a while.
    app.task(
        name=DELIVER,
        pass_context=True,
        retry=RetryStrategy(max_attempts=ATTEMPTS - 1, exponential_wait=2),
    )(deliver_reminder)

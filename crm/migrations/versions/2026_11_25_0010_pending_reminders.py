"""An index of each user's pending reminders by time, for the delivery's "due now" batch.

The delivery locks a user's due reminders oldest first; through the index of all reminders
it would first step over every reminder that user was ever sent.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_reminder_owner_pending_remind_at",
        "reminder",
        ["owner_id", "remind_at"],
        postgresql_where=sa.text("status IN ('scheduled', 'snoozed')"),
    )


def downgrade() -> None:
    op.drop_index("ix_reminder_owner_pending_remind_at", table_name="reminder")

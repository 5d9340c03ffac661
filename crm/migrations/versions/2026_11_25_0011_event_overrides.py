"""Changed single occurrences of a recurring event, and attendees matched to contacts.

`calendar_event.overrides` holds the occurrences changed on their own (iCalendar's
RECURRENCE-ID components) in the series' own row, beside `exdates`: they share its RLS, its
version and ETag, its CalDAV object, and go when it goes. Contacts gain an index on their
owner and lower-cased e-mail, so an event's (or a whole range's) attendees are matched to the
user's contacts in one indexed query.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "calendar_event",
        sa.Column("overrides", JSONB(), server_default="[]", nullable=False),
    )
    op.execute("CREATE INDEX ix_contact_owner_email ON contact (owner_id, lower(email))")


def downgrade() -> None:
    op.execute("DROP INDEX ix_contact_owner_email")
    op.drop_column("calendar_event", "overrides")

"""Events indexed by owner and when their last occurrence ends: a range reads the events
not over before it from the index, where it stepped over the owner's whole history (every
past event starts before any range of today).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_calendar_event_owner_last_ends", "calendar_event", ["owner_id", "last_ends_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_calendar_event_owner_last_ends", "calendar_event")

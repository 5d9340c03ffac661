"""Reminders record how their e-mail left: the user's own mailbox (microsoft365) or smtp.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reminder", sa.Column("email_via", sa.String(20)))


def downgrade() -> None:
    op.drop_column("reminder", "email_via")

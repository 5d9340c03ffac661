"""Users choose which mailbox their reminder e-mails leave through: smtp, ms365 (Outlook) or
google (Gmail); null means their own mailbox when one is connected, else SMTP.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("reminder_mailbox", sa.String(20)))


def downgrade() -> None:
    op.drop_column("user_account", "reminder_mailbox")

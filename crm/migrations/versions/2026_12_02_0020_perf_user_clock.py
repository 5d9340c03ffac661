"""Users choose their clock: times of day written 14:00 ("24h", the default) or 2:00 PM ("12h").

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "user_account", sa.Column("clock", sa.String(3), nullable=False, server_default="24h")
    )
    op.create_check_constraint(
        op.f("ck_user_account_clock"), "user_account", "clock IN ('12h', '24h')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_user_account_clock"), "user_account", type_="check")
    op.drop_column("user_account", "clock")

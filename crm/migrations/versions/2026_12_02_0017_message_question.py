"""The question an assistant's message asked (a change waiting for the user's yes) and what
became of it, so a reloaded conversation shows it decided rather than open.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversation_message", sa.Column("question", JSONB, nullable=True))


def downgrade() -> None:
    op.drop_column("conversation_message", "question")

"""A task's status as a number beside it (`status_key`), indexed with the due date: under
row-level security a filter on the enum cannot use an index (its = is not leakproof), so a
status filter matching few tasks read every task the user sees; a smallint's = can.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

STATUS_KEY = sa.Computed(
    "CASE status WHEN 'todo' THEN 1 WHEN 'in_progress' THEN 2 WHEN 'blocked' THEN 3 "
    "WHEN 'done' THEN 4 END",
    persisted=True,
)


def upgrade() -> None:
    op.add_column("task", sa.Column("status_key", sa.SmallInteger(), STATUS_KEY, nullable=False))
    op.create_index(
        "ix_task_workspace_status_key", "task", ["workspace_id", "status_key", "due_key", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_task_workspace_status_key", "task")
    op.drop_column("task", "status_key")

"""Records: organizations, contacts, projects with their assignees, tasks, and the activity log;
trigram search indexes; row-level security on every table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.migrations.rls import ctx, protect, unprotect

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
NOW = sa.text("now()")
PROJECT_STATUS = postgresql.ENUM(
    "planned", "in_progress", "completed", "on_hold", "cancelled",
    name="project_status", create_type=False,
)
TASK_STATUS = postgresql.ENUM(
    "todo", "in_progress", "done", "blocked", name="task_status", create_type=False
)
TASK_PRIORITY = postgresql.ENUM(
    "low", "medium", "high", "urgent", name="task_priority", create_type=False
)
CONTACT_SEARCH_TEXT = (
    "lower(name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' "
    "|| coalesce(organization_name, ''))"
)
TABLES = ("activity", "task", "project_assignee", "project", "contact", "organization")


def record_columns() -> list[sa.Column]:
    """The columns every record shares (crm.models.record.RecordColumns)."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("metadata", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.Column("updated_at", TZ, server_default=NOW, nullable=False),
    ]


def owned_by(table: str) -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], ondelete="CASCADE",
            name=f"fk_{table}_workspace_id_workspace",
        ),
    ]


def trigram_index(table: str, column: str) -> None:
    op.create_index(
        f"ix_{table}_{column.removesuffix('_text')}_trgm", table, [column],
        postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"},
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for enum in (PROJECT_STATUS, TASK_STATUS, TASK_PRIORITY):
        enum.create(op.get_bind(), checkfirst=True)
    create_organization_and_contact()
    create_project_and_task()
    create_activity()
    secure()


def create_organization_and_contact() -> None:
    op.create_table(
        "organization",
        *record_columns(),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("industry", sa.String(200)),
        *owned_by("organization"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], ondelete="CASCADE",
            name="fk_organization_owner_id_user_account",
        ),
        sa.UniqueConstraint("owner_id", "id", name="uq_organization_owner_id_id"),
    )
    op.create_index(
        "uq_organization_owner_name", "organization", ["owner_id", sa.text("lower(name)")],
        unique=True,
    )
    op.create_index(
        "ix_organization_owner_updated", "organization", ["owner_id", "updated_at", "id"]
    )
    trigram_index("organization", "name")

    op.create_table(
        "contact",
        *record_columns(),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(64)),
        sa.Column("job_position", sa.String(200)),
        sa.Column("organization_id", sa.Uuid()),
        sa.Column("organization_name", sa.String(200)),
        sa.Column(
            "search_text", sa.Text(), sa.Computed(CONTACT_SEARCH_TEXT, persisted=True),
            nullable=False,
        ),
        *owned_by("contact"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], ondelete="CASCADE",
            name="fk_contact_owner_id_user_account",
        ),
        # A contact links only to an organization of the same owner.
        sa.ForeignKeyConstraint(
            ["owner_id", "organization_id"], ["organization.owner_id", "organization.id"],
            ondelete="SET NULL (organization_id)", name="fk_contact_organization_id_organization",
        ),
    )
    op.create_index("ix_contact_owner_name", "contact", ["owner_id", sa.text("lower(name)"), "id"])
    op.create_index("ix_contact_owner_updated", "contact", ["owner_id", "updated_at", "id"])
    op.create_index("ix_contact_owner_created", "contact", ["owner_id", "created_at", "id"])
    op.create_index("ix_contact_organization_id", "contact", ["organization_id"])
    trigram_index("contact", "search_text")


def create_project_and_task() -> None:
    op.create_table(
        "project",
        *record_columns(),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", PROJECT_STATUS, nullable=False),
        sa.Column("organization_id", sa.Uuid()),
        sa.Column("due_date", sa.Date()),
        sa.Column("description", sa.Text()),
        *owned_by("project"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], ondelete="CASCADE",
            name="fk_project_owner_id_user_account",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id", "organization_id"], ["organization.owner_id", "organization.id"],
            ondelete="SET NULL (organization_id)", name="fk_project_organization_id_organization",
        ),
        sa.UniqueConstraint("workspace_id", "id", name="uq_project_workspace_id_id"),
    )
    op.create_index("ix_project_owner_name", "project", ["owner_id", sa.text("lower(name)"), "id"])
    op.create_index("ix_project_owner_updated", "project", ["owner_id", "updated_at", "id"])
    op.create_index("ix_project_organization_id", "project", ["organization_id"])
    trigram_index("project", "name")

    op.create_table(
        "project_assignee",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("project_id", "user_id", name="pk_project_assignee"),
        sa.ForeignKeyConstraint(
            ["workspace_id", "project_id"], ["project.workspace_id", "project.id"],
            ondelete="CASCADE", name="fk_project_assignee_project_id_project",
        ),
        # Assignees are members of the project's workspace; leaving it ends the assignment.
        sa.ForeignKeyConstraint(
            ["workspace_id", "user_id"], ["membership.workspace_id", "membership.user_id"],
            ondelete="CASCADE", name="fk_project_assignee_user_id_membership",
        ),
    )
    op.create_index("ix_project_assignee_user_id", "project_assignee", ["user_id"])

    op.create_table(
        "task",
        *record_columns(),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid()),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", TASK_STATUS, nullable=False),
        sa.Column("priority", TASK_PRIORITY, nullable=False),
        sa.Column("assignee_id", sa.Uuid()),
        sa.Column("due_date", sa.Date()),
        sa.Column("description", sa.Text()),
        *owned_by("task"),
        sa.ForeignKeyConstraint(
            ["workspace_id", "project_id"], ["project.workspace_id", "project.id"],
            ondelete="CASCADE", name="fk_task_project_id_project",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "assignee_id"], ["membership.workspace_id", "membership.user_id"],
            ondelete="SET NULL (assignee_id)", name="fk_task_assignee_id_membership",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], ondelete="SET NULL",
            name="fk_task_created_by_id_user_account",
        ),
    )
    op.create_index("ix_task_project_id", "task", ["project_id"])
    op.create_index("ix_task_assignee_id", "task", ["assignee_id"])
    op.create_index(
        "ix_task_workspace_due", "task",
        ["workspace_id", sa.text("coalesce(due_date, DATE '9999-12-31')"), "id"],
    )
    op.create_index("ix_task_workspace_updated", "task", ["workspace_id", "updated_at", "id"])
    trigram_index("task", "name")


def create_activity() -> None:
    op.create_table(
        "activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid()),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid()),
        sa.Column("entity_type", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("changes", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("effects", postgresql.JSONB()),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        *owned_by("activity"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], ondelete="SET NULL",
            name="fk_activity_user_id_user_account",
        ),
        sa.CheckConstraint(
            "entity_type IN ('contact', 'organization', 'project', 'task')",
            name="ck_activity_entity_type",
        ),
    )
    op.create_index("ix_activity_entity", "activity", ["entity_id", "created_at", "id"])
    op.create_index("ix_activity_project_id", "activity", ["project_id"])


def secure() -> None:
    """Row-level security. No policy reads a table whose policy reads it back (that would
    recurse): project reads project_assignee, whose policy reads only its own columns; task
    and activity read project."""
    user, workspace = ctx("user_id"), ctx("workspace_id")
    mine = f"workspace_id = {workspace} AND owner_id = {user}"
    protect("organization", mine)
    protect("contact", mine)
    # Assignment rows (project id, member id) are visible across the workspace, like the
    # memberships themselves: a project's assignees must see each other. Only the project's
    # owner writes them.
    protect("project_assignee", f"workspace_id = {workspace}", mine)
    can_see_project = (
        f"workspace_id = {workspace} AND (owner_id = {user} OR EXISTS ("
        f"SELECT FROM project_assignee pa WHERE pa.project_id = project.id "
        f"AND pa.user_id = {user}))"
    )
    protect("project", can_see_project)
    protect(
        "task",
        f"workspace_id = {workspace} AND "
        "EXISTS (SELECT FROM project p WHERE p.id = task.project_id)",
    )
    # An entry is visible to its author, the record's owner, and whoever sees its project; it
    # is written only by its author.
    protect(
        "activity",
        f"workspace_id = {workspace} AND (user_id = {user} OR owner_id = {user} OR "
        "(project_id IS NOT NULL AND "
        "EXISTS (SELECT FROM project p WHERE p.id = activity.project_id)))",
        f"workspace_id = {workspace} AND user_id = {user}",
    )


def downgrade() -> None:
    # Policies first: project's reads project_assignee, task's and activity's read project.
    for table in TABLES:
        unprotect(table)
    for table in TABLES:
        op.drop_table(table)
    for enum in (TASK_PRIORITY, TASK_STATUS, PROJECT_STATUS):
        enum.drop(op.get_bind(), checkfirst=True)
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")

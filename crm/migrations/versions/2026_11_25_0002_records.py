"""Records: organizations, contacts, projects with their assignees, tasks, and the activity log;
row-level security on every table; the trigram search index and its functions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm.migrations.rls import APP_ROLE, ctx, protect, unprotect

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
NOW = sa.text("now()")
PROJECT_STATUS = postgresql.ENUM(
    "planned",
    "in_progress",
    "completed",
    "on_hold",
    "cancelled",
    name="project_status",
    create_type=False,
)
TASK_STATUS = postgresql.ENUM(
    "todo", "in_progress", "done", "blocked", name="task_status", create_type=False
)
TASK_PRIORITY = postgresql.ENUM(
    "low", "medium", "high", "urgent", name="task_priority", create_type=False
)
TABLES = ("activity", "task", "project_assignee", "project", "contact", "organization")
SEARCH_FUNCTION = "crm_search(text, text[], text, integer)"
# The columns each searched table's trigger watches (what `?q=` searches).
SEARCHED_COLUMNS = {
    "contact": "name, email, phone, organization_name",
    "organization": "name",
    "project": "name",
    "task": "name, project_id, project_owner_id",
}
# Sort keys are stored columns: under row-level security only leakproof operators can be index
# conditions, and a keyset condition on lower(name) or coalesce(due_date, ...) is not one.
SORT_NAME = sa.Computed("lower(name)", persisted=True)
DUE_KEY = sa.Computed("coalesce(due_date, DATE '9999-12-31')", persisted=True)
PRIORITY_RANK = sa.Computed(
    "CASE priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 "
    "WHEN 'urgent' THEN 4 END",
    persisted=True,
)


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
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_workspace_id_workspace",
        ),
    ]


def sort_name() -> sa.Column:
    return sa.Column("sort_name", sa.Text(), SORT_NAME, nullable=False)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for enum in (PROJECT_STATUS, TASK_STATUS, TASK_PRIORITY):
        enum.create(op.get_bind(), checkfirst=True)
    create_organization_and_contact()
    create_project_and_task()
    create_activity()
    secure()
    create_search()


def create_organization_and_contact() -> None:
    op.create_table(
        "organization",
        *record_columns(),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sort_name(),
        sa.Column("description", sa.Text()),
        sa.Column("industry", sa.String(200)),
        *owned_by("organization"),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name="fk_organization_owner_id_user_account",
        ),
        sa.UniqueConstraint("owner_id", "id", name="uq_organization_owner_id_id"),
    )
    op.create_index(
        "uq_organization_owner_sort_name", "organization", ["owner_id", "sort_name"], unique=True
    )
    op.create_index(
        "ix_organization_owner_updated", "organization", ["owner_id", "updated_at", "id"]
    )
    op.create_index(
        "ix_organization_owner_created", "organization", ["owner_id", "created_at", "id"]
    )

    op.create_table(
        "contact",
        *record_columns(),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sort_name(),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(64)),
        sa.Column("job_position", sa.String(200)),
        sa.Column("organization_id", sa.Uuid()),
        sa.Column("organization_name", sa.String(200)),
        *owned_by("contact"),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name="fk_contact_owner_id_user_account",
        ),
        # A contact links only to an organization of the same owner.
        sa.ForeignKeyConstraint(
            ["owner_id", "organization_id"],
            ["organization.owner_id", "organization.id"],
            ondelete="SET NULL (organization_id)",
            name="fk_contact_organization_id_organization",
        ),
    )
    op.create_index("ix_contact_owner_sort_name", "contact", ["owner_id", "sort_name", "id"])
    op.create_index("ix_contact_owner_updated", "contact", ["owner_id", "updated_at", "id"])
    op.create_index("ix_contact_owner_created", "contact", ["owner_id", "created_at", "id"])
    op.create_index("ix_contact_organization_id", "contact", ["organization_id"])


def create_project_and_task() -> None:
    op.create_table(
        "project",
        *record_columns(),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sort_name(),
        sa.Column("status", PROJECT_STATUS, nullable=False),
        sa.Column("organization_id", sa.Uuid()),
        sa.Column("due_date", sa.Date()),
        sa.Column("due_key", sa.Date(), DUE_KEY, nullable=False),
        sa.Column("description", sa.Text()),
        *owned_by("project"),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name="fk_project_owner_id_user_account",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id", "organization_id"],
            ["organization.owner_id", "organization.id"],
            ondelete="SET NULL (organization_id)",
            name="fk_project_organization_id_organization",
        ),
        sa.UniqueConstraint("workspace_id", "id", name="uq_project_workspace_id_id"),
        sa.UniqueConstraint(
            "workspace_id", "id", "owner_id", name="uq_project_workspace_id_id_owner"
        ),
    )
    for key in ("sort_name", "due_key", "updated_at", "created_at"):
        op.create_index(
            f"ix_project_owner_{key.removesuffix('_at')}", "project", ["owner_id", key, "id"]
        )
    op.create_index("ix_project_organization_id", "project", ["organization_id"])

    op.create_table(
        "project_assignee",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("project_id", "user_id", name="pk_project_assignee"),
        sa.ForeignKeyConstraint(
            ["workspace_id", "project_id"],
            ["project.workspace_id", "project.id"],
            ondelete="CASCADE",
            name="fk_project_assignee_project_id_project",
        ),
        # Assignees are members of the project's workspace; leaving it ends the assignment.
        sa.ForeignKeyConstraint(
            ["workspace_id", "user_id"],
            ["membership.workspace_id", "membership.user_id"],
            ondelete="CASCADE",
            name="fk_project_assignee_user_id_membership",
        ),
    )
    op.create_index("ix_project_assignee_user_id", "project_assignee", ["user_id"])

    op.create_table(
        "task",
        *record_columns(),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        # The project's owner, copied so that visibility tests only the task's own columns.
        sa.Column("project_owner_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid()),
        sa.Column("name", sa.String(200), nullable=False),
        sort_name(),
        sa.Column("status", TASK_STATUS, nullable=False),
        sa.Column("priority", TASK_PRIORITY, nullable=False),
        sa.Column("priority_rank", sa.SmallInteger(), PRIORITY_RANK, nullable=False),
        sa.Column("assignee_id", sa.Uuid()),
        sa.Column("due_date", sa.Date()),
        sa.Column("due_key", sa.Date(), DUE_KEY, nullable=False),
        sa.Column("description", sa.Text()),
        *owned_by("task"),
        sa.ForeignKeyConstraint(
            ["workspace_id", "project_id", "project_owner_id"],
            ["project.workspace_id", "project.id", "project.owner_id"],
            ondelete="CASCADE",
            name="fk_task_project_id_project",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "assignee_id"],
            ["membership.workspace_id", "membership.user_id"],
            ondelete="SET NULL (assignee_id)",
            name="fk_task_assignee_id_membership",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            ondelete="SET NULL",
            name="fk_task_created_by_id_user_account",
        ),
    )
    # Counts by status per project, read from the index alone (the policy's columns included).
    op.create_index(
        "ix_task_project_status",
        "task",
        ["project_id", "status"],
        postgresql_include=["workspace_id", "project_owner_id"],
    )
    op.create_index("ix_task_assignee_id", "task", ["assignee_id"])
    for key in ("due_key", "priority_rank", "updated_at", "created_at", "sort_name"):
        op.create_index(
            f"ix_task_workspace_{key.removesuffix('_at')}", "task", ["workspace_id", key, "id"]
        )


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
            ["user_id"],
            ["user_account.id"],
            ondelete="SET NULL",
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
    recurse): project and task read project_assignee, whose policy reads only its own columns;
    activity reads project."""
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
    # A task is visible with its project: to the project's owner (copied on the task) and its
    # assignees.
    protect(
        "task",
        f"workspace_id = {workspace} AND (project_owner_id = {user} OR EXISTS ("
        f"SELECT FROM project_assignee pa WHERE pa.project_id = task.project_id "
        f"AND pa.user_id = {user}))",
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


# What keeps `record_search` (migration 0009 replaces it and restores it on its downgrade).
INDEX_RECORD = """
CREATE OR REPLACE FUNCTION crm_index_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM record_search WHERE entity_id = OLD.id;
    ELSIF TG_TABLE_NAME = 'contact' THEN
        INSERT INTO record_search VALUES (NEW.id, 'contact', NEW.workspace_id,
            NEW.owner_id, NULL,
            lower(concat_ws(' ', NEW.name, NEW.email, NEW.phone, NEW.organization_name)))
        ON CONFLICT (entity_id) DO UPDATE SET search_text = EXCLUDED.search_text;
    ELSIF TG_TABLE_NAME = 'organization' THEN
        INSERT INTO record_search VALUES (NEW.id, 'organization', NEW.workspace_id,
            NEW.owner_id, NULL, lower(NEW.name))
        ON CONFLICT (entity_id) DO UPDATE SET search_text = EXCLUDED.search_text;
    ELSIF TG_TABLE_NAME = 'project' THEN
        INSERT INTO record_search VALUES (NEW.id, 'project', NEW.workspace_id,
            NEW.owner_id, NEW.id, lower(NEW.name))
        ON CONFLICT (entity_id) DO UPDATE SET search_text = EXCLUDED.search_text;
    ELSE
        INSERT INTO record_search VALUES (NEW.id, 'task', NEW.workspace_id,
            NEW.project_owner_id, NEW.project_id, lower(NEW.name))
        ON CONFLICT (entity_id) DO UPDATE SET owner_id = EXCLUDED.owner_id,
            project_id = EXCLUDED.project_id, search_text = EXCLUDED.search_text;
    END IF;
    RETURN NULL;
END
$$
"""


def create_search() -> None:
    """The trigram search index. Row-level security only lets leakproof operators be index
    conditions, and ILIKE and the pg_trgm operators are not leakproof, so a trigram index on a
    protected table never serves the application role. The index therefore lives in
    `record_search`, which the application role cannot touch: triggers (SECURITY DEFINER) keep
    it, and `crm_search` (SECURITY DEFINER) answers the ids of the caller's matching records.
    The caller then reads those records through their own policies, so a search can narrow a
    list but never widen it. `record_search` has row-level security enabled (with no policy, it
    shows nothing to any other role) but not forced, so that its owner, running these
    functions, can use the index."""
    op.create_table(
        "record_search",
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("entity_type", sa.String(20), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        # Who sees the record: its owner (a task's project's owner), and, for projects and
        # tasks, the project's assignees.
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid()),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entity_id", name="pk_record_search"),
    )
    # One index per kind, so a search of organizations never wades through contacts.
    for kind in SEARCHED_COLUMNS:
        op.create_index(
            f"ix_record_search_{kind}_trgm",
            "record_search",
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            postgresql_where=sa.text(f"entity_type = '{kind}'"),
        )
    op.execute("ALTER TABLE record_search ENABLE ROW LEVEL SECURITY")
    op.execute(INDEX_RECORD)
    for table, columns in SEARCHED_COLUMNS.items():
        op.execute(
            f"CREATE TRIGGER {table}_search AFTER INSERT OR DELETE OR UPDATE OF {columns} "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION crm_index_record()"
        )
    user, workspace = ctx("user_id"), ctx("workspace_id")
    # The visibility rules are written out (not left to the policies) because a superuser
    # owner, as in the embedded server, bypasses row-level security inside this function.
    assigned = (
        f"SELECT pa.project_id FROM project_assignee pa "  # noqa: S608 (module constants)
        f"WHERE pa.user_id = {user} AND pa.workspace_id = {workspace}"
    )
    visible = (
        f"s.entity_type = kind AND s.workspace_id = {workspace} "
        f"AND (s.owner_id = {user} OR s.project_id IN ({assigned}))"
    )
    # With `patterns`: the records containing one of them; else those with a word close to
    # `fuzzy`. At most cap + 1 ids: more than cap tells the caller the term is common, and an
    # ordered scan of the records will meet matches soon. Custom plans, so that the kind
    # picks its partial index.
    op.execute(
        f"""
        CREATE FUNCTION crm_search(kind text, patterns text[], fuzzy text, cap integer)
        RETURNS uuid[]
        LANGUAGE plpgsql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp SET plan_cache_mode = force_custom_plan AS $$
        DECLARE
            found uuid[];
        BEGIN
            IF patterns IS NOT NULL THEN
                SELECT array_agg(entity_id) INTO found FROM (
                    SELECT s.entity_id FROM record_search s
                    WHERE {visible} AND s.search_text ILIKE ANY (patterns) LIMIT cap + 1) m;
            ELSE
                SELECT array_agg(entity_id) INTO found FROM (
                    SELECT s.entity_id FROM record_search s
                    WHERE {visible} AND s.search_text %> fuzzy LIMIT cap + 1) m;
            END IF;
            RETURN coalesce(found, '{{}}');
        END
        $$
        """  # noqa: S608 (the interpolations are this module's constants)
    )
    op.execute("REVOKE ALL ON FUNCTION crm_index_record() FROM PUBLIC")
    op.execute(f"REVOKE ALL ON FUNCTION {SEARCH_FUNCTION} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SEARCH_FUNCTION} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {SEARCH_FUNCTION}")
    for table in SEARCHED_COLUMNS:
        op.execute(f"DROP TRIGGER {table}_search ON {table}")
    op.execute("DROP FUNCTION crm_index_record()")
    op.drop_table("record_search")
    # Policies first: project's reads project_assignee, task's and activity's read project.
    for table in TABLES:
        unprotect(table)
    for table in TABLES:
        op.drop_table(table)
    for enum in (TASK_PRIORITY, TASK_STATUS, PROJECT_STATUS):
        enum.drop(op.get_bind(), checkfirst=True)
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")

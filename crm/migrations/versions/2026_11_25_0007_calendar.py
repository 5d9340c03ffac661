"""Calendar: events, reminders, in-app notifications (row-level security on each), event and
reminder entries in the activity log, and the job queue's schema (procrastinate).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.dialects import postgresql

from crm.migrations.rls import APP_ROLE, ctx, protect, unprotect

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
NOW = sa.text("now()")
REMINDER_STATUS = postgresql.ENUM(
    "scheduled", "sent", "snoozed", "dismissed", name="reminder_status", create_type=False
)
REMINDER_ANCHOR = postgresql.ENUM("event", "task", name="reminder_anchor", create_type=False)
TABLES = ("notification", "reminder", "calendar_event")
QUEUE_SEQUENCES = (
    "procrastinate_jobs_id_seq",
    "procrastinate_events_id_seq",
    "procrastinate_periodic_defers_id_seq",
    "procrastinate_workers_id_seq",
)
QUEUE_TABLES = (
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
)
ENTITY_TYPES_BEFORE = "'contact', 'organization', 'project', 'task'"
ENTITY_TYPES = f"{ENTITY_TYPES_BEFORE}, 'event', 'reminder'"


def record_columns(table: str) -> list[sa.Column | sa.Constraint]:
    """The columns every record shares, and its owner (crm.models.record.RecordColumns)."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("metadata", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.Column("updated_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_workspace_id_workspace",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_owner_id_user_account",
        ),
    ]


def links(table: str, **ondelete: str) -> list[sa.Column | sa.Constraint]:
    """Optional links to records (SET NULL when the record goes, unless `ondelete` says)."""
    targets = {
        "contact": "contact",
        "organization": "organization",
        "project": "project",
        "task": "task",
    }
    if table == "reminder":
        targets["event"] = "calendar_event"
    items: list[sa.Column | sa.Constraint] = []
    for name, target in targets.items():
        column = f"{name}_id"
        items.append(sa.Column(column, sa.Uuid()))
        items.append(
            sa.ForeignKeyConstraint(
                [column],
                [f"{target}.id"],
                ondelete=ondelete.get(name, "SET NULL"),
                name=f"fk_{table}_{column}_{target}",
            )
        )
    return items


def upgrade() -> None:
    for enum in (REMINDER_STATUS, REMINDER_ANCHOR):
        enum.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "calendar_event",
        *record_columns("calendar_event"),
        sa.Column("uid", sa.String(255), nullable=False),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("location", sa.String(500)),
        sa.Column("starts_at", TZ, nullable=False),
        sa.Column("ends_at", TZ, nullable=False),
        sa.Column("all_day", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("attendees", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("rrule", sa.String(1000)),
        sa.Column("exdates", postgresql.ARRAY(TZ), server_default="{}", nullable=False),
        sa.Column("last_ends_at", TZ),
        *links("calendar_event"),
        sa.UniqueConstraint("owner_id", "uid", name="uq_calendar_event_owner_id_uid"),
        sa.CheckConstraint("ends_at >= starts_at", name="ck_calendar_event_ends_after_start"),
    )
    op.create_index("ix_calendar_event_owner_starts", "calendar_event", ["owner_id", "starts_at"])
    op.create_table(
        "reminder",
        *record_columns("reminder"),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("remind_at", TZ, nullable=False),
        sa.Column("anchor", REMINDER_ANCHOR),
        sa.Column("minutes_before", sa.Integer()),
        sa.Column("channels", postgresql.ARRAY(sa.String(20)), nullable=False),
        sa.Column("status", REMINDER_STATUS, nullable=False),
        sa.Column("sent_at", TZ),
        *links("reminder", task="CASCADE", event="CASCADE"),
        sa.CheckConstraint(
            "(anchor IS NULL) = (minutes_before IS NULL)", name="ck_reminder_anchor_minutes"
        ),
    )
    op.create_index("ix_reminder_owner_remind_at", "reminder", ["owner_id", "remind_at", "id"])
    for table in ("calendar_event", "reminder"):
        names = ("contact", "organization", "project", "task")
        for name in (*names, "event") if table == "reminder" else names:
            op.create_index(f"ix_{table}_{name}_id", table, [f"{name}_id"])
    create_notification()
    widen_activity(ENTITY_TYPES)
    secure()
    create_queue()


def create_notification() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source_key", sa.String(200), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("body", sa.Text()),
        sa.Column("link", sa.String(500)),
        sa.Column("entity_type", sa.String(20)),
        sa.Column("entity_id", sa.Uuid()),
        sa.Column("data", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("read_at", TZ),
        sa.Column("created_at", TZ, server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            ondelete="CASCADE",
            name="fk_notification_workspace_id_workspace",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            ondelete="CASCADE",
            name="fk_notification_user_id_user_account",
        ),
        sa.UniqueConstraint("user_id", "source_key", name="uq_notification_user_id_source_key"),
    )
    op.create_index("ix_notification_user_created", "notification", ["user_id", "created_at", "id"])
    op.create_index(
        "ix_notification_user_unread",
        "notification",
        ["user_id"],
        postgresql_where=sa.text("read_at IS NULL"),
    )


def widen_activity(types: str) -> None:
    op.drop_constraint("ck_activity_entity_type", "activity", type_="check")
    op.create_check_constraint("ck_activity_entity_type", "activity", f"entity_type IN ({types})")


def secure() -> None:
    """Events and reminders are their owner's alone; a notification is its user's."""
    user, workspace = ctx("user_id"), ctx("workspace_id")
    protect("calendar_event", f"workspace_id = {workspace} AND owner_id = {user}")
    protect("reminder", f"workspace_id = {workspace} AND owner_id = {user}")
    protect("notification", f"workspace_id = {workspace} AND user_id = {user}")


def create_queue() -> None:
    """procrastinate's schema, as its installed version ships it. Its tables hold the job
    queue that every worker shares, whoever the job is for (a job's arguments are ids only;
    the job then reads its records under their owner's context), so their policy lets the
    application role see every row."""
    schema = SchemaManager.get_schema()
    if op.get_context().as_sql:
        op.execute(schema)
    else:  # no parameters: psycopg still reads "%" as a placeholder
        op.get_bind().exec_driver_sql(schema.replace("%", "%%"))
    for table in QUEUE_TABLES:
        protect(table, "true")
    for sequence in QUEUE_SEQUENCES:
        op.execute(f"GRANT USAGE ON SEQUENCE {sequence} TO {APP_ROLE}")


def drop_queue() -> None:
    for table in QUEUE_TABLES:
        unprotect(table)
    op.execute(
        """
        DO $$
        DECLARE f record;
        BEGIN
            FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
                     JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = 'public' AND p.proname LIKE 'procrastinate\\_%'
            LOOP
                EXECUTE 'DROP FUNCTION ' || f.sig || ' CASCADE';
            END LOOP;
        END
        $$
        """
    )
    for table in QUEUE_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    for kind in (
        "procrastinate_job_to_defer_v1",
        "procrastinate_job_event_type",
        "procrastinate_job_status",
    ):
        op.execute(f"DROP TYPE IF EXISTS {kind} CASCADE")


def downgrade() -> None:
    drop_queue()
    op.execute(f"DELETE FROM activity WHERE entity_type NOT IN ({ENTITY_TYPES_BEFORE})")  # noqa: S608
    widen_activity(ENTITY_TYPES_BEFORE)
    for table in TABLES:
        unprotect(table)
        op.drop_table(table)
    for enum in (REMINDER_ANCHOR, REMINDER_STATUS):
        enum.drop(op.get_bind(), checkfirst=True)

"""Search pages in name order from the search table itself; a contact is found by its linked
organization's current name.

`record_search` gains each record's sort key, and contacts and organizations a covering index
in name order, so that `crm_search_page` answers one page of matches in one query: the
planner walks the trigram index for a rare term (few matches, sorted) and the name-ordered
index, reading only the index, for a common one (matches come early). Before, a common term
read 2,000 matches and then scanned the records themselves.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

from crm.migrations.rls import APP_ROLE, ctx

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PAGE_FUNCTION = "crm_search_page(text, text[], text, uuid, integer)"
ORDERED_KINDS = ("contact", "organization")  # the records only their owner sees
# A contact's searched text: its own fields and its linked organization's current name.
CONTACT_TEXT = "lower(concat_ws(' ', {c}.name, {c}.email, {c}.phone, {c}.organization_name, {o}))"
NEW_CONTACT_TEXT = CONTACT_TEXT.format(
    c="NEW", o="(SELECT o.name FROM organization o WHERE o.id = NEW.organization_id)"
)

INDEX_RECORD = f"""
CREATE OR REPLACE FUNCTION crm_index_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM record_search WHERE entity_id = OLD.id;
    ELSIF TG_TABLE_NAME = 'contact' THEN
        INSERT INTO record_search VALUES (NEW.id, 'contact', NEW.workspace_id,
            NEW.owner_id, NULL, {NEW_CONTACT_TEXT}, NEW.sort_name)
        ON CONFLICT (entity_id) DO UPDATE
            SET search_text = EXCLUDED.search_text, sort_key = EXCLUDED.sort_key;
    ELSIF TG_TABLE_NAME = 'organization' THEN
        INSERT INTO record_search VALUES (NEW.id, 'organization', NEW.workspace_id,
            NEW.owner_id, NULL, lower(NEW.name), NEW.sort_name)
        ON CONFLICT (entity_id) DO UPDATE
            SET search_text = EXCLUDED.search_text, sort_key = EXCLUDED.sort_key;
        IF TG_OP = 'UPDATE' AND NEW.name IS DISTINCT FROM OLD.name THEN
            UPDATE record_search s SET search_text = {CONTACT_TEXT.format(c="c", o="NEW.name")}
            FROM contact c WHERE c.organization_id = NEW.id AND s.entity_id = c.id;
        END IF;
    ELSIF TG_TABLE_NAME = 'project' THEN
        INSERT INTO record_search VALUES (NEW.id, 'project', NEW.workspace_id,
            NEW.owner_id, NEW.id, lower(NEW.name), NEW.sort_name)
        ON CONFLICT (entity_id) DO UPDATE
            SET search_text = EXCLUDED.search_text, sort_key = EXCLUDED.sort_key;
    ELSE
        INSERT INTO record_search VALUES (NEW.id, 'task', NEW.workspace_id,
            NEW.project_owner_id, NEW.project_id, lower(NEW.name), NEW.sort_name)
        ON CONFLICT (entity_id) DO UPDATE SET owner_id = EXCLUDED.owner_id,
            project_id = EXCLUDED.project_id, search_text = EXCLUDED.search_text,
            sort_key = EXCLUDED.sort_key;
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 (module constants)

CONTACT_COLUMNS = "name, email, phone, organization_name"


def _revision(number: str) -> ModuleType:
    """An earlier revision's module (their file names are not importable names)."""
    (path,) = Path(__file__).parent.glob(f"*_{number}_*.py")
    spec = importlib.util.spec_from_file_location(f"revision_{number}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _contact_trigger(columns: str) -> None:
    op.execute("DROP TRIGGER contact_search ON contact")
    op.execute(
        f"CREATE TRIGGER contact_search AFTER INSERT OR DELETE OR UPDATE OF {columns} "
        "ON contact FOR EACH ROW EXECUTE FUNCTION crm_index_record()"
    )


def upgrade() -> None:
    op.add_column("record_search", sa.Column("sort_key", sa.Text()))
    op.execute(INDEX_RECORD)
    _contact_trigger(f"{CONTACT_COLUMNS}, organization_id")
    for table in ("organization", "project", "task"):
        op.execute(
            f"UPDATE record_search s SET sort_key = t.sort_name FROM {table} t "  # noqa: S608
            "WHERE t.id = s.entity_id"
        )
    op.execute(
        f"UPDATE record_search s SET sort_key = c.sort_name, search_text = "  # noqa: S608
        f"{CONTACT_TEXT.format(c='c', o='o.name')} "
        "FROM contact c LEFT JOIN organization o ON o.id = c.organization_id "
        "WHERE c.id = s.entity_id"
    )
    for kind in ORDERED_KINDS:
        op.create_index(
            f"ix_record_search_{kind}_order", "record_search",
            ["owner_id", "sort_key", "entity_id"],
            postgresql_include=["workspace_id", "search_text"],
            postgresql_where=sa.text(f"entity_type = '{kind}'"),
        )  # fmt: skip
    user, workspace = ctx("user_id"), ctx("workspace_id")
    # One page of the caller's `kind` records containing one of `patterns`, in (sort key, id)
    # order after (after_key, after_id). The visibility rule is written out: a superuser
    # owner, as in the embedded server, bypasses row-level security in here. Custom plans, so
    # that each term's frequency picks its index.
    op.execute(
        f"""
        CREATE FUNCTION crm_search_page(
            kind text, patterns text[], after_key text, after_id uuid, lim integer)
        RETURNS uuid[]
        LANGUAGE plpgsql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp SET plan_cache_mode = force_custom_plan AS $$
        BEGIN
            IF kind NOT IN {ORDERED_KINDS} THEN
                RAISE EXCEPTION 'crm_search_page reads contacts and organizations, not %', kind;
            END IF;
            RETURN coalesce((SELECT array_agg(entity_id ORDER BY sort_key, entity_id) FROM (
                SELECT s.entity_id, s.sort_key FROM record_search s
                WHERE s.entity_type = kind AND s.owner_id = {user}
                    AND s.workspace_id = {workspace} AND s.search_text ILIKE ANY (patterns)
                    AND (after_key IS NULL OR (s.sort_key, s.entity_id) > (after_key, after_id))
                ORDER BY s.sort_key, s.entity_id LIMIT lim) page), '{{}}');
        END
        $$
        """  # noqa: S608 (the interpolations are this module's constants)
    )
    op.execute(f"REVOKE ALL ON FUNCTION {PAGE_FUNCTION} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {PAGE_FUNCTION} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {PAGE_FUNCTION}")
    for kind in ORDERED_KINDS:
        op.drop_index(f"ix_record_search_{kind}_order", "record_search")
    _contact_trigger(CONTACT_COLUMNS)
    op.execute(_revision("0002").INDEX_RECORD)
    op.drop_column("record_search", "sort_key")
    op.execute(
        "UPDATE record_search s SET search_text = "  # noqa: S608
        f"{CONTACT_TEXT.format(c='c', o='NULL')} FROM contact c WHERE c.id = s.entity_id"
    )

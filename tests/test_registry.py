"""The registry of record kinds drives every list of kinds: a kind registered only in a test
shows up in activity, search and the tools, and the database's checks and triggers (which the
migrations write) name the kinds the registry holds."""

import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from crm.assistant.pages import record_url
from crm.assistant.tools import entity_type_of
from crm.contacts.schemas import ContactSearch
from crm.contacts.service import ContactService
from crm.kit.pagination import PageQuery
from crm.models import Contact, Role
from crm.records.kind import RecordKind
from crm.records.kinds import KINDS
from crm.records.tools import VERBS, record_tools
from crm.toolbox import crm_tools
from tests.people import Person
from tests.rows import fetch
from tests.web.pages import sign_up

ACTIVITY_CHECK = (
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE conrelid = 'activity'::regclass AND contype = 'c' "
    "AND pg_get_constraintdef(oid) LIKE '%%entity_type%%'"
)


class GadgetService(ContactService):
    """A kind of the test's own, kept in the contacts' table (a real kind has its own)."""

    name = "gadget"


gadgets = GadgetService()
GADGET = RecordKind(
    "gadget",
    "gadgets",
    Contact,
    gadgets,
    record_tools(
        gadgets, plural="gadgets", search=ContactSearch, text={v: f"{v} gadgets" for v in VERBS}
    ),
    "/gadgets/{}",
    pages=True,
    icon="box",
    searchable=True,
)


def _execute(admin_url: str, statement: str) -> None:
    with psycopg.connect(admin_url) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def _kinds_checked(definition: str) -> set[str]:
    return set(re.findall(r"'(\w+)'", definition))


@pytest.fixture
def gadget_in_the_check(admin_url: str) -> Iterator[None]:
    """The activity check widened to the test's kind, as its migration would."""
    ((name, definition),) = fetch(admin_url, ACTIVITY_CHECK)
    kinds = ", ".join(f"'{k}'" for k in sorted(_kinds_checked(definition) | {"gadget"}))
    _execute(
        admin_url,
        f"ALTER TABLE activity DROP CONSTRAINT {name}, "
        f"ADD CONSTRAINT {name} CHECK (entity_type IN ({kinds}))",
    )
    yield
    _execute(
        admin_url,
        f"DELETE FROM activity WHERE entity_type = 'gadget'; "
        f"ALTER TABLE activity DROP CONSTRAINT {name}, ADD CONSTRAINT {name} {definition}",
    )


async def test_a_kind_registered_only_here_shows_up_in_activity_search_and_tools(
    app, client, admin_url, gadget_in_the_check
):
    await sign_up(client)  # signed in by cookie, for the palette
    me = (await client.get("/api/v1/me")).json()
    ada = Person("Ada", uuid.UUID(me["id"]), uuid.UUID(me["workspace_id"]), Role(me["role"]), {})
    with KINDS.adding(GADGET):
        tools = crm_tools()
        names = {f"{v}_gadget" for v in VERBS[:4]} | {"list_gadgets", "search_gadgets"}
        assert names <= set(tools)
        assert tools["delete_gadget"].destructive
        assert entity_type_of("create_gadget") == "gadget"

        async with app.state.db.transaction(**ada.context) as session:
            made = await tools["create_gadget"].call(
                session, ada.actor("assistant"), {"name": "Fabio Rossi"}
            )
        async with app.state.db.transaction(**ada.context) as session:
            await tools["update_gadget"].call(
                session, ada.actor("assistant"), {"id": str(made.id), "changes": {"phone": "1"}}
            )
            log = await gadgets.activity(session, ada.actor(), gadget_id=made.id, query=PageQuery())
        assert [(e.entity_type, e.action) for e in log.items] == [
            ("gadget", "updated"),
            ("gadget", "created"),
        ]
        assert fetch(admin_url, "SELECT channel FROM activity WHERE entity_id = %s", made.id) == [
            ("assistant",),
            ("assistant",),
        ]
        assert record_url("gadget", made.id) == f"/gadgets/{made.id}"

        found = (await client.get("/search", params={"q": "fab"})).text
        assert '<span class="palette-kind">Gadget</span>' in found
        assert f'data-href="/gadgets/{made.id}"' in found
    assert "create_gadget" not in crm_tools()
    assert "Gadget" not in (await client.get("/search", params={"q": "fab"})).text


def test_the_activity_check_names_the_kinds_of_the_registry(admin_url):
    ((_, definition),) = fetch(admin_url, ACTIVITY_CHECK)
    assert _kinds_checked(definition) == set(KINDS.names)


def test_the_search_index_triggers_stand_on_the_searchable_kinds_tables(admin_url):
    triggered = fetch(
        admin_url,
        "SELECT tgrelid::regclass::text FROM pg_trigger "
        "WHERE NOT tgisinternal AND tgfoid = 'crm_index_record'::regproc",
    )
    tables = {kind.model.__tablename__ for kind in KINDS.searchable}
    assert {table for (table,) in triggered} == tables

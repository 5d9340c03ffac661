import typing
import uuid
from datetime import UTC, date, datetime

import pytest

from crm.contacts.repository import SORTS as CONTACT_SORTS
from crm.contacts.schemas import ContactQuery
from crm.errors import Invalid
from crm.kit.pagination import decode_cursor, encode_cursor
from crm.organizations.repository import SORTS as ORGANIZATION_SORTS
from crm.organizations.schemas import OrganizationQuery
from crm.projects.repository import SORTS as PROJECT_SORTS
from crm.projects.schemas import ProjectQuery
from crm.tasks.repository import SORTS as TASK_SORTS
from crm.tasks.schemas import TaskQuery


@pytest.mark.parametrize(
    ("query", "sorts"),
    [
        (ContactQuery, CONTACT_SORTS),
        (OrganizationQuery, ORGANIZATION_SORTS),
        (ProjectQuery, PROJECT_SORTS),
        (TaskQuery, TASK_SORTS),
    ],
)
def test_every_documented_sort_has_a_key_and_every_key_is_documented(query, sorts):
    documented = typing.get_args(query.model_fields["sort"].annotation)
    assert set(documented) == set(sorts)
    assert query().sort in sorts


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("due_date", date(2027, 1, 2)),
        ("-updated_at", datetime(2027, 1, 2, 3, 4, 5, 6, UTC)),
        ("name", "ada lovelace"),
        ("-priority", 4),
    ],
)
def test_a_cursor_carries_its_sort_value_and_id_exactly(sort, value):
    key, last_id = TASK_SORTS[sort], uuid.uuid4()
    assert decode_cursor(key, encode_cursor(key, value, last_id)) == (value, last_id)


def test_a_cursor_of_another_sort_or_garbled_is_invalid_naming_cursor():
    cursor = encode_cursor(TASK_SORTS["name"], "x", uuid.uuid4())
    for key, text in (
        (TASK_SORTS["-name"], cursor),
        (TASK_SORTS["name"], "%%%"),
        (TASK_SORTS["name"], "eyJzIjoibmFtZSJ9"),  # {"s":"name"}: no value
        (TASK_SORTS["due_date"], encode_cursor(TASK_SORTS["due_date"], "x", uuid.uuid4())),
    ):
        with pytest.raises(Invalid) as raised:
            decode_cursor(key, text)
        assert raised.value.errors[0]["field"] == "cursor"

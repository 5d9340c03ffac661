"""The offline interpreter's reading of sentences and dates (no database)."""

import uuid
from datetime import date

import pytest

from crm.assistant.offline import Interpreter
from crm.assistant.reading import details, reference_in, remainder, slot_lists, understand


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        (
            "add Jane Doe, CTO at Acme",
            "create_contact",
            {"name": "Jane Doe", "job": "CTO", "org": "Acme"},
        ),
        ("add Bob at Initech", "create_contact", {"name": "Bob", "org": "Initech"}),
        (
            "her phone is +1 415 555 0100",
            "set_field",
            {"pronoun": "her", "field": "phone", "value": "+1 415 555 0100"},
        ),
        (
            "yes, add her email jane@acme.com",
            "set_field",
            {"pronoun": "her", "field": "email", "value": "jane@acme.com"},
        ),
        (
            "add a task to it called Send invoice",
            "create_task",
            {"pronoun": "it", "name": "Send invoice"},
        ),
        (
            "add a task Call Bob to project Website",
            "create_task",
            {"name": "Call Bob", "project": "Website"},
        ),
        (
            "mark Write spec as in progress",
            "set_status",
            {"target": "Write spec", "status": "in_progress"},
        ),
        ("delete contact Jane Doe", "delete", {"kind": "contact", "target": "Jane Doe"}),
        ("list my tasks", "list", {"kinds": "task"}),
    ],
)
def test_sentences_are_understood(text, intent, slots):
    assert understand(text) == (intent, slots)


@pytest.mark.parametrize(
    "text", ["flibber the wobble", "add the company Hooli and a contact Gavin Belson there", ""]
)
def test_what_is_not_understood_is_not_guessed(text):
    assert understand(text) is None


def test_due_dates_are_read_in_the_users_time_zone():
    interpreter = Interpreter(
        entities=[], time_zone="Pacific/Auckland", user_id=uuid.uuid4(), today=date(2026, 11, 25)
    )
    assert interpreter.day("tomorrow") == date(2026, 11, 26)
    assert interpreter.day("2031-03-15") == date(2031, 3, 15)
    assert interpreter.day("whenever the moon turns blue") is None


NAMES = slot_lists({"contact": ["Jane Doe"], "project": ["Website"], "task": ["Write spec"]})


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("delete Jane Doe", "delete", {"target": "Jane Doe", "named_kind": "contact"}),
        (
            "add a task to the website project",
            "create_task",
            {"project": "Website", "named_kind": "project"},
        ),
        (
            "add a task to the Website project called Send quote",
            "create_task",
            {"project": "Website", "named_kind": "project", "name": "Send quote"},
        ),
        (
            "mark the website project as on hold",
            "set_status",
            {"target": "Website", "named_kind": "project", "status": "on_hold"},
        ),
        (
            "assign Write spec to Bob Smith",
            "assign",
            {"target": "Write spec", "named_kind": "task", "member": "Bob Smith"},
        ),
        ("unassign write spec", "unassign", {"target": "Write spec", "named_kind": "task"}),
    ],
)
def test_the_users_record_names_are_slot_values(text, intent, slots):
    assert understand(text, NAMES) == (intent, slots)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("her phone is +1 415 555 0100", {"phone": "+1 415 555 0100"}),
        ("jane@acme.com", {"email": "jane@acme.com"}),
        (
            "add Jane Doe, jane@acme.com, +44 20 7946 0958",
            {"email": "jane@acme.com", "phone": "+44 20 7946 0958"},
        ),
        ("the task is due 2027-01-05", {}),
        ("add a task Call 555 0100 to Website", {}),  # no country code: not taken as a phone
    ],
)
def test_emails_and_phone_numbers_are_found_in_free_text(text, found):
    assert details(text) == found


def test_what_is_left_names_the_contact_or_no_one():
    assert remainder("add Jane Doe, jane@acme.com", {"email": "jane@acme.com"}) == "add Jane Doe"
    assert reference_in(remainder("her email is x@y.io", {"email": "x@y.io"})) == ""
    assert (
        reference_in(remainder("reach Bob at +1 415 555 0100", {"phone": "+1 415 555 0100"}))
        == "Bob"
    )

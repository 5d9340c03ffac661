"""The offline interpreter's reading of sentences and dates (no database)."""

import uuid
from datetime import date

import pytest

from crm.assistant.offline import Interpreter, understand


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

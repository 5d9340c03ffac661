"""Reading a free message for its parts (no database): names without filler, numbers in the
user's region, titles, organizations, industries, priorities, due dates and lengths."""

from datetime import date, timedelta

import pytest

from crm.assistant.extract import clean_name, is_organization_name, read, region_of
from crm.assistant.offline import Interpreter
from crm.assistant.offline_free import split_items
from crm.assistant.proposals import edit_url


def test_a_narrative_message_gives_exactly_its_parts():
    parts = read(
        "Had coffee with Marco Rossi, he's the procurement lead at Fabbrica Italia. "
        "His mobile is 333 123 4567",
        region="IT",
    )
    assert parts.people == ["Marco Rossi"]
    assert parts.organizations == ["Fabbrica Italia"]
    assert parts.job == "procurement lead"
    assert parts.phones == ["+393331234567"]
    assert (parts.emails, parts.industry, parts.priority, parts.due) == ([], None, None, None)


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("his colleague Giulia Bianchi", "Giulia Bianchi"),
        ("a guy named Tom Baker", "Tom Baker"),
        ("my new boss Ana de la Cruz", "Ana de la Cruz"),
        ("Jane Doe", "Jane Doe"),
        ("for X they're in manufacturing", None),
        ("someone from the fair", None),
    ],
)
def test_filler_is_taken_off_a_name_and_a_clause_is_no_name(said, name):
    assert clean_name(said) == name


def test_the_users_own_records_are_found_first():
    parts = read(
        "lunch with giulia bianchi from acme", region=None, contacts=["Giulia Bianchi"],
        organizations=["Acme"],
    )  # fmt: skip
    assert (parts.people, parts.organizations) == (["Giulia Bianchi"], ["Acme"])


def test_a_possessive_is_not_part_of_a_name():
    parts = read("add Jane Doe's new number", region=None, contacts=["Jane Doe"])
    assert parts.people == ["Jane Doe"]


def test_a_person_after_with_is_not_an_organization():
    parts = read("coffee with Marco Rossi at Northwind Freight", region=None)
    assert (parts.people, parts.organizations) == (["Marco Rossi"], ["Northwind Freight"])


@pytest.mark.parametrize(
    ("text", "job"),
    [
        ("she's head of sales at Acme", "head of sales"),
        ("Dana Lee, CTO of Globex", "CTO"),
        ("he is now the new VP Engineering", "VP Engineering"),
        ("works as a recruiter for Talentbridge Partners", "recruiter"),
        ("she runs purchasing for Acme", None),
        ("he's the new head of IT at Nordvik Shipping", "head of IT"),
    ],
)
def test_job_titles_are_read_only_where_said(text, job):
    assert read(text, region=None).job == job


def test_industries_priorities_statuses_and_lengths():
    assert read("they're in manufacturing", region=None).industry == "manufacturing"
    assert read("a logistics company in Genoa", region=None).industry == "logistics"
    assert read("new org Initech, software company", region=None).industry == "software"
    assert read("Genoa is in Italy", region=None).industry is None
    assert read("high priority, due Friday", region=None).priority == "high"
    assert read("this one is urgent", region=None).priority == "urgent"
    assert read("it is blocked", region=None).status == "blocked"
    assert read("a 45 minute call", region=None).duration == timedelta(minutes=45)
    assert read("due end of March 2031", region=None).due == "end of March 2031"


def test_the_region_comes_from_the_time_zone():
    assert (region_of("Europe/Rome"), region_of("America/New_York"), region_of("UTC")) == (
        "IT",
        "US",
        None,
    )
    assert read("call 06 1234 5678", region="IT").phones == ["+390612345678"]


def test_due_dates_at_the_end_of_a_month():
    interpreter = Interpreter(
        entities=[], time_zone="UTC", user_id=__import__("uuid").uuid4(), today=date(2031, 1, 15)
    )
    assert interpreter.due_day("end of March") == date(2031, 3, 31)
    assert interpreter.due_day("end of the month") == date(2031, 1, 31)
    assert interpreter.due_day("end of February 2032") == date(2032, 2, 29)


def test_a_list_is_split_outside_brackets():
    assert split_items("A (high priority, due Friday), B and C; D") == [
        "A (high priority, due Friday)",
        "B",
        "C",
        "D",
    ]


def test_organization_names_and_edit_links():
    assert is_organization_name("Brennan & Hale")
    assert not is_organization_name("for Brennan & Hale as they're in construction")
    call = {"tool": "create_contact", "arguments": {"name": "Marco Rossi", "job_position": "CTO"}}
    assert edit_url(call) == "/contacts/new?name=Marco+Rossi&job_position=CTO"
    assert edit_url({"tool": "create_event", "arguments": {}}) is None

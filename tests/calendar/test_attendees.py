"""Attendees picked among the user's contacts: their e-mail joins `attendees`, a contact
without one (or another user's) is a 422, and answers say which attendees are contacts,
read in one query for a whole range."""

from contextlib import contextmanager

from sqlalchemy import event

from tests.people import sign_up
from tests.rows import fetch
from tests.test_tools import call

EVENTS = "/api/v1/calendar/events"
START = "2026-12-01T10:00:00+01:00"


async def contact(client, person, **fields) -> dict:
    response = await client.post("/api/v1/contacts", json=fields, headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()


@contextmanager
def statements(app):
    """The SQL statements the app runs meanwhile."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_contact_invited_adds_their_email_and_is_shown_as_a_contact(client, admin_url):
    ada = await sign_up(client, "Ada")
    jane = await contact(client, ada, name="Jane Doe", email="Jane@Example.com")
    body = {
        "title": "Demo",
        "start": START,
        "attendees": ["jane@example.com", "pat@elsewhere.org"],
        "attendee_contact_ids": [jane["id"]],
    }
    response = await client.post(EVENTS, json=body, headers=ada.headers)
    assert response.status_code == 201, response.text
    event = response.json()
    # Jane once (the address typed and the contact's are the same, case aside).
    assert event["attendees"] == ["jane@example.com", "pat@elsewhere.org"]
    assert event["attendee_contacts"] == [
        {"id": jane["id"], "name": "Jane Doe", "email": jane["email"]}  # Jane@example.com
    ]
    assert fetch(admin_url, "SELECT attendees FROM calendar_event") == [
        (["jane@example.com", "pat@elsewhere.org"],)
    ]
    # PATCH adds a contact to those already invited.
    sam = await contact(client, ada, name="Sam Roe", email="sam@example.com")
    patched = await client.patch(
        f"{EVENTS}/{event['id']}", json={"attendee_contact_ids": [sam["id"]]}, headers=ada.headers
    )
    assert patched.json()["attendees"] == [
        "jane@example.com",
        "pat@elsewhere.org",
        "sam@example.com",
    ]
    assert [c["name"] for c in patched.json()["attendee_contacts"]] == ["Jane Doe", "Sam Roe"]


async def test_a_contact_without_email_or_of_another_user_is_422(client, admin_url):
    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    nomail = await contact(client, ada, name="No Mail")
    theirs = await contact(client, bob, name="Bob's", email="b@example.com")
    for contact_id, words in ((nomail["id"], "No Mail has no e-mail"), (theirs["id"], "not a")):
        body = {"title": "x", "start": START, "attendee_contact_ids": [contact_id]}
        response = await client.post(EVENTS, json=body, headers=ada.headers)
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert error["field"] == "attendee_contact_ids" and words in error["message"]
    assert fetch(admin_url, "SELECT count(*) FROM calendar_event")[0][0] == 0


async def test_a_range_reads_attendee_contacts_in_one_query(client, app):
    ada = await sign_up(client, "Ada")
    jane = await contact(client, ada, name="Jane Doe", email="jane@example.com")
    for day in range(1, 11):
        body = {
            "title": f"Call {day}",
            "start": f"2026-12-{day:02d}T10:00:00+01:00",
            "attendees": [f"other{day}@example.com"],
            "attendee_contact_ids": [jane["id"]],
        }
        assert (await client.post(EVENTS, json=body, headers=ada.headers)).status_code == 201
    params = {"start": "2026-12-01", "end": "2027-01-01"}
    with statements(app) as seen:
        response = await client.get(EVENTS, params=params, headers=ada.headers)
    items = response.json()["items"]
    assert len(items) == 10
    assert all(
        i["attendee_contacts"] == [{"id": jane["id"], "name": "Jane Doe", "email": jane["email"]}]
        for i in items
    )
    assert sum("FROM contact" in s for s in seen) == 1


async def test_the_assistant_tool_invites_a_contact_through_the_service(client, app):
    ada = await sign_up(client, "Ada")
    jane = await contact(client, ada, name="Jane Doe", email="jane@example.com")
    created = await call(
        app,
        ada,
        "create_event",
        {"title": "Call with Jane", "start": START, "attendee_contact_ids": [jane["id"]]},
    )
    assert created.attendees == ["jane@example.com"]
    assert [c.name for c in created.attendee_contacts] == ["Jane Doe"]

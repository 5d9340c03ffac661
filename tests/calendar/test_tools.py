"""The calendar's tools: the REST models as inputs, the services behind them, times read in the
user's time zone, and answers that name the record for the chat."""

from crm.calendar import endpoints as calendar_endpoints
from crm.reminders import endpoints as reminder_endpoints
from crm.toolbox import TOOLS
from tests.people import sign_up
from tests.rows import fetch
from tests.test_tools import call, endpoint, rest_model


def test_calendar_tools_take_the_rest_models():
    events = calendar_endpoints.router
    assert TOOLS["create_event"].input_model is rest_model(endpoint(events, "create_event"), "body")
    assert TOOLS["update_event"].input_model.model_fields["changes"].annotation is rest_model(
        endpoint(events, "update_event"), "body"
    )
    assert TOOLS["create_reminder"].input_model is rest_model(
        endpoint(reminder_endpoints.router, "create_reminder"), "body"
    )
    assert TOOLS["cancel_event"].destructive


async def test_events_are_created_moved_listed_and_cancelled(client, app, admin_url):
    ada = await sign_up(client, "Ada")
    await client.patch("/api/v1/me", json={"time_zone": "America/New_York"}, headers=ada.headers)
    made = await call(app, ada, "create_event", {"title": "Call Acme", "start": "2027-03-02T15:00"})
    assert made.name == "Call Acme"
    assert made.start.isoformat() == "2027-03-02T15:00:00-05:00"
    moved = await call(app, ada, "move_event", {"id": str(made.id), "start": "2027-03-03T09:30"})
    assert (moved.start.isoformat(), moved.end.isoformat()) == (
        "2027-03-03T09:30:00-05:00",
        "2027-03-03T10:30:00-05:00",
    )
    listed = await call(app, ada, "list_events", {"start": "2027-03-03", "end": "2027-03-04"})
    assert [(o.id, o.name) for o in listed.items] == [(made.id, "Call Acme")]
    await call(app, ada, "cancel_event", {"id": str(made.id)})
    assert fetch(admin_url, "SELECT count(*) FROM calendar_event")[0][0] == 0


async def test_reminders_are_created_snoozed_and_dismissed(client, app):
    ada = await sign_up(client, "Ada")
    jane = await client.post("/api/v1/contacts", json={"name": "Jane"}, headers=ada.headers)
    body = {
        "message": "call Jane",
        "remind_at": "2030-01-04T09:00",
        "channels": ["in_app", "email"],
        "contact_id": jane.json()["id"],
    }
    reminder = await call(app, ada, "create_reminder", body)
    assert reminder.name == "call Jane" and reminder.remind_at.isoformat().startswith(
        "2030-01-04T09:00:00"
    )
    snoozed = await call(
        app, ada, "snooze_reminder", {"id": str(reminder.id), "until": "2030-01-05T09:00:00Z"}
    )
    assert snoozed.status == "snoozed"
    dismissed = await call(app, ada, "dismiss_reminder", {"id": str(reminder.id)})
    assert dismissed.status == "dismissed"
    calendar = await call(app, ada, "list_calendar", {"start": "2030-01-01", "end": "2030-01-31"})
    assert calendar.items == []  # a dismissed reminder is off the calendar


async def test_one_occurrence_is_changed_and_cancelled_alone(client, app):
    ada = await sign_up(client, "Ada")
    body = {"title": "Standup", "start": "2027-03-01T09:00", "rrule": "FREQ=DAILY;COUNT=3"}
    made = await call(app, ada, "create_event", body)
    listed = await call(app, ada, "list_events", {"start": "2027-03-01", "end": "2027-03-04"})
    second, third = (o.recurrence_id.isoformat() for o in listed.items[1:])
    changes = {"start": "2027-03-02T11:00", "title": "Standup, late"}
    changed = await call(
        app,
        ada,
        "change_occurrence",
        {"id": str(made.id), "recurrence_id": second, "changes": changes},
    )
    assert [o.title for o in changed.overrides] == ["Standup, late"]
    assert TOOLS["cancel_occurrence"].destructive
    await call(app, ada, "cancel_occurrence", {"id": str(made.id), "recurrence_id": third})
    listed = await call(app, ada, "list_events", {"start": "2027-03-01", "end": "2027-03-04"})
    assert [(o.name, o.start.hour) for o in listed.items] == [
        ("Standup", 9),
        ("Standup, late", 11),
    ]

"""Sentences people type after a meeting, through the chat with the offline interpreter: what
each one writes in PostgreSQL and what the reply says."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.assistant.test_chat import say
from tests.people import join, sign_up
from tests.rows import fetch


async def test_a_project_for_an_organization_only_typed_on_a_contact_makes_the_organization(
    client, admin_url
):
    ada = await sign_up(client)
    first = await say(client, ada, "add Jane Doe, CTO at Acme")
    conversation = first["conversation_id"]
    assert fetch(admin_url, "SELECT count(*) FROM organization") == [(0,)]
    answer = await say(
        client, ada, "add a project Website relaunch for Acme due end of March", conversation
    )
    assert answer["reply"].startswith(
        "Added organization Acme. Started project Website relaunch for Acme, due "
    ), answer["reply"]
    [(project, due, organization)] = fetch(
        admin_url,
        "SELECT p.name, p.due_date, o.name FROM project p JOIN organization o"
        " ON o.id = p.organization_id",
    )
    assert (project, organization) == ("Website relaunch", "Acme")
    assert (due.month, due.day) == (3, 31)
    # Jane, whose organization was only text, is still one of the people at Acme.
    who = await say(client, ada, "who do I know at Acme?", conversation)
    assert "Jane Doe (CTO)" in who["reply"], who["reply"]


async def test_a_project_for_a_known_organization_makes_no_other(client, admin_url):
    ada = await sign_up(client)
    await client.post("/api/v1/organizations", json={"name": "Acme"}, headers=ada.headers)
    answer = await say(client, ada, "start a new project Launch for Acme")
    assert answer["reply"].startswith("Started project Launch for Acme."), answer["reply"]
    assert fetch(
        admin_url,
        "SELECT o.name, count(*) FROM project p JOIN organization o ON o.id = p.organization_id"
        " GROUP BY o.name",
    ) == [("Acme", 1)]
    assert fetch(admin_url, "SELECT count(*) FROM organization") == [(1,)]


async def project_with_tasks(client, person, *tasks):
    project = await client.post(
        "/api/v1/projects", json={"name": "Website relaunch"}, headers=person.headers
    )
    for name in tasks:
        body = {"name": name, "project_id": project.json()["id"]}
        await client.post("/api/v1/tasks", json=body, headers=person.headers)


@pytest.mark.parametrize(
    ("said", "column", "value"),
    [
        ("mark the proposal task as done", "status", "done"),
        ("the proposal task is due 2031-05-02", "due_date", date(2031, 5, 2)),
        ("set the priority of the proposal task to high", "priority", "high"),
    ],
)
async def test_a_task_named_by_a_word_of_its_name_and_the_word_task(
    client, admin_url, said, column, value
):
    ada = await sign_up(client)
    await project_with_tasks(client, ada, "Send the proposal", "Book the kickoff")
    answer = await say(client, ada, said)
    assert answer["actions"] and answer["actions"][0]["status"] == "done", answer["reply"]
    assert fetch(admin_url, f"SELECT name, {column} FROM task ORDER BY name") == [
        ("Book the kickoff", {"status": "todo", "priority": "medium"}.get(column)),
        ("Send the proposal", value),
    ]


async def test_a_project_named_by_a_word_of_its_name_and_the_word_project(client, admin_url):
    ada = await sign_up(client)
    await project_with_tasks(client, ada)
    answer = await say(client, ada, "the relaunch project is on hold")
    assert answer["reply"].startswith("Marked project Website relaunch as on hold."), answer
    assert fetch(admin_url, "SELECT status FROM project") == [("on_hold",)]


@pytest.mark.parametrize(
    ("said", "job", "organization"),
    [
        ("Tom is the head of sales at Acme", "head of sales", "Acme"),
        ("Tom is now VP of Engineering at Acme", "VP of Engineering", "Acme"),
        ("Tom moved to Initech", None, "Initech"),
    ],
)
async def test_a_contact_called_by_their_first_name_is_updated(
    client, admin_url, said, job, organization
):
    ada = await sign_up(client)
    for name in ("Tom Baker", "Jane Doe"):
        await client.post("/api/v1/contacts", json={"name": name}, headers=ada.headers)
    answer = await say(client, ada, said)
    assert answer["reply"].startswith("Updated contact Tom Baker"), answer["reply"]
    assert fetch(
        admin_url, "SELECT name, job_position, organization_name FROM contact ORDER BY name"
    ) == [("Jane Doe", None, None), ("Tom Baker", job, organization)]


async def test_a_first_name_two_contacts_share_is_not_taken_for_either(client, admin_url):
    ada = await sign_up(client)
    for name in ("Tom Baker", "Tom Hardy"):
        await client.post("/api/v1/contacts", json={"name": name}, headers=ada.headers)
    answer = await say(client, ada, "Tom is the head of sales at Acme")
    assert answer["actions"] == [], answer["reply"]
    assert fetch(admin_url, "SELECT count(*) FROM contact WHERE job_position IS NOT NULL") == [(0,)]


@pytest.mark.parametrize(
    "said", ["show my open tasks", "what tasks do I have left?", "what are my open tasks?"]
)
async def test_open_tasks_are_listed_without_the_done_ones(client, admin_url, said):
    ada = await sign_up(client)
    await project_with_tasks(client, ada, "Send the proposal", "Book the kickoff")
    await say(client, ada, "mark Book the kickoff as done")
    answer = await say(client, ada, said)
    assert answer["reply"].startswith("Your open tasks:\n- Send the proposal (task: todo"), answer
    assert "Book the kickoff" not in answer["reply"]
    assert fetch(admin_url, "SELECT name, status FROM task ORDER BY name") == [
        ("Book the kickoff", "done"),
        ("Send the proposal", "todo"),
    ]


@pytest.mark.parametrize("project", ["Website relaunch", "Website"])
async def test_a_task_added_to_a_project_called_its_name_due_a_day(client, admin_url, project):
    ada = await sign_up(client)
    await project_with_tasks(client, ada)
    said = f"add a task to the {project} project called Send the proposal due 2031-05-02"
    answer = await say(client, ada, said)
    assert "Send the proposal" in answer["reply"], answer["reply"]
    assert fetch(
        admin_url,
        "SELECT t.name, t.due_date, p.name FROM task t JOIN project p ON p.id = t.project_id",
    ) == [("Send the proposal", date(2031, 5, 2), "Website relaunch")]


async def test_a_meeting_booked_with_a_contact_is_titled_by_its_kind(client, admin_url):
    ada = await sign_up(client)
    await client.post(
        "/api/v1/contacts",
        json={"name": "Tom Baker", "email": "tom@globex.com"},
        headers=ada.headers,
    )
    answer = await say(client, ada, "book a meeting with Tom on Thursday at 11am")
    assert answer["reply"].startswith("Scheduled Meeting with Tom on Thursday"), answer["reply"]
    [(title, starts_at, contact)] = fetch(
        admin_url,
        "SELECT e.title, e.starts_at, c.name FROM calendar_event e"
        " JOIN contact c ON c.id = e.contact_id",
    )
    assert (title, contact) == ("Meeting with Tom", "Tom Baker")
    assert (starts_at.weekday(), starts_at.hour) == (3, 11)  # the user's zone: UTC
    moved = await say(client, ada, "move the meeting with Tom to Friday at 2pm")
    assert moved["reply"].startswith("Moved Meeting with Tom to Friday"), moved["reply"]
    [(starts_at,)] = fetch(admin_url, "SELECT starts_at FROM calendar_event")
    assert (starts_at.weekday(), starts_at.hour) == (4, 14)


@pytest.mark.parametrize(
    "said",
    [
        "new contact: Miles Dyson, CTO, Cyberdyne, miles@cyberdyne.com",
        "add Miles Dyson, CTO, Cyberdyne, miles@cyberdyne.com",
    ],
)
async def test_a_contact_written_as_name_title_organization(client, admin_url, said):
    ada = await sign_up(client)
    answer = await say(client, ada, said)
    assert answer["reply"].startswith("Added contact Miles Dyson"), answer["reply"]
    assert fetch(admin_url, "SELECT name, job_position, organization_name, email FROM contact") == [
        ("Miles Dyson", "CTO", "Cyberdyne", "miles@cyberdyne.com")
    ]


@pytest.mark.parametrize(
    ("said", "query", "rows"),
    [
        (
            "Acme is in the manufacturing industry",
            "SELECT name, industry FROM organization",
            [("Acme", "manufacturing")],
        ),
        ("Acme is a logistics company", "SELECT industry FROM organization", [("logistics",)]),
        (
            "rename Website relaunch to Website 2.0",
            "SELECT name FROM project",
            [("Website 2.0",)],
        ),
        (
            "set the proposal task to high priority",
            "SELECT name, priority FROM task ORDER BY name",
            [("Book the kickoff", "medium"), ("Send the proposal", "high")],
        ),
    ],
)
async def test_a_field_said_as_people_say_it(client, admin_url, said, query, rows):
    ada = await sign_up(client)
    await client.post("/api/v1/organizations", json={"name": "Acme"}, headers=ada.headers)
    await project_with_tasks(client, ada, "Send the proposal", "Book the kickoff")
    answer = await say(client, ada, said)
    assert [a["status"] for a in answer["actions"]] == ["done"], answer["reply"]
    assert fetch(admin_url, query) == rows


@pytest.mark.parametrize(
    "said", ["Tom left Globex, he's now at Initech", "Tom Baker has left Globex and joined Initech"]
)
async def test_the_organization_a_contact_left_is_not_theirs(client, admin_url, said):
    ada = await sign_up(client)
    await client.post("/api/v1/organizations", json={"name": "Globex"}, headers=ada.headers)
    body = {"name": "Tom Baker", "organization": "Globex"}
    await client.post("/api/v1/contacts", json=body, headers=ada.headers)
    answer = await say(client, ada, said)
    assert answer["reply"].startswith("Updated contact Tom Baker"), answer["reply"]
    assert "Globex" not in answer["reply"]
    assert fetch(admin_url, "SELECT name, organization_name, organization_id FROM contact") == [
        ("Tom Baker", "Initech", None)
    ]


async def test_a_member_added_to_a_project_is_assigned_to_it(client, admin_url):
    ada = await sign_up(client)
    grace = await join(client, ada)
    await project_with_tasks(client, ada)
    answer = await say(client, ada, "add Grace to the Website relaunch project")
    assert answer["reply"].startswith("Assigned project Website relaunch to Grace Hopper."), answer
    assert fetch(
        admin_url,
        "SELECT p.name, a.user_id FROM project_assignee a JOIN project p ON p.id = a.project_id",
    ) == [("Website relaunch", grace.user_id)]


async def test_a_contact_added_to_a_project_is_not_assigned_and_told_why(client, admin_url):
    ada = await sign_up(client)
    await client.post("/api/v1/contacts", json={"name": "Tom Baker"}, headers=ada.headers)
    await project_with_tasks(client, ada)
    answer = await say(client, ada, "add Tom to the Website relaunch project")
    assert "assigned to members, not to contacts" in answer["reply"], answer["reply"]
    assert fetch(admin_url, "SELECT count(*) FROM project_assignee") == [(0,)]
    assert fetch(admin_url, "SELECT name FROM contact") == [("Tom Baker",)]


@pytest.mark.parametrize(
    "said",
    [
        "I finished the proposal",
        "I've finished Send the proposal",
        "I'm done with the proposal task",
    ],
)
async def test_a_task_i_finished_is_done(client, admin_url, said):
    ada = await sign_up(client)
    await project_with_tasks(client, ada, "Send the proposal", "Book the kickoff")
    answer = await say(client, ada, said)
    assert answer["reply"].startswith("Marked task Send the proposal as done."), answer["reply"]
    assert fetch(admin_url, "SELECT name, status FROM task ORDER BY name") == [
        ("Book the kickoff", "todo"),
        ("Send the proposal", "done"),
    ]


async def test_show_me_a_contact_by_first_name_finds_them(client, admin_url):
    ada = await sign_up(client)
    body = {"name": "Tom Baker", "email": "tom@globex.com"}
    await client.post("/api/v1/contacts", json=body, headers=ada.headers)
    answer = await say(client, ada, "show me Tom")
    assert answer["reply"].startswith("I found:\n- Tom Baker (contact: tom@globex.com)"), answer
    assert answer["actions"] == []


async def test_an_organization_added_as_a_client_is_no_contact(client, admin_url):
    # "<name>, <title>, <organization>" is a contact only when the organization reads as one.
    ada = await sign_up(client)
    await say(client, ada, "add Quayside Logistics as a client, a logistics company in Genoa")
    assert fetch(admin_url, "SELECT name, industry FROM organization") == [
        ("Quayside Logistics", "logistics")
    ]
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(0,)]


async def test_an_organization_written_with_its_industry_after_a_comma_gets_it(client, admin_url):
    ada = await sign_up(client)
    answer = await say(client, ada, "new org Initech, software company")
    assert fetch(admin_url, "SELECT name, industry FROM organization") == [
        ("Initech", "software")
    ], answer["reply"]


@pytest.mark.parametrize(
    ("said", "heading"),
    [("tasks due tomorrow", "Due tomorrow"), ("overdue tasks", "Overdue (1)")],
)
async def test_a_terse_question_about_tasks_is_answered(client, admin_url, said, heading):
    ada = await sign_up(client)
    project = await client.post("/api/v1/projects", json={"name": "Website"}, headers=ada.headers)
    today = datetime.now(UTC).date()  # the user's zone: UTC
    for name, due in (
        ("Send the proposal", today + timedelta(days=1)),
        ("Pay the invoice", today - timedelta(days=2)),
    ):
        body = {"name": name, "project_id": project.json()["id"], "due_date": due.isoformat()}
        await client.post("/api/v1/tasks", json=body, headers=ada.headers)
    answer = await say(client, ada, said)
    assert answer["reply"].startswith(heading), answer["reply"]
    expected = "Send the proposal" if "tomorrow" in said else "Pay the invoice"
    other = "Pay the invoice" if "tomorrow" in said else "Send the proposal"
    assert expected in answer["reply"] and other not in answer["reply"], answer["reply"]
    assert answer["actions"] == []
    assert fetch(admin_url, "SELECT count(*) FROM task WHERE status = 'todo'") == [(2,)]


async def test_a_contact_who_moved_gets_the_title_said_after_as(client, admin_url):
    ada = await sign_up(client)
    first = await say(client, ada, "add Jane Doe, CTO at Acme")
    answer = await say(client, ada, "she's moved to Initech as COO", first["conversation_id"])
    assert answer["reply"].startswith("Updated contact Jane Doe \u2014 COO, Initech"), answer
    assert fetch(admin_url, "SELECT name, job_position, organization_name FROM contact") == [
        ("Jane Doe", "COO", "Initech")
    ]


async def test_a_new_task_in_a_project_after_a_colon(client, admin_url):
    ada = await sign_up(client)
    await client.post("/api/v1/projects", json={"name": "Onboarding"}, headers=ada.headers)
    await say(client, ada, "new task in Onboarding: Kickoff call, due 2031-05-05")
    assert fetch(
        admin_url,
        "SELECT t.name, t.due_date, p.name FROM task t JOIN project p ON p.id = t.project_id",
    ) == [("Kickoff call", date(2031, 5, 5), "Onboarding")]


async def test_details_set_on_a_named_contact_are_said_in_order(client, admin_url):
    ada = await sign_up(client)
    await client.post("/api/v1/contacts", json={"name": "Jane Doe"}, headers=ada.headers)
    answer = await say(client, ada, "Jane Doe: jane@acme.com, +1 415 555 0100")
    assert answer["reply"].startswith(
        "Set the e-mail of Jane Doe to jane@acme.com and the phone to +14155550100."
    ), answer["reply"]
    assert fetch(admin_url, "SELECT email, phone FROM contact") == [
        ("jane@acme.com", "+14155550100")
    ]


async def test_a_task_said_to_be_urgent_gets_that_priority(client, admin_url):
    ada = await sign_up(client)
    await project_with_tasks(client, ada, "Kickoff call", "Write the recap")
    answer = await say(client, ada, "Kickoff call is urgent")
    assert answer["reply"].startswith("Set the priority of Kickoff call to urgent."), answer
    assert fetch(admin_url, "SELECT name, priority FROM task ORDER BY name") == [
        ("Kickoff call", "urgent"),
        ("Write the recap", "medium"),
    ]


async def test_due_dates_are_said_as_days_not_iso_dates(client, admin_url):
    ada = await sign_up(client)
    made = await say(client, ada, "create project Launch due 2031-05-02")
    assert "due Friday 2 May 2031" in made["reply"], made["reply"]
    moved = await say(client, ada, "Launch is due 2031-05-09")
    assert moved["reply"].startswith("Launch is now due Friday 9 May 2031."), moved["reply"]
    listed = await say(client, ada, "list my projects")
    assert "Launch (project: planned, due Friday 9 May 2031)" in listed["reply"], listed["reply"]
    assert fetch(admin_url, "SELECT due_date FROM project") == [(date(2031, 5, 9),)]


async def test_a_contact_met_with_a_trade_rather_than_a_title_keeps_it(client, admin_url):
    ada = await sign_up(client)
    proposed = await say(client, ada, "just met Peter Parker, photographer at Daily Bugle")
    assert proposed["reply"].startswith("Add contact Peter Parker — photographer, Daily Bugle?")
    answer = await say(client, ada, "yes", proposed["conversation_id"])
    assert fetch(admin_url, "SELECT name, job_position, organization_name FROM contact") == [
        ("Peter Parker", "photographer", "Daily Bugle")
    ], answer["reply"]

"""Sentences people type after a meeting, through the chat with the offline interpreter: what
each one writes in PostgreSQL and what the reply says."""

from tests.assistant.test_chat import say
from tests.people import sign_up
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

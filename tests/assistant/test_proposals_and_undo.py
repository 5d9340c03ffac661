"""Free sentences end to end on the real database: what the offline interpreter is unsure of is
proposed (Add / Edit) and never written; "undo" reverts the conversation's last change through
the services, and the activity log records it."""

from tests.assistant.test_chat import say
from tests.people import sign_up
from tests.rows import fetch
from tests.web.pages import post_form
from tests.web.pages import sign_up as sign_up_on_the_page

NARRATIVE = "Had lunch with Beatrice Moreau, she's the buyer at Maison Lune"


async def test_an_unsure_narrative_is_proposed_not_written(client, admin_url):
    ada = await sign_up(client)
    answer = await say(client, ada, NARRATIVE)
    assert answer["actions"] == []
    assert answer["pending"]["tool"] == "create_contact"
    assert answer["pending"]["edit_url"] == (
        "/contacts/new?name=Beatrice+Moreau&job_position=buyer&organization=Maison+Lune"
    )
    assert "Beatrice Moreau" in answer["reply"] and "Nothing is saved yet" in answer["reply"]
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(0,)]
    added = await say(client, ada, "yes", answer["conversation_id"])
    assert [a["tool"] for a in added["actions"]] == ["create_contact"]
    assert fetch(admin_url, "SELECT name, job_position, organization_name, email FROM contact") == [
        ("Beatrice Moreau", "buyer", "Maison Lune", None)
    ]


async def test_undo_deletes_what_the_conversation_created(client, admin_url):
    ada = await sign_up(client)
    first = await say(client, ada, "add Lena Fischer, lena@fischer.example")
    undone = await say(client, ada, "undo", first["conversation_id"])
    assert "Lena Fischer" in undone["reply"] and "Undone" in undone["reply"]
    assert [a["tool"] for a in undone["actions"]] == ["undo"]
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(0,)]
    log = fetch(
        admin_url, "SELECT action, channel FROM activity WHERE entity_type = 'contact' "
        "ORDER BY created_at",
    )  # fmt: skip
    assert log == [("created", "assistant"), ("deleted", "assistant")]
    again = await say(client, ada, "undo", first["conversation_id"])
    assert "nothing to undo" in again["reply"]


async def test_undo_restores_the_values_before_a_change(client, admin_url):
    ada = await sign_up(client)
    await client.post(
        "/api/v1/contacts", json={"name": "Jane Doe", "job_position": "CTO"}, headers=ada.headers
    )
    first = await say(client, ada, "set the title of Jane Doe to CEO")
    await say(client, ada, "her phone is +1 415 555 0100", first["conversation_id"])
    undone = await say(client, ada, "undo", first["conversation_id"])
    assert fetch(admin_url, "SELECT job_position, phone FROM contact") == [("CEO", None)], undone
    await say(client, ada, "undo", first["conversation_id"])
    assert fetch(admin_url, "SELECT job_position, phone FROM contact") == [("CTO", None)]
    updates = fetch(
        admin_url,
        "SELECT count(*) FROM activity WHERE action = 'updated' AND channel = 'assistant'",
    )
    assert updates == [(4,)]


async def test_undo_of_a_delete_makes_the_record_again(client, admin_url):
    ada = await sign_up(client)
    body = {"name": "Bob Smith", "email": "bob@initech.example", "job_position": "Engineer"}
    await client.post("/api/v1/contacts", json=body, headers=ada.headers)
    first = await say(client, ada, "delete contact Bob Smith")
    await say(client, ada, "yes", first["conversation_id"])
    assert fetch(admin_url, "SELECT count(*) FROM contact") == [(0,)]
    undone = await say(client, ada, "undo", first["conversation_id"])
    assert "as a new record" in undone["reply"]
    assert fetch(admin_url, "SELECT name, email, job_position FROM contact") == [
        ("Bob Smith", "bob@initech.example", "Engineer")
    ]


async def test_undo_reaches_only_the_users_own_conversation(client, admin_url):
    ada = await sign_up(client)
    grace = await sign_up(client, name="Grace Hopper")
    await say(client, ada, "add Lena Fischer")
    answer = await say(client, grace, "undo")
    assert "nothing to undo" in answer["reply"]
    assert fetch(admin_url, "SELECT name FROM contact") == [("Lena Fischer",)]


async def test_the_page_offers_add_edit_and_undo_and_the_form_is_prefilled(client):
    await sign_up_on_the_page(client)
    sent = await post_form(client, "/assistant", {"message": NARRATIVE})
    assert sent.status_code == 303
    page = await client.get(sent.headers["location"])
    assert ">Add</button>" in page.text and ">Confirm</button>" not in page.text
    edit = "/contacts/new?name=Beatrice+Moreau&amp;job_position=buyer&amp;organization=Maison+Lune"
    assert f'href="{edit}"' in page.text
    form = await client.get(edit.replace("&amp;", "&"))
    assert 'value="Beatrice Moreau"' in form.text and 'value="Maison Lune"' in form.text
    conversation = sent.headers["location"].split("c=")[1]
    added = await post_form(client, "/assistant", {"message": "yes", "c": conversation})
    page = await client.get(added.headers["location"])
    assert 'class="chat-undo-form"' in page.text and 'value="undo"' in page.text

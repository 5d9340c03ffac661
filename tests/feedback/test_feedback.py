"""Feedback: through the page and the API, who reads whose, and RLS at the database."""

import psycopg

from tests.conftest import bearer, http_client, register
from tests.test_rls import app_connection, select_all
from tests.web.pages import invite_link, post_form, sign_up


async def send(client, message, **extra):
    response = await post_form(
        client, "/feedback", {"category": "idea", "message": message, **extra}
    )
    assert response.status_code == 200, response.text
    return response


async def join(owner, member, name="Mia Member"):
    """`member` accepts an invitation of `owner`'s workspace through the pages."""
    link = await invite_link(owner, "mia@example.com")
    path = link.removeprefix("http://127.0.0.1:8000")
    await member.get(path)
    joined = await post_form(member, path, {"name": name, "password": "correct horse battery"})
    assert joined.status_code == 303


async def test_member_sees_own_admin_sees_all_another_workspace_sees_none(app, client):
    await sign_up(client, name="Olivia Owner")
    async with http_client(app) as member:
        await join(client, member)
        await send(member, "Member idea: keyboard shortcuts")
        await send(client, "Owner idea: dark mode")
        own = await member.get("/feedback")
        assert "Member idea" in own.text and "Owner idea" not in own.text
        assert "Everyone&#39;s feedback" not in own.text

    everyone = await client.get("/feedback")
    assert "Member idea" in everyone.text and "Owner idea" in everyone.text
    assert "Mia Member" in everyone.text

    async with http_client(app) as stranger:
        await sign_up(stranger)
        other = await stranger.get("/feedback")
        assert "Member idea" not in other.text and "Owner idea" not in other.text
        assert "No feedback yet" in other.text, "an admin with none sees what to do"


async def test_feedback_form_explains_errors_and_keeps_the_message(client):
    await sign_up(client)
    long = "x" * 5001
    too_long = await post_form(client, "/feedback", {"category": "bug", "message": long})
    assert too_long.status_code == 422
    assert "at most 5000 characters" in too_long.text
    assert long in too_long.text, "the message is kept"
    bad = await post_form(
        client, "/feedback", {"category": "rant", "message": "hello", "rating": "9"}, htmx=True
    )
    assert bad.status_code == 422
    assert "<html" not in bad.text and "hello" in bad.text
    assert 'id="category-error"' in bad.text and "less than or equal to 5" in bad.text


async def test_htmx_feedback_answers_the_block_and_a_toast(client):
    await sign_up(client)
    response = await post_form(
        client, "/feedback", {"category": "question", "message": "How?", "rating": "4"}, htmx=True
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="feedback"')
    assert "your feedback is sent" in response.headers["HX-Trigger"]
    assert "4/5" in response.text


async def test_feedback_api_sends_and_lists_for_admins_only(client):
    owner = await register(client)
    sent = await client.post(
        "/api/v1/feedback",
        headers=bearer(owner),
        json={"category": "bug", "message": "The save button hides", "rating": 2},
    )
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert (body["category"], body["rating"], body["author"]["id"]) == (
        "bug",
        2,
        owner["user"]["id"],
    )
    listed = await client.get("/api/v1/feedback", headers=bearer(owner))
    assert [f["message"] for f in listed.json()["items"]] == ["The save button hides"]
    invalid = await client.post(
        "/api/v1/feedback", headers=bearer(owner), json={"category": "bug", "message": "", "x": 1}
    )
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["errors"]} == {"message", "x"}

    invited = await client.post(
        "/api/v1/workspace/invites", headers=bearer(owner), json={"email": "m@example.com"}
    )
    member = await client.post(
        "/api/v1/auth/invites/accept",
        json={
            "token": invited.json()["url"].rsplit("/", 1)[1],
            "name": "M",
            "password": "correct horse battery",
        },
    )
    forbidden = await client.get("/api/v1/feedback", headers=bearer(member.json()))
    assert forbidden.status_code == 403


async def test_feedback_api_pages_with_a_cursor(client):
    owner = await register(client)
    for n in range(3):
        await client.post(
            "/api/v1/feedback",
            headers=bearer(owner),
            json={"category": "other", "message": f"m{n}"},
        )
    first = (await client.get("/api/v1/feedback?limit=2", headers=bearer(owner))).json()
    assert [f["message"] for f in first["items"]] == ["m2", "m1"]
    rest = (
        await client.get(
            f"/api/v1/feedback?limit=2&cursor={first['next_cursor']}", headers=bearer(owner)
        )
    ).json()
    assert [f["message"] for f in rest["items"]] == ["m0"] and rest["next_cursor"] is None


async def test_rls_keeps_feedback_in_its_workspace_and_writes_only_ones_own(client, admin_url):
    a, b = await register(client), await register(client)
    for tokens in (a, b):
        await client.post(
            "/api/v1/feedback", headers=bearer(tokens), json={"category": "idea", "message": "hi"}
        )
    me_a = (await client.get("/api/v1/me", headers=bearer(a))).json()
    me_b = (await client.get("/api/v1/me", headers=bearer(b))).json()
    with app_connection(admin_url) as conn:
        rows = select_all(conn, "feedback", me_a["id"], me_a["workspace_id"])
        assert len(rows) == 1 and me_b["id"] not in repr(rows)
        assert select_all(conn, "feedback") == []
        try:
            with conn.transaction():
                conn.execute(
                    "SELECT set_config('app.user_id', %s, true), "
                    "set_config('app.workspace_id', %s, true)",
                    [me_a["id"], me_a["workspace_id"]],
                )
                conn.execute(
                    "INSERT INTO feedback (id, workspace_id, user_id, category, message) "
                    "VALUES (gen_random_uuid(), %s, %s, 'bug', 'forged')",
                    [me_a["workspace_id"], me_b["id"]],
                )
            raise AssertionError("inserting another user's feedback must fail")
        except psycopg.errors.InsufficientPrivilege:
            pass

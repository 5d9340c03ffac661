import re

from tests.conftest import PASSWORD, bearer, http_client, register
from tests.smtp import SMTPServer


async def invite(client, tokens, email="bob@example.com", role="member"):
    response = await client.post(
        "/api/v1/workspace/invites", headers=bearer(tokens), json={"email": email, "role": role}
    )
    assert response.status_code == 201, response.text
    return response.json()


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def accept(client, url, name="Bob Builder", password=PASSWORD):
    return await client.post(
        "/api/v1/auth/invites/accept",
        json={"token": token_of(url), "name": name, "password": password},
    )


async def test_invite_is_emailed_and_accepting_joins_the_workspace(custom_app):
    with SMTPServer() as smtp:
        async with custom_app(
            smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False
        ) as app:
            async with http_client(app) as client:
                owner = await register(client, "owner@example.com", name="Olivia Owner")
                created = await invite(client, owner, "bob@example.com")
                [message] = await smtp.inbox.wait(1)
                assert message["To"] == "bob@example.com"
                text = message.get_body(("plain",)).get_content()
                assert created["url"] in text
                link = re.search(r"http://\S+/invite/\S+", text).group(0)

                joined = await accept(client, link)
                assert joined.status_code == 201
                bob = joined.json()
                me = (await client.get("/api/v1/me", headers=bearer(bob))).json()
                assert me["role"] == "member"
                members = (
                    await client.get("/api/v1/workspace/members", headers=bearer(owner))
                ).json()["items"]
                assert [(m["user"]["email"], m["role"]) for m in members] == [
                    ("owner@example.com", "owner"),
                    ("bob@example.com", "member"),
                ]


async def test_invite_token_is_single_use(client):
    owner = await register(client)
    created = await invite(client, owner)
    assert (await accept(client, created["url"])).status_code == 201
    again = await accept(client, created["url"], name="Eve")
    assert again.status_code == 404


async def test_invite_without_smtp_still_answers_the_link(client):
    owner = await register(client)
    created = await invite(client, owner)
    assert created["url"].startswith("http://127.0.0.1:8000/invite/")
    pending = (await client.get("/api/v1/workspace/invites", headers=bearer(owner))).json()
    assert [i["email"] for i in pending["items"]] == ["bob@example.com"]
    assert "url" not in pending["items"][0]


async def test_revoked_invite_cannot_be_accepted(client):
    owner = await register(client)
    created = await invite(client, owner)
    response = await client.delete(
        f"/api/v1/workspace/invites/{created['id']}", headers=bearer(owner)
    )
    assert response.status_code == 204
    assert (await accept(client, created["url"])).status_code == 404


async def test_members_cannot_invite_or_change_roles(client):
    owner = await register(client)
    member = (await accept(client, (await invite(client, owner))["url"])).json()
    forbidden = await client.post(
        "/api/v1/workspace/invites", headers=bearer(member), json={"email": "x@example.com"}
    )
    assert forbidden.status_code == 403
    change = await client.patch(
        f"/api/v1/workspace/members/{owner['user']['id']}",
        headers=bearer(member),
        json={"role": "member"},
    )
    assert change.status_code == 403


async def test_owner_promotes_member_to_admin_who_can_then_invite(client):
    owner = await register(client)
    member = (await accept(client, (await invite(client, owner))["url"])).json()
    promoted = await client.patch(
        f"/api/v1/workspace/members/{member['user']['id']}",
        headers=bearer(owner),
        json={"role": "admin"},
    )
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "admin"
    # The role is read per request, so the same access token now carries admin rights.
    ok = await client.post(
        "/api/v1/workspace/invites", headers=bearer(member), json={"email": "carol@example.com"}
    )
    assert ok.status_code == 201


async def test_admin_cannot_make_owners(client):
    owner = await register(client)
    admin = (await accept(client, (await invite(client, owner, role="admin"))["url"])).json()
    response = await client.post(
        "/api/v1/workspace/invites",
        headers=bearer(admin),
        json={"email": "c@example.com", "role": "owner"},
    )
    assert response.status_code == 403
    demote = await client.patch(
        f"/api/v1/workspace/members/{owner['user']['id']}",
        headers=bearer(admin),
        json={"role": "member"},
    )
    assert demote.status_code == 403


async def test_last_owner_cannot_be_demoted_or_removed(client):
    owner = await register(client)
    me = owner["user"]["id"]
    demote = await client.patch(
        f"/api/v1/workspace/members/{me}", headers=bearer(owner), json={"role": "admin"}
    )
    assert demote.status_code == 409
    leave = await client.delete(f"/api/v1/workspace/members/{me}", headers=bearer(owner))
    assert leave.status_code == 409


async def test_removed_member_loses_access_at_once(client):
    owner = await register(client)
    member = (await accept(client, (await invite(client, owner))["url"])).json()
    removed = await client.delete(
        f"/api/v1/workspace/members/{member['user']['id']}", headers=bearer(owner)
    )
    assert removed.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(member))).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": member["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_other_workspaces_members_are_invisible(client):
    first = await register(client)
    second = await register(client)
    response = await client.patch(
        f"/api/v1/workspace/members/{first['user']['id']}",
        headers=bearer(second),
        json={"role": "member"},
    )
    assert response.status_code == 404
    members = (await client.get("/api/v1/workspace/members", headers=bearer(second))).json()
    assert [m["user"]["id"] for m in members["items"]] == [second["user"]["id"]]


async def test_inviting_an_existing_member_is_409(client):
    owner = await register(client, "owner@example.com")
    response = await client.post(
        "/api/v1/workspace/invites", headers=bearer(owner), json={"email": "OWNER@example.com"}
    )
    assert response.status_code == 409


async def test_invalid_role_is_422_naming_the_field(client):
    owner = await register(client)
    response = await client.post(
        "/api/v1/workspace/invites",
        headers=bearer(owner),
        json={"email": "b@example.com", "role": "emperor"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"

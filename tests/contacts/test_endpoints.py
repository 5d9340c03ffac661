import asyncio
import uuid

from tests.people import sign_up
from tests.rows import count, fetch

CONTACTS = "/api/v1/contacts"


async def create(client, person, **fields):
    response = await client.post(
        CONTACTS, json={"name": "Charles Babbage", **fields}, headers=person.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_contact_answers_201_with_etag_and_location(client):
    ada = await sign_up(client)
    response = await client.post(
        CONTACTS,
        json={"name": "Charles Babbage", "email": "charles@example.com", "job_position": "Sage"},
        headers=ada.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Charles Babbage"
    assert body["email"] == "charles@example.com"
    assert body["job_position"] == "Sage"
    assert body["version"] == 1
    assert body["metadata"] == {}
    assert body["created_at"] == body["updated_at"]
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"{CONTACTS}/{body['id']}"
    assert (await client.get(response.headers["location"], headers=ada.headers)).json() == body


async def test_phone_that_parses_is_stored_as_e164(client):
    ada = await sign_up(client)
    assert (await create(client, ada, phone="+44 20 7946 0958"))["phone"] == "+442079460958"
    assert (await create(client, ada, phone="+1 (650) 253-0000"))["phone"] == "+16502530000"


async def test_phone_that_does_not_parse_is_kept_as_typed(client):
    ada = await sign_up(client)
    for typed in ("020 7946 0958", "ask reception", "+1 650 253 0000 ext. 12"):
        assert (await create(client, ada, phone=typed))["phone"] == typed


async def test_invalid_email_is_422_naming_the_field(client):
    ada = await sign_up(client)
    response = await client.post(
        CONTACTS, json={"name": "X", "email": "not-an-email"}, headers=ada.headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["email"]


async def test_missing_name_and_unknown_field_are_422_naming_them(client):
    ada = await sign_up(client)
    response = await client.post(CONTACTS, json={"nickname": "X"}, headers=ada.headers)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"name", "nickname"}


async def test_metadata_over_16_kb_is_422_and_under_is_kept(client):
    ada = await sign_up(client)
    big = {"notes": "x" * 16_400}
    response = await client.post(CONTACTS, json={"name": "X", "metadata": big}, headers=ada.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "metadata"
    fine = {"notes": "x" * 16_000, "tags": ["a", "b"], "score": 3, "nested": {"vip": True}}
    assert (await create(client, ada, metadata=fine))["metadata"] == fine


async def test_metadata_must_be_an_object(client):
    ada = await sign_up(client)
    response = await client.post(
        CONTACTS, json={"name": "X", "metadata": ["a"]}, headers=ada.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "metadata"


async def test_organization_matching_one_of_mine_any_case_links_it(client):
    ada = await sign_up(client)
    org = (
        await client.post(
            "/api/v1/organizations", json={"name": "Analytical Engines Ltd"}, headers=ada.headers
        )
    ).json()
    contact = await create(client, ada, organization="analytical ENGINES ltd")
    assert contact["organization_id"] == org["id"]
    assert contact["organization"] == "Analytical Engines Ltd"


async def test_renaming_the_organization_shows_on_its_contacts(client):
    ada = await sign_up(client)
    org = (
        await client.post("/api/v1/organizations", json={"name": "Engines"}, headers=ada.headers)
    ).json()
    contact = await create(client, ada, organization="Engines")
    renamed = await client.patch(
        f"/api/v1/organizations/{org['id']}",
        json={"name": "Difference Engines"},
        headers=ada.headers,
    )
    assert renamed.status_code == 200
    again = (await client.get(f"{CONTACTS}/{contact['id']}", headers=ada.headers)).json()
    assert again["organization"] == "Difference Engines"
    assert again["organization_id"] == org["id"]


async def test_organization_not_mine_stays_text_and_unlinked(client):
    ada, bob = await sign_up(client), await sign_up(client, "Bob")
    await client.post("/api/v1/organizations", json={"name": "Bob Corp"}, headers=bob.headers)
    contact = await create(client, ada, organization="Bob Corp")
    assert contact["organization"] == "Bob Corp"
    assert contact["organization_id"] is None


async def test_put_replaces_every_field_and_left_out_ones_become_empty(client):
    ada = await sign_up(client)
    contact = await create(
        client, ada, email="c@example.com", phone="+44 20 7946 0958", metadata={"a": 1}
    )
    response = await client.put(
        f"{CONTACTS}/{contact['id']}", json={"name": "Charles B."}, headers=ada.headers
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["email"], body["phone"], body["metadata"]) == (
        "Charles B.",
        None,
        None,
        {},
    )
    assert body["version"] == 2
    assert response.headers["etag"] == '"2"'


async def test_patch_changes_only_the_given_fields(client):
    ada = await sign_up(client)
    contact = await create(client, ada, email="c@example.com", job_position="Sage")
    response = await client.patch(
        f"{CONTACTS}/{contact['id']}", json={"job_position": None}, headers=ada.headers
    )
    body = response.json()
    assert (body["email"], body["job_position"], body["version"]) == ("c@example.com", None, 2)
    assert body["updated_at"] > contact["updated_at"]


async def test_patch_with_null_name_is_422(client):
    ada = await sign_up(client)
    contact = await create(client, ada)
    response = await client.patch(
        f"{CONTACTS}/{contact['id']}", json={"name": None}, headers=ada.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


async def test_no_op_update_keeps_version_updated_at_and_writes_no_activity(client, admin_url):
    ada = await sign_up(client)
    contact = await create(client, ada, email="c@example.com")
    same = await client.patch(
        f"{CONTACTS}/{contact['id']}",
        json={"name": "Charles Babbage", "email": "c@example.com"},
        headers=ada.headers,
    )
    assert same.status_code == 200
    assert same.json()["version"] == 1
    assert same.json()["updated_at"] == contact["updated_at"]
    assert count(admin_url, "activity") == 1  # the creation only


async def test_stale_if_match_is_412_and_changes_nothing(client):
    ada = await sign_up(client)
    contact = await create(client, ada)
    url = f"{CONTACTS}/{contact['id']}"
    assert (await client.patch(url, json={"name": "v2"}, headers=ada.headers)).status_code == 200
    stale = {**ada.headers, "If-Match": '"1"'}
    for response in (
        await client.patch(url, json={"name": "lost"}, headers=stale),
        await client.put(url, json={"name": "lost"}, headers=stale),
        await client.delete(url, headers=stale),
    ):
        assert response.status_code == 412
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["etag"] == '"2"'
    current = await client.get(url, headers=ada.headers)
    assert (current.json()["name"], current.json()["version"]) == ("v2", 2)


async def test_current_if_match_applies_and_without_if_match_the_write_applies(client):
    ada = await sign_up(client)
    contact = await create(client, ada)
    url = f"{CONTACTS}/{contact['id']}"
    matched = await client.patch(
        url, json={"name": "v2"}, headers={**ada.headers, "If-Match": '"1"'}
    )
    assert matched.status_code == 200
    blind = await client.patch(url, json={"name": "v3"}, headers=ada.headers)
    assert blind.json()["version"] == 3
    deleted = await client.delete(url, headers={**ada.headers, "If-Match": '"3"'})
    assert deleted.status_code == 204


async def test_concurrent_writes_with_the_same_if_match_let_exactly_one_win(client):
    ada = await sign_up(client)
    contact = await create(client, ada)
    url = f"{CONTACTS}/{contact['id']}"
    headers = {**ada.headers, "If-Match": '"1"'}
    results = await asyncio.gather(
        *(client.patch(url, json={"name": f"writer {i}"}, headers=headers) for i in range(4))
    )
    assert sorted(r.status_code for r in results) == [200, 412, 412, 412]
    assert (await client.get(url, headers=ada.headers)).json()["version"] == 2


async def test_another_users_contact_is_404_for_read_update_and_delete(client, admin_url):
    ada, bob = await sign_up(client), await sign_up(client, "Bob")
    contact = await create(client, ada)
    url = f"{CONTACTS}/{contact['id']}"
    for response in (
        await client.get(url, headers=bob.headers),
        await client.put(url, json={"name": "Bob's now"}, headers=bob.headers),
        await client.patch(url, json={"name": "Bob's now"}, headers=bob.headers),
        await client.delete(url, headers=bob.headers),
        await client.get(f"{url}/activity", headers=bob.headers),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    assert fetch(admin_url, "SELECT name, version FROM contact") == [("Charles Babbage", 1)]


async def test_without_a_token_is_401(client):
    for response in (
        await client.get(CONTACTS),
        await client.post(CONTACTS, json={"name": "X"}),
        await client.get(f"{CONTACTS}/{uuid.uuid4()}"),
    ):
        assert response.status_code == 401


async def test_delete_answers_204_then_404(client, admin_url):
    ada = await sign_up(client)
    contact = await create(client, ada)
    url = f"{CONTACTS}/{contact['id']}"
    deleted = await client.delete(url, headers=ada.headers)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (await client.get(url, headers=ada.headers)).status_code == 404
    assert count(admin_url, "contact") == 0


async def test_unknown_id_and_malformed_id(client):
    ada = await sign_up(client)
    assert (await client.get(f"{CONTACTS}/{uuid.uuid4()}", headers=ada.headers)).status_code == 404
    malformed = await client.get(f"{CONTACTS}/not-a-uuid", headers=ada.headers)
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "contact_id"

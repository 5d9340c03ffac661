from tests.people import sign_up
from tests.rows import count, fetch

ORGS = "/api/v1/organizations"


async def create(client, person, name="Analytical Engines", **fields):
    response = await client.post(ORGS, json={"name": name, **fields}, headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_organization_answers_its_fields_and_etag(client):
    ada = await sign_up(client)
    response = await client.post(
        ORGS,
        json={
            "name": "Engines",
            "description": "Computing",
            "industry": "Machinery",
            "metadata": {"tier": "gold"},
        },
        headers=ada.headers,
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["description"], body["industry"], body["metadata"]) == (
        "Engines",
        "Computing",
        "Machinery",
        {"tier": "gold"},
    )
    assert response.headers["etag"] == '"1"'


async def test_duplicate_name_in_any_case_is_409(client, admin_url):
    ada = await sign_up(client)
    await create(client, ada, "Engines")
    response = await client.post(ORGS, json={"name": "ENGINES"}, headers=ada.headers)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert count(admin_url, "organization") == 1


async def test_another_user_may_use_the_same_name(client):
    ada, bob = await sign_up(client), await sign_up(client, "Bob")
    await create(client, ada, "Engines")
    await create(client, bob, "Engines")


async def test_renaming_onto_another_organizations_name_is_409(client):
    ada = await sign_up(client)
    await create(client, ada, "Engines")
    other = await create(client, ada, "Looms")
    for method in ("patch", "put"):
        response = await client.request(
            method, f"{ORGS}/{other['id']}", json={"name": "engines"}, headers=ada.headers
        )
        assert response.status_code == 409, method
    recased = await client.patch(
        f"{ORGS}/{other['id']}", json={"name": "LOOMS"}, headers=ada.headers
    )
    assert (recased.status_code, recased.json()["name"]) == (200, "LOOMS")


async def test_another_users_organization_is_404_for_read_update_and_delete(client, admin_url):
    ada, bob = await sign_up(client), await sign_up(client, "Bob")
    org = await create(client, ada)
    url = f"{ORGS}/{org['id']}"
    for response in (
        await client.get(url, headers=bob.headers),
        await client.put(url, json={"name": "Mine"}, headers=bob.headers),
        await client.patch(url, json={"name": "Mine"}, headers=bob.headers),
        await client.delete(url, headers=bob.headers),
        await client.get(f"{url}/contacts", headers=bob.headers),
        await client.get(f"{url}/projects", headers=bob.headers),
        await client.get(f"{url}/activity", headers=bob.headers),
    ):
        assert response.status_code == 404
    assert fetch(admin_url, "SELECT name, version FROM organization") == [("Analytical Engines", 1)]


async def test_its_contacts_and_projects_are_listed_under_it(client):
    ada = await sign_up(client)
    org = await create(client, ada, "Engines")
    other = await create(client, ada, "Looms")
    await client.post(
        "/api/v1/contacts", json={"name": "Charles", "organization": "Engines"}, headers=ada.headers
    )
    await client.post(
        "/api/v1/contacts", json={"name": "Jacquard", "organization": "Looms"}, headers=ada.headers
    )
    await client.post(
        "/api/v1/projects",
        json={"name": "Difference Engine", "organization_id": org["id"]},
        headers=ada.headers,
    )
    contacts = (await client.get(f"{ORGS}/{org['id']}/contacts", headers=ada.headers)).json()
    projects = (await client.get(f"{ORGS}/{org['id']}/projects", headers=ada.headers)).json()
    assert [c["name"] for c in contacts["items"]] == ["Charles"]
    assert [p["name"] for p in projects["items"]] == ["Difference Engine"]
    assert (await client.get(f"{ORGS}/{other['id']}/projects", headers=ada.headers)).json()[
        "items"
    ] == []


async def test_deleting_it_unlinks_its_contacts_and_projects_which_stay(client, admin_url):
    ada = await sign_up(client)
    org = await create(client, ada, "Engines")
    contact = (
        await client.post(
            "/api/v1/contacts",
            json={"name": "Charles", "organization": "engines"},
            headers=ada.headers,
        )
    ).json()
    project = (
        await client.post(
            "/api/v1/projects",
            json={"name": "Difference Engine", "organization_id": org["id"]},
            headers=ada.headers,
        )
    ).json()
    response = await client.delete(f"{ORGS}/{org['id']}", headers=ada.headers)
    assert response.status_code == 204
    kept = (await client.get(f"/api/v1/contacts/{contact['id']}", headers=ada.headers)).json()
    assert (kept["organization_id"], kept["organization"], kept["version"]) == (None, "Engines", 2)
    unlinked = (await client.get(f"/api/v1/projects/{project['id']}", headers=ada.headers)).json()
    assert (unlinked["organization_id"], unlinked["organization"], unlinked["version"]) == (
        None,
        None,
        2,
    )
    assert fetch(admin_url, "SELECT effects FROM activity WHERE action = 'deleted'") == [
        ({"contacts_unlinked": 1, "projects_unlinked": 1},)
    ]
    contact_log = (
        await client.get(f"/api/v1/contacts/{contact['id']}/activity", headers=ada.headers)
    ).json()["items"]
    assert contact_log[0]["changes"] == {"organization_id": {"from": org["id"], "to": None}}


async def test_stale_delete_is_412_and_keeps_the_links(client, admin_url):
    ada = await sign_up(client)
    org = await create(client, ada, "Engines")
    await client.post(
        "/api/v1/contacts", json={"name": "Charles", "organization": "Engines"}, headers=ada.headers
    )
    await client.patch(f"{ORGS}/{org['id']}", json={"industry": "Steam"}, headers=ada.headers)
    response = await client.delete(
        f"{ORGS}/{org['id']}", headers={**ada.headers, "If-Match": '"1"'}
    )
    assert response.status_code == 412
    assert fetch(admin_url, "SELECT organization_id::text FROM contact") == [(org["id"],)]
    assert count(admin_url, "organization") == 1


async def test_list_search_sort_and_filter(client):
    ada = await sign_up(client)
    for name, industry in (
        ("Babbage & Co", "Machinery"),
        ("Analytical Engines", "Computing"),
        ("Countess Ltd", "Computing"),
    ):
        await create(client, ada, name, industry=industry)

    async def names(**params):
        body = (await client.get(ORGS, params=params, headers=ada.headers)).json()
        return [o["name"] for o in body["items"]]

    assert await names() == ["Analytical Engines", "Babbage & Co", "Countess Ltd"]
    assert await names(sort="-name", limit=2) == ["Countess Ltd", "Babbage & Co"]
    assert await names(q="engine") == ["Analytical Engines"]
    assert await names(industry="computing") == ["Analytical Engines", "Countess Ltd"]


async def test_activity_records_each_field_from_and_to(client):
    ada = await sign_up(client)
    org = await create(client, ada, "Engines")
    await client.patch(
        f"{ORGS}/{org['id']}", json={"name": "Looms", "industry": "Textiles"}, headers=ada.headers
    )
    log = (await client.get(f"{ORGS}/{org['id']}/activity", headers=ada.headers)).json()
    assert [e["action"] for e in log["items"]] == ["updated", "created"]
    assert log["items"][0]["changes"] == {
        "name": {"from": "Engines", "to": "Looms"},
        "industry": {"from": None, "to": "Textiles"},
    }
    assert log["items"][0]["channel"] == "api"
    assert log["items"][0]["user"]["id"] == str(ada.user_id)

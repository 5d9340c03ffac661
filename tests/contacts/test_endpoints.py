import uuid

from tests.people import sign_up


async def test_create_contact_answers_201_with_etag_and_location(client):
    ada = await sign_up(client)
    response = await client.post(
        "/api/v1/contacts",
        json={"name": "Charles Babbage", "email": "charles@example.com", "phone": "+44 20 7946 0958"},
        headers=ada.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Charles Babbage"
    assert body["phone"] == "+442079460958"
    assert body["version"] == 1
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/api/v1/contacts/{body['id']}"
    uuid.UUID(body["id"])

from tests.conftest import PASSWORD, register


async def sign_in(client, email="jane@example.com"):
    await register(client, email)
    response = await client.post(
        "/api/v1/auth/session", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 200
    return response


async def test_session_cookies_are_httponly_and_samesite(client):
    response = await sign_in(client)
    cookies = {c.split("=")[0]: c for c in response.headers.get_list("set-cookie")}
    assert "HttpOnly" in cookies["crm_access"] and "SameSite=lax" in cookies["crm_access"]
    assert "HttpOnly" in cookies["crm_refresh"] and "SameSite=strict" in cookies["crm_refresh"]
    assert "HttpOnly" not in cookies["crm_csrf"]
    assert response.json()["csrf_token"] == client.cookies["crm_csrf"]


async def test_cookie_session_reads_without_csrf(client):
    await sign_in(client)
    me = await client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == "jane@example.com"


async def test_cookie_session_writes_need_the_csrf_token(client):
    response = await sign_in(client)
    csrf = response.json()["csrf_token"]
    denied = await client.patch("/api/v1/me", json={"name": "Jane D"})
    assert denied.status_code == 403
    wrong = await client.patch("/api/v1/me", json={"name": "Jane D"}, headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    ok = await client.patch("/api/v1/me", json={"name": "Jane D"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200


async def test_cookie_session_refresh_rotates_and_sign_out_ends_it(client):
    csrf = (await sign_in(client)).json()["csrf_token"]
    old_refresh = client.cookies["crm_refresh"]
    refreshed = await client.post("/api/v1/auth/session/refresh", headers={"X-CSRF-Token": csrf})
    assert refreshed.status_code == 200
    assert client.cookies["crm_refresh"] != old_refresh
    csrf = refreshed.json()["csrf_token"]
    out = await client.delete("/api/v1/auth/session", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    assert "crm_access" not in client.cookies
    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": old_refresh})
    assert again.status_code == 401

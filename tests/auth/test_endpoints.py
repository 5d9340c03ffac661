import base64
import json
import time
import uuid

import jwt
import psycopg

from tests.conftest import PASSWORD, bearer, register


async def test_register_answers_tokens_and_user(client):
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "Jane@Example.com", "password": PASSWORD, "name": "Jane Doe"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["user"]["email"] == "Jane@example.com"  # the domain is normalised
    assert body["user"]["name"] == "Jane Doe"
    me = await client.get("/api/v1/me", headers=bearer(body))
    assert me.status_code == 200
    assert me.json()["role"] == "owner"


async def test_register_twice_with_same_email_any_case_is_409(client):
    await register(client, "jane@example.com")
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "JANE@example.com", "password": PASSWORD, "name": "Jane"},
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_short_and_common_passwords_are_422_naming_the_field(client):
    for password in ("short", "password123", "aaaaaaaaaaaa"):
        response = await client.post(
            "/api/v1/auth/register",
            json={"email": "a@example.com", "password": password, "name": "A"},
        )
        assert response.status_code == 422, password
        assert response.json()["errors"][0]["field"] == "password"


async def test_invalid_email_is_422_naming_the_field(client):
    response = await client.post(
        "/api/v1/auth/register", json={"email": "not-an-email", "password": PASSWORD, "name": "A"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    assert [e["field"] for e in body["errors"]] == ["email"]


async def test_unknown_body_field_is_422(client):
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "a@example.com", "password": PASSWORD, "name": "A", "is_admin": True},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "is_admin", "message": "unknown field"}]


async def test_too_long_name_is_422(client):
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "a@example.com", "password": PASSWORD, "name": "x" * 201},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


async def test_oversized_body_is_413(client):
    response = await client.post(
        "/api/v1/auth/login",
        content=b"{" + b" " * 1_100_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


async def test_login_with_right_password(client):
    await register(client, "jane@example.com")
    response = await client.post(
        "/api/v1/auth/login", json={"email": "JANE@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(response.json()))).status_code == 200


async def test_wrong_password_and_unknown_email_answer_alike(client):
    await register(client, "jane@example.com")
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": "jane@example.com", "password": "not the password"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_login_does_the_same_work_for_an_unknown_email(client, monkeypatch):
    """An unknown e-mail still verifies one argon2 hash (a dummy one), so a failed login takes
    the same time whether the account exists or not; counted, not timed."""
    from crm.auth import passwords

    await register(client, "jane@example.com")
    verified = []
    real_verify = passwords.hasher.verify

    def counting(password, password_hash):
        verified.append(password_hash.startswith("$argon2id$"))
        return real_verify(password, password_hash)

    monkeypatch.setattr(passwords.hasher, "verify", counting)
    for email in ("jane@example.com", "nobody@example.com"):
        response = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": "wrong pass 1"}
        )
        assert response.status_code == 401
    assert verified == [True, True]


async def test_me_without_token_is_401_problem(client):
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["title"] == "Not authenticated"


async def test_refresh_rotates_and_old_token_stops_working(client):
    tokens = await register(client)
    first = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert first.status_code == 200
    new = first.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert (await client.get("/api/v1/me", headers=bearer(new))).status_code == 200
    # The rotated token keeps working until it is itself used.
    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": new["refresh_token"]})
    assert again.status_code == 200


async def test_replayed_refresh_token_revokes_its_family(client):
    tokens = await register(client)
    rotated = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).json()
    replay = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert replay.status_code == 401
    # The attacker's replay also killed the legitimate holder's newer token.
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert after.status_code == 401


async def test_replay_does_not_touch_other_logins(client):
    tokens = await register(client, "jane@example.com")
    other = (
        await client.post(
            "/api/v1/auth/login", json={"email": "jane@example.com", "password": PASSWORD}
        )
    ).json()
    await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    still = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}
    )
    assert still.status_code == 200


async def test_unknown_refresh_token_is_401(client):
    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": "nonsense"})
    assert response.status_code == 401


async def test_logout_revokes_the_refresh_token(client):
    tokens = await register(client)
    response = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 204
    again = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert again.status_code == 401


def _forge(claims, key="x" * 32, alg="HS256"):
    return jwt.encode(claims, key, algorithm=alg)


async def test_expired_access_token_is_401(client, app):
    tokens = await register(client)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    signer = app.state.issuer.signer
    claims["exp"] = int(time.time()) - 5
    expired = jwt.encode(claims, signer.keys[0], algorithm="HS256")
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_tampered_access_token_is_401(client):
    tokens = await register(client)
    header, payload, signature = tokens["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = str(uuid.uuid4())
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{header}.{forged_payload}.{signature}"
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_token_signed_with_another_key_is_401(client):
    tokens = await register(client)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {_forge(claims)}"})
    assert response.status_code == 401


async def test_alg_none_is_rejected(client):
    tokens = await register(client)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none")
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert response.status_code == 401


async def test_token_of_another_type_is_rejected(client, app):
    tokens = await register(client)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    claims["typ"] = "refresh"
    other = jwt.encode(claims, app.state.issuer.signer.keys[0], algorithm="HS256")
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"})
    assert response.status_code == 401


async def test_access_token_has_the_required_claims(client):
    tokens = await register(client)
    header = jwt.get_unverified_header(tokens["access_token"])
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert header["alg"] == "HS256"
    assert {"exp", "iat", "sub", "aud", "typ"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 900
    assert claims["sub"] == tokens["user"]["id"]


async def test_change_password_revokes_refresh_tokens(client):
    tokens = await register(client, "jane@example.com")
    response = await client.post(
        "/api/v1/me/password",
        headers=bearer(tokens),
        json={"current_password": PASSWORD, "new_password": "a brand new secret"},
    )
    assert response.status_code == 204
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 401
    old = await client.post(
        "/api/v1/auth/login", json={"email": "jane@example.com", "password": PASSWORD}
    )
    assert old.status_code == 401
    new = await client.post(
        "/api/v1/auth/login", json={"email": "jane@example.com", "password": "a brand new secret"}
    )
    assert new.status_code == 200


async def test_access_tokens_issued_before_a_password_change_stop_working(client, app, admin_url):
    tokens = await register(client, "jane@example.com")
    with psycopg.connect(admin_url) as conn:  # an account made an hour ago
        conn.execute("UPDATE user_account SET password_changed_at = now() - interval '1 hour'")
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    claims["iat"] -= 10
    earlier = jwt.encode(claims, app.state.issuer.signer.keys[0], algorithm="HS256")
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {earlier}"})
    ).status_code == 200
    await client.post(
        "/api/v1/me/password",
        headers=bearer(tokens),
        json={"current_password": PASSWORD, "new_password": "a brand new secret"},
    )
    stale = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {earlier}"})
    assert stale.status_code == 401
    assert "password was changed" in stale.json()["detail"]


async def test_change_password_with_wrong_current_is_422(client):
    tokens = await register(client)
    response = await client.post(
        "/api/v1/me/password",
        headers=bearer(tokens),
        json={"current_password": "not it at all", "new_password": "a brand new secret"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "current_password"


async def test_update_me_time_zone(client):
    tokens = await register(client)
    ok = await client.patch(
        "/api/v1/me", headers=bearer(tokens), json={"time_zone": "Europe/Paris"}
    )
    assert ok.json()["time_zone"] == "Europe/Paris"
    bad = await client.patch("/api/v1/me", headers=bearer(tokens), json={"time_zone": "Mars/Base"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "time_zone"


async def test_the_clock_is_24_hour_unless_chosen_at_sign_up_or_changed(client):
    plain = await register(client)
    assert (await client.get("/api/v1/me", headers=bearer(plain))).json()["clock"] == "24h"
    account = {"email": "ny@example.com", "password": PASSWORD, "name": "Nora", "clock": "12h"}
    nora = (await client.post("/api/v1/auth/register", json=account)).json()
    assert (await client.get("/api/v1/me", headers=bearer(nora))).json()["clock"] == "12h"
    back = await client.patch("/api/v1/me", headers=bearer(nora), json={"clock": "24h"})
    assert back.json()["clock"] == "24h"
    bad = await client.patch("/api/v1/me", headers=bearer(nora), json={"clock": "13h"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "clock"


async def test_unknown_route_is_404_problem(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_responses_carry_a_request_id(client):
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) == 32


async def test_text_with_a_nul_character_is_422_naming_the_field(client):
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "nul@example.com", "password": "long enough pass", "name": "Ja\x00ne"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "name", "message": "must not contain the NUL character"}
    ]


async def test_register_starts_in_the_time_zone_given_else_utc(client):
    account = {"email": "rome@example.com", "password": PASSWORD, "name": "Romana"}
    rome = await client.post("/api/v1/auth/register", json={**account, "time_zone": "Europe/Rome"})
    me = await client.get("/api/v1/me", headers=bearer(rome.json()))
    assert me.json()["time_zone"] == "Europe/Rome"
    plain = await register(client)
    assert (await client.get("/api/v1/me", headers=bearer(plain))).json()["time_zone"] == "UTC"
    mars = {**account, "email": "mars@example.com", "time_zone": "Mars/Base"}
    bad = await client.post("/api/v1/auth/register", json=mars)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "time_zone"

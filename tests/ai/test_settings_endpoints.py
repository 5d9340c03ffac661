"""The AI settings API: admins set the workspace's provider, anyone a personal key; keys are
sealed in PostgreSQL and never answered; requests resolve personal → workspace → environment."""

import io

import psycopg
import pytest
import structlog

from crm.ai.service import resolve
from crm.db import Database
from crm.kit.crypto import SecretBox
from crm.kit.logging import configure_logging
from tests.ai.fake_providers import Error, FakeProviders, Text
from tests.conftest import SECRET, http_client, make_settings
from tests.people import join, sign_up

KEY = "sk-ant-api03-SECRETSECRET-3f9a"


@pytest.fixture(scope="module")
def server():
    fake = FakeProviders().start()
    yield fake
    fake.stop()


async def put(client, person, **body):
    return await client.put("/api/v1/ai/settings", json=body, headers=person.headers)


async def test_defaults_when_nothing_is_set(client):
    ada = await sign_up(client)
    answer = (await client.get("/api/v1/ai/settings", headers=ada.headers)).json()
    assert answer["provider"] == "anthropic"
    assert answer["model_name"] == answer["default_models"]["anthropic"]
    assert answer["api_key_set"] is False
    assert answer["effective"] is None  # no key anywhere: the offline interpreter
    assert answer["can_edit"] is True


async def test_admin_saves_a_key_that_is_sealed_and_never_answered(client, admin_url):
    ada = await sign_up(client)
    response = await put(client, ada, provider="anthropic", api_key=KEY)
    assert response.status_code == 200, response.text
    assert KEY not in response.text
    answer = response.json()
    assert answer["api_key_set"] is True
    assert answer["api_key_hint"] == "sk-…3f9a"
    assert answer["effective"] == {
        "provider": "anthropic",
        "model_name": answer["default_models"]["anthropic"],
        "source": "workspace",
    }
    again = await client.get("/api/v1/ai/settings", headers=ada.headers)
    assert KEY not in again.text
    with psycopg.connect(admin_url) as conn:
        [(sealed,)] = conn.execute("SELECT api_key_sealed FROM ai_setting").fetchall()
    assert KEY not in sealed and "3f9a" not in sealed
    box = SecretBox([SECRET])
    assert box.decrypt(sealed, context=f"ai_setting.api_key:{ada.workspace_id}") == KEY


async def test_leaving_the_key_out_keeps_it_and_changing_provider_drops_it(client):
    ada = await sign_up(client)
    await put(client, ada, provider="anthropic", api_key=KEY)
    kept = (await put(client, ada, provider="anthropic", model_name="claude-opus-5-5")).json()
    assert kept["api_key_set"] is True and kept["model_name"] == "claude-opus-5-5"
    switched = (await put(client, ada, provider="openai")).json()
    assert switched["api_key_set"] is False
    assert switched["model_name"] == switched["default_models"]["openai"]
    cleared = (await put(client, ada, provider="openai", api_key=KEY, clear_api_key=False)).json()
    assert cleared["api_key_set"] is True
    gone = (await put(client, ada, provider="openai", clear_api_key=True)).json()
    assert gone["api_key_set"] is False


async def test_members_read_the_settings_but_cannot_change_them(client):
    ada = await sign_up(client)
    await put(client, ada, provider="openai", model_name="gpt-6.1-sol", api_key=KEY)
    grace = await join(client, ada)
    seen = (await client.get("/api/v1/ai/settings", headers=grace.headers)).json()
    assert (seen["provider"], seen["model_name"], seen["can_edit"]) == (
        "openai",
        "gpt-6.1-sol",
        False,
    )
    assert KEY not in str(seen)
    refused = await put(client, grace, provider="anthropic", api_key=KEY)
    assert refused.status_code == 403
    assert (await client.get("/api/v1/ai/settings", headers=ada.headers)).json()[
        "provider"
    ] == "openai"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"provider": "skynet"}, "provider"),
        ({"provider": "openai", "api_key": "short"}, "api_key"),
        ({"provider": "openai", "api_key": "sk-has space-1234"}, "api_key"),
        ({"provider": "openai_compatible", "model_name": "llama3.2"}, "base_url"),
        ({"provider": "openai_compatible", "base_url": "http://localhost:11434/v1"}, "model_name"),
        ({"provider": "openai_compatible", "base_url": "ftp://x", "model_name": "m"}, "base_url"),
        ({"provider": "anthropic", "anthropic_thinking_budget": 10}, "anthropic_thinking_budget"),
        ({"provider": "anthropic", "model_name": "has space"}, "model_name"),
        ({"provider": "anthropic", "surprise": 1}, "surprise"),
    ],
)
async def test_bad_input_is_422_naming_the_field(client, body, field):
    ada = await sign_up(client)
    response = await put(client, ada, **body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert "sk-has space" not in response.text


async def test_personal_key_overrides_the_workspace_for_that_user_only(client, app):
    ada = await sign_up(client)
    await put(client, ada, provider="anthropic", api_key=KEY)
    grace = await join(client, ada)
    response = await client.put(
        "/api/v1/ai/settings/personal",
        json={"provider": "openai", "api_key": "sk-proj-GRACE-PERSONAL-77aa"},
        headers=grace.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["api_key_hint"] == "sk-…77aa"
    assert "GRACE" not in response.text
    settings = app.state.settings
    async with Database(settings.database_url.get_secret_value(), 1).transaction(
        **grace.context
    ) as session:
        mine = await resolve(session, grace.actor(), settings)
    async with Database(settings.database_url.get_secret_value(), 1).transaction(
        **ada.context
    ) as session:
        hers = await resolve(session, ada.actor(), settings)
    assert mine is not None and (mine.provider, mine.source) == ("openai", "personal")
    assert hers is not None and (hers.provider, hers.source) == ("anthropic", "workspace")

    removed = await client.delete("/api/v1/ai/settings/personal", headers=grace.headers)
    assert removed.status_code == 204
    after = (await client.get("/api/v1/ai/settings", headers=grace.headers)).json()
    assert after["personal"] is None
    assert after["effective"]["source"] == "workspace"


async def test_personal_key_for_a_local_server_is_refused(client):
    ada = await sign_up(client)
    response = await client.put(
        "/api/v1/ai/settings/personal",
        json={"provider": "openai_compatible", "api_key": "sk-local-12345678"},
        headers=ada.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "provider"


async def test_environment_keys_are_the_fallback(custom_app):
    async with custom_app(gemini_api_key="AIza-from-the-environment-1") as app:
        async with http_client(app) as client:
            ada = await sign_up(client)
            answer = (await client.get("/api/v1/ai/settings", headers=ada.headers)).json()
            assert answer["effective"] == {
                "provider": "gemini",
                "model_name": answer["default_models"]["gemini"],
                "source": "environment",
            }
            # A workspace that chose OpenAI without a key, on a server without OPENAI_API_KEY:
            # nothing to use, so the offline interpreter.
            await put(client, ada, provider="openai")
            answer = (await client.get("/api/v1/ai/settings", headers=ada.headers)).json()
            assert answer["effective"] is None


async def test_other_workspaces_cannot_see_a_workspace_s_settings(client, admin_url):
    ada = await sign_up(client)
    await put(client, ada, provider="openai", model_name="gpt-6.1-sol", api_key=KEY)
    eve = await sign_up(client, name="Eve")
    seen = (await client.get("/api/v1/ai/settings", headers=eve.headers)).json()
    assert seen["provider"] == "anthropic" and seen["api_key_set"] is False
    # Row-level security hides the row from the application role itself.
    settings = make_settings(admin_url)
    async with Database(settings.database_url.get_secret_value(), 1).transaction(
        **eve.context
    ) as session:
        from sqlalchemy import text

        rows = (await session.execute(text("SELECT count(*) FROM ai_setting"))).scalar_one()
    assert rows == 0


async def test_test_connection_through_the_api(client, server):
    ada = await sign_up(client)
    nothing = (await client.post("/api/v1/ai/test", headers=ada.headers)).json()
    assert (nothing["ok"], nothing["kind"]) == (False, "not_configured")
    await put(
        client,
        ada,
        provider="openai_compatible",
        base_url=server.url + "/v1",
        model_name="llama3.2",
    )
    server.then(Text("OK"))
    ok = (await client.post("/api/v1/ai/test", headers=ada.headers)).json()
    assert ok["ok"] is True, ok
    assert ok["model_name"] == "llama3.2"
    server.then(Error(401, {"error": {"message": "no", "type": "invalid_request_error"}}))
    bad = (await client.post("/api/v1/ai/test", headers=ada.headers)).json()
    assert (bad["ok"], bad["kind"]) == (False, "bad_key")
    assert "Settings → AI" in bad["message"]


async def test_keys_never_reach_the_log(client):
    stream = io.StringIO()
    configure_logging("INFO")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(stream))
    try:
        ada = await sign_up(client)
        await put(client, ada, provider="anthropic", api_key=KEY)
        await client.put(
            "/api/v1/ai/settings/personal",
            json={"provider": "openai", "api_key": "sk-proj-LOGGED-NEVER-5566"},
            headers=ada.headers,
        )
        bad = await put(client, ada, provider="openai", api_key="sk bad key with spaces")
        assert bad.status_code == 422
    finally:
        configure_logging("INFO")
    logged = stream.getvalue()
    assert "ai_settings_updated" in logged  # the log was captured
    for secret in (KEY, "LOGGED-NEVER", "bad key with spaces"):
        assert secret not in logged

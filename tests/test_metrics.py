"""/metrics in Prometheus's format, open to the loopback and to METRICS_TOKEN only; and the
logs: every line of a request names its request, user and workspace, and no secret."""

import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import structlog
from prometheus_client.parser import text_string_to_metric_families

from crm.kit.logging import configure_logging
from tests.calendar.test_caldav_sync import connect, sync
from tests.conftest import PASSWORD, http_client, register
from tests.people import sign_up
from tests.radicale import PASSWORD as CALDAV_PASSWORD

TOKEN = "metrics-" + "m" * 30


async def scrape(client, **headers) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_requests_are_counted_by_route_template_status_and_latency(client):
    ada = await sign_up(client)
    before = await scrape(client)
    for _ in range(3):
        missing = await client.get(f"/api/v1/contacts/{uuid.uuid4()}", headers=ada.headers)
        assert missing.status_code == 404
    await client.get(f"/no/such/page/{uuid.uuid4()}")
    after = await scrape(client)

    route = {"method": "GET", "route": "/api/v1/contacts/{contact_id}"}
    name = "crm_http_requests_total"
    assert (
        value(after, name, **route, status="404") - value(before, name, **route, status="404") == 3
    )
    count = "crm_http_request_duration_seconds_count"
    assert value(after, count, **route) - value(before, count, **route) == 3
    slowest = "crm_http_request_duration_seconds_bucket"
    assert value(after, slowest, **route, le="+Inf") == value(after, count, **route)
    unmatched = {"method": "GET", "route": "(unmatched)", "status": "404"}
    assert value(after, name, **unmatched) >= 1
    assert not any("/no/such/page" in str(labels) for _, labels in after)
    pool = [value(after, "crm_db_pool_connections", state=s) for s in ("in_use", "idle")]
    assert sum(pool) >= 1


async def test_the_queue_and_the_lateness_of_due_reminders_are_shown(client):
    ada = await sign_up(client)
    past = (datetime.now(UTC) - timedelta(minutes=2)).isoformat()
    made = await client.post(
        "/api/v1/reminders", json={"message": "Late", "remind_at": past}, headers=ada.headers
    )
    assert made.status_code == 201
    samples = await scrape(client)  # no worker runs in this app
    assert value(samples, "crm_jobs", status="todo") >= 1
    assert 110 < value(samples, "crm_reminders_due_lateness_seconds") < 600


async def test_assistant_turns_and_calendar_syncs_are_counted_by_provider_and_outcome(
    client, radicale
):
    ada = await sign_up(client)
    before = await scrape(client)
    reply = await client.post(
        "/api/v1/chat", json={"message": "add Tom Thumb"}, headers=ada.headers
    )
    assert reply.status_code == 200
    radicale.make_calendar("work")
    assert (await connect(client, ada, radicale)).status_code == 200
    await sync(client, ada)
    after = await scrape(client)
    turns = {"provider": "offline", "outcome": "ok"}
    name = "crm_assistant_turns_total"
    assert value(after, name, **turns) - value(before, name, **turns) == 1
    runs = {"provider": "caldav", "outcome": "ok"}
    name = "crm_calendar_sync_runs_total"
    assert value(after, name, **runs) - value(before, name, **runs) == 1


async def test_metrics_from_off_the_loopback_need_the_token(custom_app):
    async with custom_app(metrics_token=TOKEN) as app:
        async with http_client(app, ip="203.0.113.7") as outside:
            assert (await outside.get("/metrics")).status_code == 401
            wrong = await outside.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            await scrape(outside, Authorization=f"Bearer {TOKEN}")
        async with http_client(app, ip="::1") as inside:
            await scrape(inside)
    async with custom_app() as app, http_client(app, ip="203.0.113.7") as outside:
        # No token set: the loopback only, whatever is sent.
        assert (
            await outside.get("/metrics", headers={"Authorization": "Bearer "})
        ).status_code == 401


async def test_every_log_line_of_a_request_names_it_its_user_and_workspace_and_no_secret(
    client, radicale
):
    stream = io.StringIO()
    configure_logging("INFO")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(stream))
    try:
        tokens = await register(client, f"log-{uuid.uuid4().hex[:8]}@example.com")
        ada = await sign_up(client)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        key = "sk-ant-api03-LOGSECRET-1234"
        await client.put(
            "/api/v1/ai/settings", json={"provider": "anthropic", "api_key": key}, headers=headers
        )
        radicale.make_calendar("work")
        await connect(client, ada, radicale)
        await client.post("/api/v1/contacts", json={"name": "Jane"}, headers=headers)
        await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        feed = (await client.post("/api/v1/calendar/feed", headers=headers)).json()["url"]
        assert (await client.get(feed.removeprefix("http://127.0.0.1:8000"))).status_code == 200
        feed_token = feed.rsplit("/", 1)[1].removesuffix(".ics")
    finally:
        configure_logging("INFO")
    text = stream.getvalue()
    secrets = (PASSWORD, CALDAV_PASSWORD, key, feed_token)
    for secret in (*secrets, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert all(line.get("request_id") for line in lines)
    signed_in = [
        line for line in lines if line.get("path") in ("/api/v1/contacts", "/api/v1/ai/settings")
    ]
    assert len(signed_in) == 2
    me = (await client.get("/api/v1/me", headers=headers)).json()
    for line in signed_in:
        assert (line["user_id"], line["workspace_id"]) == (me["id"], me["workspace_id"])
    updated = next(line for line in lines if line["event"] == "ai_settings_updated")
    assert updated["user_id"] == me["id"]

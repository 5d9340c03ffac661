"""Prometheus metrics at /metrics (docs/deploy.md): requests by route template and status with
their latency, the database pool, the job queue and the lateness of due reminders, assistant
turns and calendar syncs by provider and outcome.

Counting a request costs two dictionary lookups and two lock-guarded additions (the labelled
series are cached by key, bench/metrics.py measures it); what needs the database is read when
/metrics is asked, never per request."""

import hmac
import ipaddress
from typing import Any

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from sqlalchemy import text

from crm.kit.problems import problem_response
from crm.kit.routing import Router

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "crm_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "crm_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
POOL = Gauge(
    "crm_db_pool_connections",
    "The web process's database connections",
    ["state"],
    registry=REGISTRY,
)
JOBS = Gauge("crm_jobs", "Jobs in the queue by status", ["status"], registry=REGISTRY)
LATENESS = Gauge(
    "crm_reminders_due_lateness_seconds",
    "How long the oldest reminder whose time has come has waited for delivery (0: none waits)",
    registry=REGISTRY,
)
ASSISTANT_TURNS = Counter(
    "crm_assistant_turns", "Assistant turns", ["provider", "outcome"], registry=REGISTRY
)
SYNC_RUNS = Counter(
    "crm_calendar_sync_runs", "Calendar sync runs", ["provider", "outcome"], registry=REGISTRY
)

_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
UNMATCHED = "(unmatched)"  # every unknown path is one series, not one per path


def observe_request(scope: dict[str, Any], status: int, seconds: float) -> None:
    """Count one answered request under its route's template (`/api/v1/contacts/{id}`)."""
    route = scope.get("route")
    key = (scope["method"], getattr(route, "path", UNMATCHED), status)
    series = _series.get(key)
    if series is None:
        series = _series[key] = (
            REQUESTS.labels(key[0], key[1], str(status)),
            LATENCY.labels(key[0], key[1]),
        )
    series[0].inc()
    series[1].observe(seconds)


_QUEUE = text(
    "SELECT status::text, count(*), "
    "max(CASE WHEN status = 'todo' AND task_name = 'deliver_reminder' "
    "AND scheduled_at <= now() THEN extract(epoch FROM now() - scheduled_at) END) "
    "FROM procrastinate_jobs GROUP BY status"
)


async def _refresh(request: Request) -> None:
    db = request.app.state.db
    pool = db.engine.pool
    POOL.labels("in_use").set(pool.checkedout())
    POOL.labels("idle").set(pool.checkedin())
    async with db.engine.connect() as conn:
        rows = (await conn.execute(_QUEUE)).all()
    for status in ("todo", "doing", "failed"):
        JOBS.labels(status).set(0)
    late = 0.0
    for status, count, lateness in rows:
        JOBS.labels(status).set(count)
        late = max(late, float(lateness or 0))
    LATENESS.set(late)


def _allowed(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return True
    except ValueError:
        pass
    token = request.app.state.settings.metrics_token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return bool(
        token
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode())
    )


router = Router()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus's text format; from the loopback, or with METRICS_TOKEN as a Bearer token."""
    if not _allowed(request):
        return problem_response(
            401, "Unauthorized", "Metrics are open to the loopback, or with METRICS_TOKEN."
        )
    await _refresh(request)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

"""create_app(): routers, error handlers, middleware, and the lifespan that opens the database."""

import gc

# Importing the app makes about 280,000 objects that live as long as the process; the
# collector's passes over them while they are made were a quarter of the import's CPU (three
# full passes alone took 0.19 s). So it is paused until the app's modules are loaded, and
# what they made is then frozen (left out of later passes, as the lifespan does again in
# `collecting_for_requests`): otherwise the first pass after the pause walks it all (0.1 s).
_collecting = gc.isenabled()
gc.disable()
try:
    from collections.abc import AsyncIterator, Iterator
    from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
    from functools import cached_property
    from typing import TYPE_CHECKING, Any
    from urllib.parse import urlsplit

    from fastapi import FastAPI, Request
    from fastapi.openapi.utils import get_openapi
    from fastapi.responses import JSONResponse
    from starlette.datastructures import State
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.routing import BaseRoute

    from crm import __version__
    from crm.ai.endpoints import router as ai_router
    from crm.ai.pages import router as ai_pages
    from crm.assistant.endpoints import router as chat_router
    from crm.assistant.pages import router as assistant_pages
    from crm.auth.api_token_endpoints import router as api_token_router
    from crm.auth.api_token_pages import router as api_token_pages
    from crm.auth.endpoints import router as auth_router
    from crm.auth.pages import router as auth_pages
    from crm.auth.service import TokenIssuer
    from crm.auth.tokens import TokenSigner
    from crm.calendar.endpoints import items_router as calendar_items_router
    from crm.calendar.endpoints import router as calendar_event_router
    from crm.calendar.interchange_endpoints import router as calendar_interchange_router
    from crm.calendar.pages import router as calendar_pages
    from crm.config import Settings, get_settings
    from crm.contacts.endpoints import router as contact_router
    from crm.contacts.pages import router as contact_pages
    from crm.db import Database
    from crm.feedback.endpoints import router as feedback_router
    from crm.feedback.pages import router as feedback_pages
    from crm.integrations.endpoints import router as integration_router
    from crm.integrations.pages import router as integration_pages
    from crm.jobs import TASK_MODULES, running_worker
    from crm.kit import openapi, problems
    from crm.kit.crypto import SecretBox
    from crm.kit.deferred import DeferredRoutes, Warmed, Warming, in_background
    from crm.kit.logging import configure_logging
    from crm.kit.metrics import router as metrics_router
    from crm.kit.middleware import RequestContext
    from crm.kit.problems import problem_response
    from crm.kit.ratelimit import RateLimits
    from crm.kit.secrets import load_secret_keys
    from crm.notifications.endpoints import router as notification_router
    from crm.notifications.live import NotificationHub
    from crm.notifications.pages import router as notification_pages
    from crm.organizations.endpoints import router as organization_router
    from crm.organizations.pages import router as organization_pages
    from crm.projects.endpoints import router as project_router
    from crm.projects.pages import router as project_pages
    from crm.reminders.endpoints import router as reminder_router
    from crm.tasks.endpoints import project_tasks as project_task_router
    from crm.tasks.endpoints import router as task_router
    from crm.tasks.pages import router as task_pages
    from crm.web import install as install_web
    from crm.web.pages import router as web_pages
    from crm.web.settings_tabs import router as settings_pages
    from crm.workspaces.endpoints import router as workspace_router
    from crm.workspaces.pages import router as workspace_pages
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

if TYPE_CHECKING:
    from crm.assistant.integrations import Integrations
    from crm.mcp.http import MCPEndpoint

ROUTERS = (
    auth_router,
    api_token_router,
    workspace_router,
    contact_router,
    organization_router,
    project_router,
    project_task_router,
    task_router,
    calendar_event_router,
    calendar_items_router,
    reminder_router,
    notification_router,
    calendar_interchange_router,
    feedback_router,
    chat_router,
    ai_router,
    integration_router,
    metrics_router,
    # pages
    web_pages,
    auth_pages,
    # Before settings_pages: its GET /settings/integrations wins over /settings/{slug}.
    integration_pages,
    settings_pages,
    workspace_pages,
    feedback_pages,
    assistant_pages,
    ai_pages,
    contact_pages,
    organization_pages,
    project_pages,
    task_pages,
    notification_pages,
    calendar_pages,
    api_token_pages,
)
# Where the MCP server, its OAuth and the consent page live (crm/mcp/; a test checks each of
# their routes is under one of these): the `mcp` SDK is imported on the first request there.
MCP_PREFIXES = ("/mcp", "/oauth/", "/.well-known/oauth-")


class AppState(State):
    """`app.state`, whose parts that only some requests need (the `mcp` SDK, pydantic-ai:
    about a second of import) are made the first time they are asked for."""

    settings: Settings
    box: SecretBox
    rate_limits: RateLimits

    @cached_property
    def mcp(self) -> "MCPEndpoint":
        from crm.mcp.http import MCPEndpoint

        return MCPEndpoint(self.settings, self, self.box)

    @cached_property
    def integrations(self) -> "Integrations":
        """The assistant's way to the users' connected services (no token held: see there)."""
        from crm.assistant.integrations import Integrations

        return Integrations(self.settings, self.box, self.rate_limits)

    async def close(self) -> None:
        """Close what was made (what was never asked for was never opened)."""
        if "integrations" in vars(self):
            await self.integrations.close()


@contextmanager
def collecting_for_requests() -> Iterator[None]:
    """Garbage collection tuned for serving (docs/performance.md): what startup made lives
    as long as the app, so it is left out of the collector's full passes (which took over
    100 ms each, a request's whole budget); and the young generation is collected after
    20,000 allocations instead of 700, so the thousands of objects a month view makes
    mostly die by reference counting before a pass ever looks at them."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(20_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    if settings.database_url is None:
        raise RuntimeError("DATABASE_URL is not set; `crm serve` starts an embedded database")
    database_url = settings.database_url.get_secret_value()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = Database(database_url)
        await app.state.db.check_role()
        app.state.notifications = NotificationHub(database_url)
        try:
            async with AsyncExitStack() as stack:
                stack.push_async_callback(app.state.close)
                # The first chat turn's modules (pydantic-ai and the agent: over a second of
                # import) and the worker's, imported while the app answers /health.
                await stack.enter_async_context(warming.started())
                if settings.crm_worker_in_process:  # started while the app already answers
                    await stack.enter_async_context(
                        in_background(
                            lambda: warming.then(running_worker(database_url, settings)), "worker"
                        )
                    )
                stack.push_async_callback(mcp_routes.close)
                stack.enter_context(collecting_for_requests())
                yield
        finally:
            await app.state.notifications.close()
            await app.state.db.close()

    app = FastAPI(
        title="CRM",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # /docs and /redoc from vendored files: crm.web.api_docs
        redoc_url=None,
    )
    app.state = AppState()
    app.state.settings = settings
    keys = load_secret_keys(settings)
    app.state.box = SecretBox(keys)
    app.state.issuer = TokenIssuer(
        TokenSigner(keys, settings.access_token_minutes),
        settings.refresh_token_days,
    )
    app.state.rate_limits = RateLimits(settings)
    worker = ("procrastinate", *TASK_MODULES) if settings.crm_worker_in_process else ()
    app.state.warming = warming = Warming("crm.assistant.agent", *worker)

    # First in the table: FastAPI builds each included router's routes on the first request
    # that walks past them (0.1 s), which a health check (and "Ready:") need not wait for.
    @app.get("/health", tags=["health"])
    async def health() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/ready", tags=["health"], response_model=None)
    async def ready(request: Request) -> dict[str, str] | JSONResponse:
        """The database answers."""
        try:
            await request.app.state.db.ping()
        except Exception:
            return problem_response(503, "Not ready", "The database does not answer.")
        return {"status": "ready"}

    problems.install(app)
    install_web(app)
    for router in ROUTERS:
        app.include_router(router)
    mcp_routes = DeferredRoutes(
        MCP_PREFIXES, lambda: mcp_routes_of(app), lambda: app.state.mcp.running()
    )
    app.router.routes.append(mcp_routes)
    app.openapi = lambda: app.openapi_schema or _openapi(app)  # type: ignore[method-assign]

    app.add_middleware(Warmed, warming=warming)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings))
    app.add_middleware(RequestContext, max_body_bytes=settings.max_body_bytes)
    return app


def mcp_routes_of(app: FastAPI) -> list[BaseRoute]:
    """The consent page, then the MCP server's and its OAuth's routes."""
    from crm.mcp.pages import router as consent_pages

    return [*consent_pages.routes, *app.state.mcp.routes()]


def _openapi(app: FastAPI) -> dict[str, Any]:
    app.openapi_schema = openapi.document_problems(
        get_openapi(title=app.title, version=app.version, routes=app.routes)
    )
    return app.openapi_schema


def allowed_hosts(settings: Settings) -> list[str]:
    base = urlsplit(settings.crm_base_url).hostname
    return ["localhost", "127.0.0.1", "[::1]", *filter(None, [base]), *settings.crm_allowed_hosts]

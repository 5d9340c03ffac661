"""Parts of the app made when first asked for, or after it is ready, so a process pays for
what it serves when it serves it: routes built on the first request under their path prefixes
(the MCP server and its OAuth, which pull in the `mcp` SDK), with what they need running
started then and stopped with the app; services started in the background (the in-process
job worker), so the app answers meanwhile; and modules imported in a thread once the app
answers (`Warming`: the assistant's agent and the job worker's), so the first request that
needs them does not wait for them."""

import asyncio
import gc
import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

import structlog
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

log = structlog.get_logger()


@asynccontextmanager
async def in_background(
    service: Callable[[], AbstractAsyncContextManager[object]], name: str
) -> AsyncIterator[None]:
    """Run `service()` in a task of its own for the block's duration, without waiting for it
    to start; the block's end stops it and waits for it. A failure is logged with `name`
    (the app keeps serving: what the service does waits, nothing else does)."""
    stop = asyncio.Event()

    async def hold() -> None:
        async with service():
            await stop.wait()

    def report(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("background_service_failed", service=name, exc_info=task.exception())

    task = asyncio.create_task(hold(), name=name)
    task.add_done_callback(report)
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(task, return_exceptions=True)


class Warming:
    """Modules imported in a thread as the app starts to answer (`started`), and what waits
    for them (`then`, `Warmed`). While they are imported nothing else imports: two threads
    importing at once can each hold a module the other needs (the `mcp` SDK's modules import
    each other in a circle), and Python then hands one of them a module half made, an
    ImportError. So the job worker starts after them, and requests but for `/health`, `/ready`
    and static files wait for them (a second or two after a start, once): every later import
    is the event loop's."""

    def __init__(self, *modules: str) -> None:
        self.modules = modules
        self.done = asyncio.Event()
        self.done.set()  # an app whose lifespan never ran warms nothing and waits for nothing

    def started(self) -> AbstractAsyncContextManager[None]:
        """The imports begun in the background for the block's duration; from now on what
        waits for them waits (even before their thread begins)."""
        self.done.clear()
        return in_background(self._imported, "warming")

    @asynccontextmanager
    async def _imported(self) -> AsyncIterator[None]:
        """Import the modules, then leave what they made out of the collector's passes, as
        the app's own import is: it lives as long as the process."""
        try:
            await asyncio.to_thread(lambda: [importlib.import_module(m) for m in self.modules])
            gc.freeze()
        finally:
            self.done.set()
        yield

    @asynccontextmanager
    async def then(self, service: AbstractAsyncContextManager[object]) -> AsyncIterator[None]:
        """`service` entered once the modules are imported."""
        await self.done.wait()
        async with service:
            yield


class Warmed:
    """Middleware holding each request (but health checks and static files) until `warming`
    is done; once it is, a flag check."""

    EXEMPT = ("/health", "/ready", "/static/")

    def __init__(self, app: ASGIApp, warming: Warming) -> None:
        self.app, self.warming = app, warming

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.warming.done.is_set()
            and scope["type"] in ("http", "websocket")
            and not scope["path"].startswith(self.EXEMPT)
        ):
            await self.warming.done.wait()
        await self.app(scope, receive, send)


class DeferredRoutes(BaseRoute):
    """Routes made by `build` on the first request whose path starts with one of `prefixes`;
    `running` (if given) is entered before the first of them is served and left by `close`
    (the app's lifespan calls it). Requests under no prefix never build anything."""

    def __init__(
        self,
        prefixes: tuple[str, ...],
        build: Callable[[], list[BaseRoute]],
        running: Callable[[], AbstractAsyncContextManager[object]] | None = None,
    ) -> None:
        self.prefixes, self._build, self._running = prefixes, build, running
        self._routes: list[BaseRoute] | None = None
        self._started = False
        self._lock = asyncio.Lock()
        self._stack = AsyncExitStack()

    @property
    def routes(self) -> list[BaseRoute]:
        if self._routes is None:
            self._routes = self._build()
        return self._routes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] not in ("http", "websocket") or not scope["path"].startswith(
            self.prefixes
        ):
            return Match.NONE, {}
        best: tuple[Match, Scope] = (Match.NONE, {})
        for route in self.routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                return match, child
            if match is Match.PARTIAL and best[0] is Match.NONE:
                best = (match, child)
        return best

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._start()
        partial = None
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return await route.handle(scope, receive, send)
            if match is Match.PARTIAL and partial is None:
                partial = route
        assert partial is not None  # the router calls handle only after matches() matched
        await partial.handle(scope, receive, send)

    async def _start(self) -> None:
        if self._started or self._running is None:
            return
        async with self._lock:
            if not self._started:
                await self._stack.enter_async_context(self._running())
                self._started = True

    async def close(self) -> None:
        """Stop what the first request started (nothing if none came)."""
        await self._stack.aclose()
        self._started = False
